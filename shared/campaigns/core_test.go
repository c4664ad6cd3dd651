package campaigns_test

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/twitter-sessions/twitter-sessions/shared/campaigns"
	"github.com/twitter-sessions/twitter-sessions/shared/fakex"
	"github.com/twitter-sessions/twitter-sessions/shared/memstore"
	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/tokens"
	"github.com/twitter-sessions/twitter-sessions/shared/xapi"
)

const (
	brand = "783214"
	alice = "1234567890123456789"
	bob   = "9007199254740993"
	carol = "1400000000000000003"
)

// unit is the campaigns use case on the users and campaigns tables in
// memory and X in memory, wired as twitter_actions wires it.
type unit struct {
	t         *testing.T
	users     *memstore.Users
	catalog   *memstore.Campaigns
	x         *fakex.X
	now       atomic.Int64
	mu        sync.Mutex
	logs      bytes.Buffer
	brandCred signin.Credentials
}

func newUnit(t *testing.T) *unit {
	u := &unit{t: t, users: memstore.NewUsers(nil), catalog: memstore.NewCampaigns(), x: fakex.New()}
	u.now.Store(time.Now().Truncate(time.Millisecond).UnixNano())
	u.x.Now = u.clock
	u.brandCred = u.x.Issue(brand, u.clock().Add(24*time.Hour), true)
	u.save(brand, u.brandCred, true)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("logs:\n%s", u.logs.String())
		}
	})
	return u
}

func (u *unit) clock() time.Time        { return time.Unix(0, u.now.Load()).UTC() }
func (u *unit) advance(d time.Duration) { u.now.Add(int64(d)) }

func (u *unit) Write(p []byte) (int, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.logs.Write(p)
}

func (u *unit) save(uid string, c signin.Credentials, isBrand bool) {
	u.t.Helper()
	if _, err := u.users.SaveSignIn(context.Background(), signin.User{Identity: signin.Identity{UserID: uid, ScreenName: "u" + uid, Credentials: c},
		Brand: isBrand, SignedInAt: u.clock()}); err != nil {
		u.t.Fatal(err)
	}
}

// subscribers signs in uids as plain sign-ups (no token kept).
func (u *unit) subscribers(uids ...string) {
	for _, uid := range uids {
		u.save(uid, signin.Credentials{}, false)
	}
}

// service is one invocation's campaigns use case.
func (u *unit) service() *campaigns.Service {
	sleep := func(ctx context.Context, d time.Duration) error {
		u.advance(d)
		return ctx.Err()
	}
	tok := &tokens.Service{Store: u.users, X: u.x, Lease: 15 * time.Second, Wait: 2 * time.Second, Poll: 20 * time.Millisecond,
		WriteTimeout: 5 * time.Second, Now: u.clock, Retry: xapi.Retry{Attempts: 2, Backoff: 50 * time.Millisecond, MaxWait: time.Second, Now: u.clock},
		Sleep: func(ctx context.Context, d time.Duration) error {
			time.Sleep(min(d, 2*time.Millisecond))
			return ctx.Err()
		}}
	return &campaigns.Service{Catalog: u.catalog, Leases: u.catalog, Audience: u.users, Users: u.users, Revoker: u.users, Tokens: tok,
		X: u.x, Gate: xapi.NewGate(), BrandUID: brand, Margin: time.Second, PageSize: 2, Count: u.users, Now: u.clock, Sleep: sleep}
}

// run is one invocation of the campaign id (created with its text).
func (u *unit) run(s *campaigns.Service, req campaigns.Request) campaigns.Result {
	u.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rep, err := s.Run(ctx, zerolog.New(u), req)
	if err != nil {
		u.t.Fatalf("campaign run: %v", err)
	}
	if len(rep.Campaigns) == 0 {
		return campaigns.Result{}
	}
	return rep.Campaigns[0]
}

// The scan reads in uid order here (DynamoDB's is its own): the brand,
// then bob, then alice.
const first, second = bob, alice

var launch = campaigns.Request{ID: "launch", Text: "We launched!"}

func (u *unit) marked(uid string) bool {
	it, _ := u.users.Item(uid)
	for _, c := range it.CampaignsSent {
		if c == launch.ID {
			return true
		}
	}
	return false
}

