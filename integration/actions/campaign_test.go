package actions_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/twitter-sessions/twitter-sessions/shared/campaigns"
	"github.com/twitter-sessions/twitter-sessions/tools/teststack"
	"github.com/twitter-sessions/twitter-sessions/tools/xsandbox"
)

// runCampaign invokes the handler with a campaign event within budget.
func (s *stack) runCampaign(budget time.Duration, req string) campaigns.Report {
	s.t.Helper()
	out := s.invoke(budget, `{"campaign":`+req+`}`)
	var rep campaigns.Report
	if err := json.Unmarshal(out, &rep); err != nil {
		s.t.Fatalf("answer %s: %v", out, err)
	}
	return rep
}

func (s *stack) campaignsSent(uid string) []string {
	if ss, ok := s.user(uid)["campaigns_sent"].(*types.AttributeValueMemberSS); ok {
		return ss.Value
	}
	return nil
}

func TestACampaignReachesEverySubscriberOnceWithinTheRateLimit(t *testing.T) {
	t.Parallel()
	const (
		n         = 300
		limit     = 50 // DMs per window, per sender, as the sandbox enforces them
		window    = time.Second
		budget    = 3 * time.Second // each run's Lambda time (the stack keeps a 1 s margin)
		unsubbed  = 20              // every 15th user
		revokedN  = 10              // every 30th user, offset 7
		refusingN = 5               // every 60th user, offset 3: accepts no DMs
	)
	var extra []xsandbox.User
	kind := func(i int) string {
		switch {
		case i%15 == 0:
			return "unsubscribed"
		case i%30 == 7:
			return "revoked"
		case i%60 == 3:
			return "refusing"
		}
		return "ok"
	}
	uid := func(i int) string { return fmt.Sprintf("17%017d", i+1) }
	for i := range n {
		u := xsandbox.User{ID: uid(i), Username: fmt.Sprintf("sub%03d", i), Name: "Subscriber"}
		if kind(i) == "refusing" {
			u.AcceptsDMsFrom = "none"
		}
		extra = append(extra, u)
	}
	s := newStack(t, teststack.WithUsers(extra))
	s.subscriber(brandUID)
	ctx := context.Background()
	want := map[string]int{}
	for i := range n {
		s.subscriber(uid(i))
		switch kind(i) {
		case "unsubscribed":
			if _, err := s.users.Unsubscribe(ctx, uid(i), time.Now()); err != nil {
				t.Fatal(err)
			}
		case "revoked":
			if err := s.users.MarkRevoked(ctx, uid(i), time.Now()); err != nil {
				t.Fatal(err)
			}
		}
		want[kind(i)]++
	}
	if want["unsubscribed"] != unsubbed || want["revoked"] != revokedN || want["refusing"] != refusingN {
		t.Fatalf("population %v", want)
	}
	s.sb.SetRateLimit(xsandbox.EndpointDM, limit, window)

	const text = "Our launch is live!"
	begin := time.Now()
	rep := s.runCampaign(budget, `{"id":"launch-2026","text":"`+text+`"}`)
	// How many runs it takes is the machine's speed; what must hold is that
	// every run makes progress unless it was told to wait (the schedule's
	// pause, X's window) or ran out of time before its first recipient (a
	// stalled machine). Runs making progress are at most n+1 (the brand
	// included); maxIdle only keeps a campaign that never moves from hanging
	// the test.
	const maxIdle = 20
	runs, idle, waits := 1, 0, time.Duration(0)
	var handled int64
	for rep.Campaigns[0].Status != campaigns.StatusDone {
		c := rep.Campaigns[0]
		switch now := c.Sent + c.Skipped + c.Failed + c.Unknown; {
		case now > handled:
			handled, idle = now, 0
		case c.Stopped != campaigns.StopWaiting && c.Stopped != campaigns.StopRateLimited && c.Stopped != campaigns.StopDeadline:
			t.Fatalf("run %d made no progress and was not told to wait: %+v", runs, c)
		default:
			if idle++; idle > maxIdle {
				t.Fatalf("no progress in %d runs in a row: %+v", idle, c)
			}
		}
		if c.Stopped == campaigns.StopWaiting && c.ResumeAfter != nil {
			d := time.Until(*c.ResumeAfter) + 50*time.Millisecond
			time.Sleep(d) // the schedule's next tick
			waits += d
		}
		rep = s.runCampaign(budget, `{"resume":true}`)
		runs++
	}
	elapsed := time.Since(begin)
	c := rep.Campaigns[0]

	// Exactly once to every eligible subscriber, never to the others.
	okUsers := n - unsubbed - revokedN - refusingN
	perUser := map[string]int{}
	for _, d := range s.sb.DMs() {
		if d.SenderID != brandUID || !strings.HasPrefix(d.Text, text+"\n\nStop these messages: ") {
			t.Fatalf("unexpected DM %+v", d)
		}
		perUser[d.RecipientID]++
	}
	for i := range n {
		got := perUser[uid(i)]
		if (kind(i) == "ok" && got != 1) || (kind(i) != "ok" && got != 0) {
			t.Fatalf("user %d (%s) got %d DMs", i, kind(i), got)
		}
	}
	if len(s.sb.DMs()) != okUsers {
		t.Fatalf("%d DMs, want %d", len(s.sb.DMs()), okUsers)
	}
	// The counts add up: every user of the table (the brand included) once.
	if c.Sent != int64(okUsers) || c.Failed != refusingN || c.Skipped != unsubbed+revokedN+1 || c.Sent+c.Skipped+c.Failed != n+1 {
		t.Fatalf("counts sent %d skipped %d failed %d", c.Sent, c.Skipped, c.Failed)
	}
	// Within X's limit: no 429, and never more than the limit in a window.
	dmCalls, x429 := s.calls("dm"), s.calls("dm", 429)
	if x429 != 0 {
		t.Fatalf("%d calls answered 429: the campaign pushed past the window", x429)
	}
	if dmCalls != okUsers+refusingN {
		t.Fatalf("%d DM calls for %d users", dmCalls, okUsers+refusingN)
	}
	if maxRate := float64(limit) * (elapsed.Seconds()/window.Seconds() + 1); float64(dmCalls) > maxRate {
		t.Fatalf("%d calls in %v exceed %d per %v", dmCalls, elapsed, limit, window)
	}
	if runs < 2 {
		t.Fatalf("the campaign finished in one run: the test no longer exercises resuming")
	}
	t.Logf("campaign: users %d (+ brand), DMs sent %d, failed %d, skipped %d, DM calls %d, 429s %d, runs %d, time %v (waiting for the schedule %v), limit %d per %v",
		n, c.Sent, c.Failed, c.Skipped, dmCalls, x429, runs, elapsed.Round(time.Millisecond), waits.Round(time.Millisecond), limit, window)

	t.Run("running it again sends nothing", func(t *testing.T) {
		rep := s.runCampaign(budget, `{"id":"launch-2026","text":"`+text+`"}`)
		if rep.Campaigns[0].Stopped != campaigns.StopDone || len(s.sb.DMs()) != okUsers {
			t.Fatalf("%+v", rep)
		}
	})
	t.Run("a different text under the same id is refused", func(t *testing.T) {
		_, err := s.h.Handle(context.Background(), json.RawMessage(`{"campaign":{"id":"launch-2026","text":"other"}}`))
		if err == nil {
			t.Fatal("no error")
		}
	})
}

