package ops

import (
	"context"
	"testing"
	"time"
)

// TestForgetErasesAVisitorWhoseTokenIsGone: a visitor's token is removed
// (and revoked) once their work is done, and a plain sign-up stores none.
// Erasing them revokes nothing, asks X nothing, and deletes the item.
func TestForgetErasesAVisitorWhoseTokenIsGone(t *testing.T) {
	s := newStack(t)
	x := newXApp(t, s)
	s.put(t, user{uid: aliceID, name: "alice", created: time.Now(), welcome: "done"},
		user{uid: bobID, name: "bob", created: time.Now()})
	res, err := x.forget(s).Run(context.Background(), aliceID)
	if err != nil {
		t.Fatal(err)
	}
	if res.X != noToken {
		t.Errorf("X: %q, want %q", res.X, noToken)
	}
	if s.exists(t, aliceID) || !s.exists(t, bobID) {
		t.Errorf("alice kept %v, bob kept %v; want alice erased, bob kept", s.exists(t, aliceID), s.exists(t, bobID))
	}
	if n := len(x.sb.Calls()); n != 0 {
		t.Errorf("forget made %d calls to X for a visitor without a token", n)
	}
}
