package actionstore_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/twitter-sessions/twitter-sessions/shared/actions"
	"github.com/twitter-sessions/twitter-sessions/shared/useritem"
)

func TestTheScanFindsActionsInSendingAndMarksThemOnlyUnderTheSameClaim(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	ctx := context.Background()
	claimed := time.Now().Add(-time.Hour).UTC().Truncate(time.Millisecond)
	var uids []string
	for i := range 12 {
		uid := fmt.Sprintf("19%017d", i+1)
		uids = append(uids, uid)
		signIn(t, s, uid, useritem.ActionFollow, useritem.ActionWelcome)
		switch i % 3 {
		case 0: // both sending
			if _, err := s.ClaimPending(ctx, uid, []useritem.Action{useritem.ActionFollow, useritem.ActionWelcome}, claimed); err != nil {
				t.Fatal(err)
			}
		case 1: // one sending, one done
			if _, err := s.ClaimPending(ctx, uid, []useritem.Action{useritem.ActionFollow, useritem.ActionWelcome}, claimed); err != nil {
				t.Fatal(err)
			}
			if err := s.RecordOutcome(ctx, uid, useritem.ActionFollow, actions.Record{State: useritem.StateDone, UpdatedAt: claimed}); err != nil {
				t.Fatal(err)
			}
		} // 2: both pending
	}

	var found []actions.Sending
	scanned, pages, after := 0, 0, ""
	for {
		page, err := s.ScanSending(ctx, after, 5)
		if err != nil {
			t.Fatal(err)
		}
		found = append(found, page.Actions...)
		scanned += page.Scanned
		pages++
		if page.Next == "" {
			break
		}
		after = page.Next
	}
	if len(found) != 4*2+4 || scanned != 12 || pages < 3 {
		t.Fatalf("found %d actions in sending, scanned %d items in %d pages", len(found), scanned, pages)
	}
	for _, a := range found {
		if !a.ClaimedAt.Equal(claimed) {
			t.Fatalf("%+v: claimed_at read back wrong", a)
		}
	}

	now := time.Now()
	a := actions.Sending{UID: uids[0], Action: useritem.ActionWelcome, ClaimedAt: claimed}
	t.Run("another claim's time does not match", func(t *testing.T) {
		other := a
		other.ClaimedAt = claimed.Add(time.Millisecond)
		if ok, err := s.MarkUnknown(ctx, other, "stuck_sending", now); ok || err != nil {
			t.Fatalf("marked %v %v", ok, err)
		}
	})
	t.Run("a pending action is not marked", func(t *testing.T) {
		if ok, err := s.MarkUnknown(ctx, actions.Sending{UID: uids[2], Action: useritem.ActionWelcome}, "stuck_sending", now); ok || err != nil {
			t.Fatalf("marked %v %v", ok, err)
		}
	})
	t.Run("the same claim is marked once, and its run can no longer record", func(t *testing.T) {
		if ok, err := s.MarkUnknown(ctx, a, "stuck_sending", now); !ok || err != nil {
			t.Fatalf("marked %v %v", ok, err)
		}
		if ok, err := s.MarkUnknown(ctx, a, "stuck_sending", now); ok || err != nil {
			t.Fatalf("marked twice: %v %v", ok, err)
		}
		u, _ := s.GetActionUser(ctx, a.UID)
		if r := u.Actions[useritem.ActionWelcome]; r.State != useritem.StateUnknown || r.Reason != "stuck_sending" || !r.ClaimedAt.Equal(claimed) {
			t.Fatalf("record %+v", r)
		}
		if len(u.Pending()) != 0 {
			t.Fatal("the mark left something pending")
		}
		late := actions.Record{State: useritem.StateDone, Result: "dm-late", UpdatedAt: now}
		if err := s.RecordOutcome(ctx, a.UID, useritem.ActionWelcome, late); !errors.Is(err, actions.ErrConflict) {
			t.Fatalf("a late record after the mark: %v", err)
		}
	})
}