func TestAUsageCappedCampaignStopsAndResumesOnlyByHand(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	for _, uid := range []string{brandUID, aliceUID, bobUID} {
		s.subscriber(uid)
	}
	s.sb.InjectFault(xsandbox.Fault{Endpoint: xsandbox.EndpointDM, ProblemType: xsandbox.ProblemUsageCapped})
	rep := s.runCampaign(5*time.Second, `{"id":"spring","text":"Spring sale"}`)
	c := rep.Campaigns[0]
	if c.Status != campaigns.StatusUsageCapped || c.Stopped != campaigns.StopUsageCapped || c.Sent != 0 || s.calls("dm") != 1 {
		t.Fatalf("%+v, dm calls %d", c, s.calls("dm"))
	}
	for _, uid := range []string{aliceUID, bobUID} {
		if len(s.campaignsSent(uid)) != 0 {
			t.Fatalf("%s stays marked though X refused the DM", uid)
		}
	}
	rep = s.runCampaign(5*time.Second, `{"resume":true}`)
	if rep.Campaigns[0].Stopped != campaigns.StopCapNeedsOperator || s.calls("dm") != 1 {
		t.Fatalf("the schedule retried a usage-capped campaign: %+v", rep)
	}
	rep = s.runCampaign(5*time.Second, `{"id":"spring"}`)
	if c := rep.Campaigns[0]; c.Status != campaigns.StatusDone || c.Sent != 2 || len(s.sb.DMs()) != 2 {
		t.Fatalf("after the cap was raised: %+v", c)
	}
}

