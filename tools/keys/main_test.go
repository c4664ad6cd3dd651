package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/twitter-sessions/twitter-sessions/shared/seal"
)

// memStore stands in for SSM Parameter Store, which has no local emulator;
// the commands' logic is what is under test here.
type memStore map[string]string

func (m memStore) Get(_ context.Context, name string) (string, bool, error) {
	v, ok := m[name]
	return v, ok, nil
}

func (m memStore) Put(_ context.Context, name, value string) error { m[name] = value; return nil }

func TestStoreRotateKeepsEveryValueOpenable(t *testing.T) {
	m := memStore{}
	p := params{store: m, prefix: "/twitter-sessions/staging"}
	var out bytes.Buffer
	const secret = "x-consumer-secret-0123456789abcdefghijklmnopqrstuvwxyz012345"

	if err := p.storeSecrets(context.Background(), strings.NewReader(secret+"\n"), &out); err != nil {
		t.Fatal(err)
	}
	first := m["/twitter-sessions/staging/token-encryption-key"]
	if m["/twitter-sessions/staging/twitter-consumer-secret"] != secret || first == "" {
		t.Fatalf("stored %v", m)
	}
	if strings.Contains(out.String(), secret) || strings.Contains(out.String(), first) {
		t.Fatal("a secret was printed")
	}
	k1, _ := seal.ParseKey(first)
	s1, _ := seal.New(k1)
	sealed, _ := s1.Seal("token", "token:1")

	t.Run("storing again keeps the encryption key", func(t *testing.T) {
		if err := p.storeSecrets(context.Background(), strings.NewReader(secret), &out); err != nil {
			t.Fatal(err)
		}
		if m["/twitter-sessions/staging/token-encryption-key"] != first {
			t.Fatal("make secrets replaced the encryption key: every stored token would be lost")
		}
	})
	t.Run("a too short secret is refused", func(t *testing.T) {
		if err := p.storeSecrets(context.Background(), strings.NewReader("\n"), &out); err == nil {
			t.Fatal("accepted an empty secret")
		}
	})
	t.Run("two rotations keep both previous keys and old values still open", func(t *testing.T) {
		for range 2 {
			if err := p.rotate(context.Background(), &out); err != nil {
				t.Fatal(err)
			}
		}
		cur, _ := seal.ParseKey(m["/twitter-sessions/staging/token-encryption-key"])
		var olds [][]byte
		for _, k := range strings.Split(m["/twitter-sessions/staging/token-encryption-old-keys"], ",") {
			b, err := seal.ParseKey(k)
			if err != nil {
				t.Fatal(err)
			}
			olds = append(olds, b)
		}
		if len(olds) != 2 || bytes.Equal(cur, k1) {
			t.Fatalf("old keys %d", len(olds))
		}
		ring, _ := seal.New(cur, olds...)
		if v, err := ring.Open(sealed, "token:1"); err != nil || v != "token" {
			t.Fatalf("a value sealed before the rotations: %q %v", v, err)
		}
	})
}