// TestACampaignReachesEverySubscriberOnce: every subscribed, connected user
// gets the DM once; the unsubscribed, the revoked, those to reconnect and
// the brand are skipped; a second run of a done campaign sends nothing.
func TestACampaignReachesEverySubscriberOnce(t *testing.T) {
	t.Parallel()
	u := newUnit(t)
	u.subscribers(alice, bob, carol, "5", "66", "777")
	ctx := context.Background()
	if _, err := u.users.Unsubscribe(ctx, "5", u.clock()); err != nil {
		t.Fatal(err)
	}
	if err := u.users.MarkRevoked(ctx, "66", u.clock()); err != nil {
		t.Fatal(err)
	}
	u.users.Update("777", func(it *memstore.Item) { it.Reconnect = true })
	got := u.run(u.service(), launch)
	if got.Status != campaigns.StatusDone || got.Stopped != campaigns.StopDone || got.Sent != 3 || got.Skipped != 4 || got.Unknown != 0 || got.Failed != 0 {
		t.Fatalf("run: %+v", got)
	}
	for _, uid := range []string{alice, bob, carol} {
		if u.x.DMsTo(uid) != 1 || !u.marked(uid) {
			t.Fatalf("%s: %d DMs, marked %v", uid, u.x.DMsTo(uid), u.marked(uid))
		}
	}
	again := u.run(u.service(), launch)
	if again.Run.Sent != 0 || again.Run.XCalls != 0 || u.x.Calls(fakex.DM) != 3 {
		t.Fatalf("a second run: %+v, %d DMs", again, u.x.Calls(fakex.DM))
	}
}

// TestTheCampaignFaultMatrix fails the DM to first (the first recipient)
// in each way. A DM X may have delivered (5xx, no answer, a lost answer)
// is counted unknown and keeps its mark: never sent again. A refusal keeps
// the mark (failed). A 429 or a usage cap, answered before X acts, removes
// the mark so that a later run sends it: once, after the window, or once
// the operator raised the cap.
func TestTheCampaignFaultMatrix(t *testing.T) {
	t.Parallel()
	type then int
	const (
		never    then = iota // first never gets it
		nextRun              // the next run (by id) sends it
		sameRun              // this run waited and sent it
		afterCap             // the schedule leaves it; a run by id sends it
	)
	tests := []struct {
		name    string
		answer  func(u *unit) fakex.Answer
		status  campaigns.Status
		stopped campaigns.Stop
		unknown int64
		failed  int64
		then    then
	}{
		{"X delivered, then answered 503", func(*unit) fakex.Answer { return fakex.ActedThenUnavailable(503) }, campaigns.StatusDone, campaigns.StopDone, 1, 0, never},
		{"X answered 502", func(*unit) fakex.Answer { return fakex.Unavailable(502) }, campaigns.StatusDone, campaigns.StopDone, 1, 0, never},
		{"no answer in time", func(*unit) fakex.Answer { return fakex.Timeout() }, campaigns.StatusDone, campaigns.StopDone, 1, 0, never},
		{"X delivered and the answer was lost", func(*unit) fakex.Answer { return fakex.ActedThenLost() }, campaigns.StatusDone, campaigns.StopDone, 1, 0, never},
		{"the recipient accepts no DMs (403)", func(*unit) fakex.Answer { return fakex.Forbidden() }, campaigns.StatusDone, campaigns.StopDone, 0, 1, never},
		{"a 429 whose window resets within the run", func(u *unit) fakex.Answer { return fakex.TooMany(u.clock().Add(3 * time.Second)) }, campaigns.StatusDone, campaigns.StopDone, 0, 0, sameRun},
		{"a 429 whose window resets beyond the run", func(u *unit) fakex.Answer { return fakex.TooMany(u.clock().Add(time.Hour)) }, campaigns.StatusPausedRateLimited, campaigns.StopRateLimited, 0, 0, nextRun},
		{"the app's usage cap", func(*unit) fakex.Answer { return fakex.UsageCapped() }, campaigns.StatusUsageCapped, campaigns.StopUsageCapped, 0, 0, afterCap},
		{"a 401 the brand's renewed token gets past", func(*unit) fakex.Answer { return fakex.Unauthorized() }, campaigns.StatusDone, campaigns.StopDone, 0, 0, sameRun},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u := newUnit(t)
			u.subscribers(alice, bob)
			u.x.Script(fakex.DM, tt.answer(u))
			got := u.run(u.service(), launch)
			if got.Status != tt.status || got.Stopped != tt.stopped || got.Unknown != tt.unknown || got.Failed != tt.failed {
				t.Fatalf("run: %+v", got)
			}
			delivered := map[bool]int{true: 1}[tt.answer(u).Acted] // X delivered it, whatever it answered
			sentNow := map[then]int{sameRun: 1, never: delivered}[tt.then]
			if u.x.DMsTo(first) != sentNow {
				t.Fatalf("%d DMs delivered to the first recipient in the run, want %d", u.x.DMsTo(first), sentNow)
			}
			if kept := tt.then == never || tt.then == sameRun; u.marked(first) != kept {
				t.Fatalf("first marked %v, want %v", u.marked(first), kept)
			}
			if tt.then == never && u.x.Calls(fakex.DM) != 2 {
				t.Fatalf("%d DM requests, want one each", u.x.Calls(fakex.DM))
			}
			// The schedule, then a run by id an hour on.
			resumed := u.run(u.service(), campaigns.Request{Resume: true})
			if tt.then == afterCap && resumed.Stopped != campaigns.StopCapNeedsOperator {
				t.Fatalf("the schedule on a capped campaign: %+v", resumed)
			}
			if tt.then == nextRun && resumed.Stopped != campaigns.StopWaiting {
				t.Fatalf("the schedule before the window's reset: %+v", resumed)
			}
			u.advance(time.Hour + time.Minute)
			u.run(u.service(), campaigns.Request{ID: launch.ID})
			want := map[then]int{never: delivered, sameRun: 1, nextRun: 1, afterCap: 1}[tt.then]
			if u.x.DMsTo(first) != want || u.x.DMsTo(second) != 1 {
				t.Fatalf("DMs delivered: first %d (want %d), second %d (want 1)", u.x.DMsTo(first), want, u.x.DMsTo(second))
			}
			if c, _ := u.catalog.Get(context.Background(), launch.ID); c.Status != campaigns.StatusDone {
				t.Fatalf("campaign: %+v", c)
			}
		})
	}
}