func TestACampaign429IsWaitedForWithoutAStorm(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	for _, uid := range []string{brandUID, aliceUID, bobUID} {
		s.subscriber(uid)
	}
	// The window is measured from X's answer, so a slow set-up cannot leave
	// the reset already past (which the run rightly treats as a 1-minute window).
	s.sb.InjectFault(xsandbox.Fault{Endpoint: xsandbox.EndpointDM, Status: 429, ResetIn: 1500 * time.Millisecond})
	rep := s.runCampaign(10*time.Second, `{"id":"w","text":"hello"}`)
	c := rep.Campaigns[0]
	if c.Status != campaigns.StatusDone || c.Sent != 2 || c.Run.RateLimited != 1 || s.calls("dm") != 3 || len(s.sb.DMs()) != 2 {
		t.Fatalf("%+v dm calls %d", c, s.calls("dm"))
	}
}

func TestACampaignRunThatDiedAfterMarkingNeverSendsTwice(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	for _, uid := range []string{brandUID, aliceUID, bobUID} {
		s.subscriber(uid)
	}
	// A run marked alice, then died before X answered (or before it saved).
	if _, _, err := s.h.Campaigns.Catalog.Create(context.Background(), "c1", "hi", time.Now()); err != nil {
		t.Fatal(err)
	}
	if ok, err := s.users.MarkCampaign(context.Background(), aliceUID, "c1", time.Now()); err != nil || !ok {
		t.Fatal(ok, err)
	}
	rep := s.runCampaign(5*time.Second, `{"id":"c1"}`)
	c := rep.Campaigns[0]
	if len(s.dmsTo(aliceUID)) != 0 || len(s.dmsTo(bobUID)) != 1 || c.Sent != 1 || c.Skipped != 2 {
		t.Fatalf("%+v", c)
	}
}

func TestCampaignInvocationsAreChecked(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	for _, ev := range []string{`{"campaign":{}}`, `{"campaign":{"id":"nope"}}`, `{"campaign":{"id":"bad id!","text":"x"}}`, `{"hello":1}`, `[1]`,
		`{"sweep":{},"campaign":{"resume":true}}`, `{"sweep":{},"Records":[]}`, `{"sweep":null}`} {
		if _, err := s.h.Handle(context.Background(), json.RawMessage(ev)); err == nil {
			t.Errorf("%s: no error", ev)
		}
	}
	rep := s.runCampaign(5*time.Second, `{"id":"nobrand","text":"hi"}`)
	if rep.Campaigns[0].Stopped != campaigns.StopBrandMissing || s.calls("dm") != 0 {
		t.Fatalf("%+v", rep)
	}
}

