package keyops

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestTheEdgeSecretIsCreatedOnceAndRotatedKeepingThePreviousOne(t *testing.T) {
	ctx := context.Background()
	s, m := newStage()
	var out bytes.Buffer
	if _, err := s.EdgeID(ctx, true); err == nil || !strings.Contains(err.Error(), "make secrets") {
		t.Fatalf("edge on without a secret: %v", err)
	}
	if id, err := s.EdgeID(ctx, false); err != nil || id != "" {
		t.Fatalf("edge off without a secret: %q %v", id, err)
	}
	if err := s.RotateEdgeSecret(ctx, &out); err == nil {
		t.Fatal("rotated a secret that does not exist")
	}
	if err := s.StoreEdgeSecret(ctx, &out); err != nil {
		t.Fatal(err)
	}
	first := m.m[s.Name(EdgeSecret)]
	if len(first) < 32 {
		t.Fatalf("secret of %d characters", len(first))
	}
	if err := s.StoreEdgeSecret(ctx, &out); err != nil || m.m[s.Name(EdgeSecret)] != first {
		t.Fatalf("make secrets again replaced the secret (%v)", err)
	}
	id1, _ := s.EdgeID(ctx, true)
	if err := s.RotateEdgeSecret(ctx, &out); err != nil {
		t.Fatal(err)
	}
	second := m.m[s.Name(EdgeSecret)]
	if second == first || m.m[s.Name(EdgeOldSecrets)] != first {
		t.Fatalf("after a rotation: current changed %v, old is the previous %v", second != first, m.m[s.Name(EdgeOldSecrets)] == first)
	}
	if id2, _ := s.EdgeID(ctx, true); id2 == id1 || len(id2) != 8 {
		t.Fatalf("ids %s then %s", id1, id2)
	}
	if strings.Contains(out.String(), first) || strings.Contains(out.String(), second) {
		t.Fatalf("a secret was printed: %s", out.String())
	}
}
