package memstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/twitter-sessions/twitter-sessions/shared/actions"
	"github.com/twitter-sessions/twitter-sessions/shared/memstore"
	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/useritem"
)

const alice = "1234567890123456789"

// TestFaults: the Nth call of a kind fails (Times in a row), before its
// write or after it (the answer lost), wrapped as the DynamoDB store wraps
// its failures; hooks run around each call and may write themselves.
func TestFaults(t *testing.T) {
	ctx := context.Background()
	s := memstore.NewUsers(nil)
	now := time.Now()
	if _, err := s.SaveSignIn(ctx, signin.User{Identity: signin.Identity{UserID: alice}, SignedInAt: now,
		Actions: []useritem.Action{useritem.ActionFollow, useritem.ActionWelcome, useritem.ActionTweet}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ClaimPending(ctx, alice, []useritem.Action{useritem.ActionFollow, useritem.ActionWelcome, useritem.ActionTweet}, now); err != nil {
		t.Fatal(err)
	}
	s.Inject(memstore.Fault{Op: memstore.OpRecordOutcome, Nth: 2})
	s.Inject(memstore.Fault{Op: memstore.OpRecordOutcome, Nth: 3, After: true})
	rec := actions.Record{State: useritem.StateDone, UpdatedAt: now}
	for i, a := range []useritem.Action{useritem.ActionFollow, useritem.ActionWelcome, useritem.ActionTweet} {
		err := s.RecordOutcome(ctx, alice, a, rec)
		if (err != nil) != (i > 0) || (err != nil && !errors.Is(err, actions.ErrStoreUnavailable)) {
			t.Fatalf("record %d: %v", i+1, err)
		}
	}
	u, _ := s.GetActionUser(ctx, alice)
	if u.Actions[useritem.ActionFollow].State != useritem.StateDone || u.Actions[useritem.ActionWelcome].State != useritem.StateSending ||
		u.Actions[useritem.ActionTweet].State != useritem.StateDone {
		t.Fatalf("after the faults: %+v", u.Actions)
	}
	if s.Calls(memstore.OpRecordOutcome) != 3 {
		t.Fatalf("%d calls", s.Calls(memstore.OpRecordOutcome))
	}
	// A hook that writes: a sign-in lands between a read and the claim.
	s.Before(func(ctx context.Context, c memstore.Call) error {
		if c.Op == memstore.OpRequeue {
			return s.MarkRevoked(ctx, c.Key, now)
		}
		return nil
	})
	if ok, err := s.Requeue(ctx, alice, useritem.ActionWelcome, useritem.StateSending, now); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if u, _ := s.GetActionUser(ctx, alice); !u.Revoked {
		t.Fatal("the hook's write did not land")
	}
	s.Before(func(context.Context, memstore.Call) error { return errors.New("boom") })
	if _, err := s.GetActionUser(ctx, alice); !errors.Is(err, actions.ErrStoreUnavailable) {
		t.Fatalf("a hook's error: %v", err)
	}
}