func TestACampaignDMWithAnUnknownOutcomeIsCountedAndNeverSentAgain(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		fault  xsandbox.Fault
		reason string
		status float64 // x_status on the log line; 0: none
	}{
		{"a 502", xsandbox.Fault{Status: 502}, "x_unavailable", 502},
		{"a 503", xsandbox.Fault{Status: 503}, "x_unavailable", 503},
		{"a 504", xsandbox.Fault{Status: 504}, "x_unavailable", 504},
		{"a dropped connection", xsandbox.Fault{CloseConn: true}, "x_unavailable", 0},
		{"a timeout", xsandbox.Fault{Delay: time.Minute}, "x_timeout", 0}, // cut by the client's timeout: X never sends it
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newStack(t)
			for _, uid := range []string{brandUID, aliceUID, bobUID} {
				s.subscriber(uid)
			}
			f := tt.fault
			f.Endpoint = xsandbox.EndpointDM
			s.sb.InjectFault(f) // the first DM of the run
			rep := s.runCampaign(15*time.Second, `{"id":"u","text":"hello"}`)
			c := rep.Campaigns[0]
			if c.Status != campaigns.StatusDone || c.Sent != 1 || c.Unknown != 1 || c.Failed != 0 || c.Run.Unknown != 1 || c.Run.XCalls != 2 {
				t.Fatalf("%+v", c)
			}
			if s.calls("dm") != 2 || len(s.sb.DMs()) != 1 {
				t.Fatalf("%d DM calls, %d DMs: want one call per recipient, no repeat", s.calls("dm"), len(s.sb.DMs()))
			}
			unknownUID := aliceUID
			if len(s.dmsTo(aliceUID)) == 1 {
				unknownUID = bobUID
			}
			if got := s.campaignsSent(unknownUID); len(got) != 1 || got[0] != "u" {
				t.Fatalf("the recipient of the unknown DM is marked %v: it must keep its mark", got)
			}
			lines := s.unknownLines()
			if len(lines) != 1 || lines[0]["uid"] != unknownUID || lines[0]["outcome"] != "unknown" || lines[0]["reason"] != tt.reason ||
				lines[0]["message"] != "campaign DM" || (tt.status != 0 && lines[0]["x_status"] != tt.status) {
				t.Fatalf("log lines with state unknown: %v", lines)
			}
			stored, err := s.h.Campaigns.Catalog.Get(context.Background(), "u")
			if err != nil || stored.Unknown != 1 || stored.Handled() != 3 {
				t.Fatalf("stored %+v %v", stored, err)
			}
		})
	}
}

func TestACampaignWhoseBrandCredentialsDoNotOpenStopsAndResumes(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	sealsWithIt, knowsIt := s.rotatedKey()
	s.signInVia(sealsWithIt, brandUID, false, false)
	for _, uid := range []string{aliceUID, bobUID} {
		s.subscriber(uid)
	}
	rep := s.runCampaign(5*time.Second, `{"id":"k","text":"hello"}`)
	c := rep.Campaigns[0]
	if c.Stopped != campaigns.StopBrandUnopenable || c.Status != campaigns.StatusRunning || c.LastError != string(campaigns.StopBrandUnopenable) || c.Sent+c.Skipped+c.Failed+c.Unknown != 0 {
		t.Fatalf("%+v", c)
	}
	if s.calls("dm") != 0 || len(s.campaignsSent(aliceUID)) != 0 || len(s.campaignsSent(bobUID)) != 0 {
		t.Fatal("something was marked or sent without the brand's token")
	}
	if errs := s.logLines("level", "error"); len(errs) != 1 || errs[0]["campaign"] != "k" || !strings.HasPrefix(errs[0]["message"].(string), "the brand's credentials cannot be opened") {
		t.Fatalf("error lines %v: want the one saying the brand's credentials do not open", errs)
	}
	// The function learns the key: the schedule's next run resumes it.
	s.useStore(knowsIt)
	rep = s.runCampaign(5*time.Second, `{"resume":true}`)
	if c := rep.Campaigns[0]; c.Status != campaigns.StatusDone || c.Sent != 2 || len(s.sb.DMs()) != 2 {
		t.Fatalf("after the key is known: %+v", c)
	}
}
