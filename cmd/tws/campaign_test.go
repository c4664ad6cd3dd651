package main

import (
	"io"
	"testing"
	"time"

	"github.com/twitter-sessions/twitter-sessions/shared/campaigns"
)

// -until-done invokes again as the schedule would: after a deadline only
// when the run got somewhere, after a busy campaign in 5 s, after a rate
// limit or a pause once the campaign's window opens; never after the other
// ways of stopping.
func TestAnotherRunFollowsTheWayTheCampaignStopped(t *testing.T) {
	now := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	in := now.Add(time.Minute)
	tests := []struct {
		name     string
		run      campaigns.Result
		again    bool
		wait     time.Duration
		decisive bool
	}{
		{name: "a deadline after progress", run: campaigns.Result{Stopped: campaigns.StopDeadline, Run: campaigns.RunCounts{Sent: 1}},
			again: true, decisive: true},
		{name: "a deadline without progress", run: campaigns.Result{Stopped: campaigns.StopDeadline},
			decisive: true},
		{name: "busy", run: campaigns.Result{Stopped: campaigns.StopBusy},
			again: true, wait: 5 * time.Second, decisive: true},
		{name: "rate limited until a minute from now", run: campaigns.Result{Stopped: campaigns.StopRateLimited, ResumeAfter: &in},
			again: true, wait: 61 * time.Second, decisive: true}, // the window's minute and a second
		{name: "waiting without a time", run: campaigns.Result{Stopped: campaigns.StopWaiting},
			again: true, decisive: true},
		{name: "done", run: campaigns.Result{Stopped: campaigns.StopDone}},
		{name: "the brand is not connected", run: campaigns.Result{Stopped: campaigns.StopBrandMissing}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			again, wait, decisive := nextRun(tt.run, now)
			if again != tt.again || decisive != tt.decisive || wait != tt.wait {
				t.Errorf("nextRun = %v, %s, %v; want %v, %s, %v", again, wait, decisive, tt.again, tt.wait, tt.decisive)
			}
		})
	}
}

// Of several campaigns, the last that says anything decides whether to run
// again, and the longest wait wins. This pins what -until-done has always
// done; whether a stuck campaign should stop the others is another question.
func TestTheLastDecisiveCampaignDecidesAndTheLongestWaitWins(t *testing.T) {
	busy := campaigns.Result{ID: "a", Stopped: campaigns.StopBusy}
	stuck := campaigns.Result{ID: "b", Stopped: campaigns.StopDeadline}
	done := campaigns.Result{ID: "c", Stopped: campaigns.StopDone}
	if again, wait := reportRun(io.Discard, 1, campaigns.Report{Campaigns: []campaigns.Result{busy, stuck, done}}); again || wait != 5*time.Second {
		t.Errorf("busy, stuck, done: again %v wait %s; want false, 5s", again, wait)
	}
	if again, wait := reportRun(io.Discard, 1, campaigns.Report{Campaigns: []campaigns.Result{stuck, busy, done}}); !again || wait != 5*time.Second {
		t.Errorf("stuck, busy, done: again %v wait %s; want true, 5s", again, wait)
	}
}