// TestACampaignRunThatDiedAfterMarkingNeverSendsTwice: the mark's write
// lands and its answer is lost, or the run dies after X delivered and
// before it saved its cursor. The next run finds the recipient marked and
// skips them: at most once.
func TestACampaignRunThatDiedAfterMarkingNeverSendsTwice(t *testing.T) {
	t.Parallel()
	t.Run("the mark landed, its answer lost", func(t *testing.T) {
		t.Parallel()
		u := newUnit(t)
		u.subscribers(alice, bob)
		u.users.Inject(memstore.Fault{Op: memstore.OpMarkCampaign, After: true})
		if got := u.run(u.service(), launch); got.Stopped != campaigns.StopStoreUnavailable {
			t.Fatalf("run: %+v", got)
		}
		got := u.run(u.service(), campaigns.Request{ID: launch.ID})
		if got.Status != campaigns.StatusDone || u.x.DMsTo(first) != 0 || u.x.DMsTo(second) != 1 || got.Run.Skipped != 1 {
			t.Fatalf("next run: %+v; DMs first %d, second %d", got, u.x.DMsTo(first), u.x.DMsTo(second))
		}
	})
	t.Run("X delivered, the progress never saved", func(t *testing.T) {
		t.Parallel()
		u := newUnit(t)
		u.subscribers(alice, bob)
		u.catalog.Inject(memstore.Fault{Op: memstore.OpSave, Times: -1})
		if got := u.run(u.service(), launch); got.Stopped != campaigns.StopStoreUnavailable && got.Stopped != campaigns.StopDone {
			t.Fatalf("run: %+v", got)
		}
		u.catalog.Reset()    // the table is back
		u.advance(time.Hour) // the dead run's lease is over
		got := u.run(u.service(), campaigns.Request{ID: launch.ID})
		if u.x.DMsTo(first) != 1 || u.x.DMsTo(second) != 1 || got.Run.Sent != 0 {
			t.Fatalf("after the rescan: %+v; DMs first %d, second %d", got, u.x.DMsTo(first), u.x.DMsTo(second))
		}
	})
}

