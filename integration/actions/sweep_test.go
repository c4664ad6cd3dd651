package actions_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/twitter-sessions/twitter-sessions/shared/actions"
	"github.com/twitter-sessions/twitter-sessions/shared/useritem"
)

const (
	daveUID = "1500000000000000004"
	erinUID = "1600000000000000005"
)

// sweep invokes the handler with the schedule's event.
func (s *stack) sweep(budget time.Duration) actions.SweepCounts {
	s.t.Helper()
	out := s.invoke(budget, `{"sweep":{}}`)
	var rep actions.SweepReport
	if err := json.Unmarshal(out, &rep); err != nil {
		s.t.Fatalf("answer %s: %v", out, err)
	}
	return rep.Sweep
}

// claimedAgo claims a user's pending welcome DM as a run did ago.
func (s *stack) claimedAgo(uid string, ago time.Duration) {
	s.t.Helper()
	if _, err := s.users.ClaimPending(context.Background(), uid, []useritem.Action{useritem.ActionWelcome}, time.Now().Add(-ago)); err != nil {
		s.t.Fatal(err)
	}
}

// recordsFirst records an outcome for uid's action between the sweep's scan
// and its mark: the run that claimed it was slow, not dead.
type recordsFirst struct {
	actions.SendingMarker
	records actions.Claimer
	uid     string
}

func (r *recordsFirst) MarkUnknown(ctx context.Context, a actions.Sending, reason actions.Reason, now time.Time) (bool, error) {
	if a.UID == r.uid {
		if err := r.records.RecordOutcome(ctx, a.UID, a.Action, actions.Record{State: useritem.StateDone, Result: "dm-late", UpdatedAt: now}); err != nil {
			return false, err
		}
	}
	return r.SendingMarker.MarkUnknown(ctx, a, reason, now)
}

func TestTheSweepMarksActionsStuckInSendingUnknownOnce(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	s.h.Stream.PageSize = 2 // the five users take three pages
	for _, uid := range []string{aliceUID, bobUID, carolUID, daveUID, erinUID} {
		s.signInPlain(uid, false, false) // a welcome DM each (the brand's token), no token of theirs
	}
	s.claimedAgo(aliceUID, 16*time.Minute) // its run died: stuck
	s.claimedAgo(bobUID, 5*time.Minute)    // its run may still be waiting for X
	// carol's welcome stays pending
	s.claimedAgo(daveUID, time.Hour)
	if err := s.users.RecordOutcome(context.Background(), daveUID, useritem.ActionWelcome, actions.Record{State: useritem.StateDone, UpdatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	s.claimedAgo(erinUID, 20*time.Minute) // its run records between the scan and the mark
	real := s.h.Stream.Sending
	s.h.Stream.Sending = &recordsFirst{SendingMarker: real, records: s.h.Stream.Claims, uid: erinUID}

	got := s.sweep(10 * time.Second)
	want := actions.SweepCounts{Scanned: 5, Sending: 3, Stuck: 2, Marked: 1, Complete: true, TokensComplete: true}
	if got != want {
		t.Fatalf("report %+v, want %+v", got, want)
	}
	s.wantAction(aliceUID, "welcome", "unknown", string(actions.ReasonStuckSending))
	s.wantAction(bobUID, "welcome", "sending", "")
	s.wantAction(carolUID, "welcome", "pending", "")
	s.wantAction(daveUID, "welcome", "done", "")
	s.wantAction(erinUID, "welcome", "done", "") // the run's record won
	lines := s.unknownLines()
	if len(lines) != 1 || lines[0]["uid"] != aliceUID || lines[0]["action"] != "welcome" || lines[0]["level"] != "warn" ||
		lines[0]["claimed_at"] == nil || !strings.HasPrefix(lines[0]["message"].(string), "stuck action marked unknown") {
		t.Fatalf("log lines with state unknown: %v, want one for alice", lines)
	}
	if sum := s.logLines("message", "sweep"); len(sum) != 1 || sum[0]["level"] != "info" || sum[0]["stuck"] != float64(2) || sum[0]["marked"] != float64(1) || sum[0]["state"] != nil {
		t.Fatalf("summary lines %v: want one with the counts (and no state: the metric counts actions)", sum)
	}

	t.Run("a second sweep finds nothing to mark", func(t *testing.T) {
		s.h.Stream.Sending = real
		if got := s.sweep(10 * time.Second); got != (actions.SweepCounts{Scanned: 5, Sending: 1, Complete: true, TokensComplete: true}) {
			t.Fatalf("report %+v", got)
		}
		if len(s.unknownLines()) != 1 {
			t.Fatal("a second line for the same action")
		}
	})
	t.Run("the marks do not invoke the function through the stream", func(t *testing.T) {
		// The five sign-ins are delivered; every other write (claims,
		// records, marks) holds nothing pending and is filtered out.
		if st := s.drain(); st.Delivered != 5 {
			t.Fatalf("relay %+v: want only the 5 sign-ins delivered", st)
		}
		if s.calls("dm") != 0 {
			t.Fatal("a stuck action was sent")
		}
	})
	t.Run("a sweep without the time to start stops cleanly", func(t *testing.T) {
		s.h.Stream.Now = func() time.Time { return time.Now().Add(time.Hour) } // bob is stuck now
		got := s.sweep(s.h.Stream.Margin / 2)
		if got != (actions.SweepCounts{}) {
			t.Fatalf("report %+v", got)
		}
		s.wantAction(bobUID, "welcome", "sending", "")
		if got := s.sweep(10 * time.Second); got.Marked != 1 || !got.Complete {
			t.Fatalf("with the time: %+v", got)
		}
		s.wantAction(bobUID, "welcome", "unknown", string(actions.ReasonStuckSending))
	})
}