// TestConcurrentCampaignRunsSendEachDMOnce: while one run holds the
// campaign (waiting on X), another run of it stops busy; each subscriber
// gets one DM.
func TestConcurrentCampaignRunsSendEachDMOnce(t *testing.T) {
	t.Parallel()
	u := newUnit(t)
	u.subscribers(alice, bob, carol)
	inDM, release := make(chan struct{}), make(chan struct{})
	u.x.Script(fakex.DM, fakex.Answer{Acted: true, Before: func(context.Context) { close(inDM); <-release }})
	var first campaigns.Result
	done := make(chan struct{})
	go func() {
		defer close(done)
		first = u.run(u.service(), launch)
	}()
	<-inDM
	second := u.run(u.service(), campaigns.Request{ID: launch.ID})
	close(release)
	<-done
	if second.Stopped != campaigns.StopBusy || second.Run.XCalls != 0 {
		t.Fatalf("the second run: %+v", second)
	}
	if first.Status != campaigns.StatusDone || first.Sent != 3 {
		t.Fatalf("the first run: %+v", first)
	}
	for _, uid := range []string{alice, bob, carol} {
		if u.x.DMsTo(uid) != 1 {
			t.Fatalf("%d DMs to %s", u.x.DMsTo(uid), uid)
		}
	}
}

// TestAnUnsubscribeDuringARunIsHonoured: alice unsubscribes between the
// scan that read her and her mark: the mark's condition fails, and X is
// not asked.
func TestAnUnsubscribeDuringARunIsHonoured(t *testing.T) {
	t.Parallel()
	u := newUnit(t)
	u.subscribers(alice, bob)
	u.users.Before(func(ctx context.Context, c memstore.Call) error {
		if c.Op == memstore.OpMarkCampaign && c.Key == alice {
			_, err := u.users.Unsubscribe(ctx, alice, u.clock())
			return err
		}
		return nil
	})
	got := u.run(u.service(), launch)
	if got.Sent != 1 || got.Skipped != 2 || u.x.DMsTo(alice) != 0 || u.x.DMsTo(bob) != 1 || u.marked(alice) {
		t.Fatalf("run: %+v; DMs alice %d", got, u.x.DMsTo(alice))
	}
}

// TestABrandThatRevokedTheAppStopsTheCampaign: X answers 401 to the
// brand's DM and again after the renewal: the brand is marked revoked, the
// DM was not sent (alice unmarked), and the campaign waits for the brand.
func TestABrandThatRevokedTheAppStopsTheCampaign(t *testing.T) {
	t.Parallel()
	u := newUnit(t)
	u.subscribers(alice)
	u.x.Script(fakex.DM, fakex.Unauthorized(), fakex.Unauthorized())
	got := u.run(u.service(), launch)
	b, _ := u.users.GetActionUser(context.Background(), brand)
	if got.Stopped != campaigns.StopBrandMissing || !b.Revoked || u.marked(alice) || u.x.Acted(fakex.DM) != 0 || u.x.Calls(fakex.Refresh) != 1 {
		t.Fatalf("run: %+v; brand revoked %v, alice marked %v, refreshes %d", got, b.Revoked, u.marked(alice), u.x.Calls(fakex.Refresh))
	}
}

// TestRecipientsWhoRefuseDMsDoNotStopTheCampaign: X answers each recipient
// who accepts no DMs from the brand with the same 403, so ten of them in a
// row are no sign that X refuses the text; the campaign stops only after
// ForbiddenStreakFactor times the streak of 403s, and after the streak of
// any other 4xx (a 400: the text).
func TestRecipientsWhoRefuseDMsDoNotStopTheCampaign(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name      string
		answer    fakex.Answer
		stopAfter int
	}{
		{"403s", fakex.Forbidden(), 50},
		{"400s", fakex.Status(http.StatusBadRequest), 10},
	} {
		t.Run(tt.name, func(t *testing.T) {
			u := newUnit(t)
			n := 55
			uids := make([]string, n)
			for i := range uids {
				uids[i] = fmt.Sprint(1_000_000 + i)
			}
			u.subscribers(uids...)
			answers := make([]fakex.Answer, n)
			for i := range answers {
				answers[i] = tt.answer
			}
			u.x.Script(fakex.DM, answers...)
			s := u.service()
			s.PageSize = 1000
			got := u.run(s, launch)
			if got.Stopped != campaigns.StopXRejectsText || got.Failed != int64(tt.stopAfter) || u.x.Calls(fakex.DM) != tt.stopAfter {
				t.Fatalf("%+v after %d DM calls, want stopped x_rejects_text after %d", got, u.x.Calls(fakex.DM), tt.stopAfter)
			}
		})
	}
}
