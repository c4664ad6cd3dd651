package actions_test

import (
	"bytes"
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/twitter-sessions/twitter-sessions/shared/actions"
	"github.com/twitter-sessions/twitter-sessions/shared/fakex"
	"github.com/twitter-sessions/twitter-sessions/shared/memstore"
	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/tokens"
	"github.com/twitter-sessions/twitter-sessions/shared/useritem"
	"github.com/twitter-sessions/twitter-sessions/shared/xapi"
)

const (
	brand = "783214"
	alice = "1234567890123456789"
	bob   = "9007199254740993"
	carol = "1400000000000000003"
)

// clock is the use cases' time: it moves only when a wait is slept
// through (Retry's Sleep) or the test advances it.
type clock struct{ offset atomic.Int64 }

var epoch = time.Now().UTC().Truncate(time.Millisecond)

func (c *clock) Now() time.Time          { return epoch.Add(time.Duration(c.offset.Load())) }
func (c *clock) Advance(d time.Duration) { c.offset.Add(int64(d)) }
func (c *clock) Sleep(ctx context.Context, d time.Duration) error {
	c.Advance(d)
	return ctx.Err()
}

// safeBuffer is a log sink for concurrent writers.
type safeBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *safeBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *safeBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// core is the actions use case on the users table in memory and X in
// memory, wired as twitter_actions wires it (shorter timings).
type core struct {
	t      *testing.T
	users  *memstore.Users
	x      *fakex.X
	clock  *clock
	tokens *tokens.Service
	svc    *actions.Service
	logs   *safeBuffer
	// poll, when set, is how a poll of another's refresh lease waits,
	// instead of a little on the wall clock.
	poll func(ctx context.Context) error
}

func newCore(t *testing.T) *core {
	t.Helper()
	c := &core{t: t, users: memstore.NewUsers(nil), x: fakex.New(), clock: &clock{}, logs: &safeBuffer{}}
	c.x.Now = c.clock.Now
	retry := xapi.Retry{Attempts: 3, Backoff: 10 * time.Millisecond, MaxWait: 10 * time.Second, Margin: time.Second, Now: c.clock.Now, Sleep: c.clock.Sleep}
	c.tokens = &tokens.Service{Store: c.users, X: c.x, Lease: 15 * time.Second, Wait: 10 * time.Second, Poll: 20 * time.Millisecond,
		WriteTimeout: 5 * time.Second, Retry: retry, Now: c.clock.Now,
		// Polls of another's lease wait a little on the wall clock (or as
		// c.poll says), the lease's own clock standing still.
		Sleep: func(ctx context.Context, d time.Duration) error {
			if c.poll != nil && d == c.tokens.Poll { // a poll of the lease, not a retry's backoff
				return c.poll(ctx)
			}
			time.Sleep(min(d, 2*time.Millisecond))
			return ctx.Err()
		}}
	c.svc = &actions.Service{Users: c.users, Claims: c.users, Revoker: c.users, Requeue: c.users, Sending: c.users,
		Credentials: c.users, Grants: c.x, X: c.x, Tokens: c.tokens, Gate: xapi.NewGate(), BrandUID: brand,
		FollowMode: signin.FollowAPI, WelcomeText: "Welcome aboard!", TweetText: "I just signed up!",
		Retry: retry, Margin: time.Second, Stale: 15 * time.Minute, PageSize: 2, Now: c.clock.Now}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("logs:\n%s", c.logs.String())
		}
	})
	return c
}

func (c *core) log() zerolog.Logger { return zerolog.New(c.logs) }

func (c *core) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	c.t.Cleanup(cancel)
	return ctx
}

// signInBrand connects the brand through its own start: an OAuth 2.0
// grant with offline access, its access token expiring at expires.
func (c *core) signInBrand(expires time.Time) signin.Credentials {
	c.t.Helper()
	cred := c.x.Issue(brand, expires, true)
	c.save(signin.User{Identity: signin.Identity{UserID: brand, ScreenName: "brand", Credentials: cred}, Brand: true,
		SignedInAt: c.clock.Now(), Actions: []useritem.Action{useritem.ActionRelease}})
	return cred
}

// signIn stores a visitor's sign-in as the callback does: OAuth 1.0a
// credentials kept for the work of their own token, the actions requested.
func (c *core) signIn(uid string, follow, tweet bool) signin.Credentials {
	c.t.Helper()
	cred := signin.Credentials{Kind: signin.KindOAuth1, Token: "tok-" + uid, Secret: "sec-" + uid}
	acts := []useritem.Action{useritem.ActionWelcome}
	if follow {
		acts = append(acts, useritem.ActionFollow)
	}
	if tweet {
		acts = append(acts, useritem.ActionTweet)
	}
	c.save(signin.User{Identity: signin.Identity{UserID: uid, ScreenName: "u" + uid, Credentials: cred},
		Choices: signin.Choices{Follow: follow, Tweet: tweet}, SignedInAt: c.clock.Now(), Actions: acts})
	return cred
}

func (c *core) save(u signin.User) {
	c.t.Helper()
	if _, err := c.users.SaveSignIn(context.Background(), u); err != nil {
		c.t.Fatal(err)
	}
}

// deliver is one delivery of uid's stream record to a fresh invocation.
func (c *core) deliver(uid string) error {
	return c.svc.NewBatch(c.log()).User(c.ctx(), uid)
}

func (c *core) mustDeliver(uid string) {
	c.t.Helper()
	if err := c.deliver(uid); err != nil {
		c.t.Fatalf("delivering %s: %v", uid, err)
	}
}

func (c *core) user(uid string) actions.User {
	c.t.Helper()
	u, err := c.users.GetActionUser(context.Background(), uid)
	if err != nil {
		c.t.Fatal(err)
	}
	return u
}

func (c *core) wantAction(uid string, a useritem.Action, state useritem.State, reason actions.Reason) actions.Record {
	c.t.Helper()
	r := c.user(uid).Actions[a]
	if r.State != state || r.Reason != reason {
		c.t.Fatalf("a_%s of %s = %s/%s, want %s/%s", a, uid, r.State, r.Reason, state, reason)
	}
	return r
}

// writes is how many writes reached X (follow, DM, post).
func (c *core) writes() int {
	return c.x.Calls(fakex.Follow) + c.x.Calls(fakex.DM) + c.x.Calls(fakex.Tweet)
}

func (c *core) unknownLines() int { return strings.Count(c.logs.String(), `"state":"unknown"`) }

func (c *core) sweep() actions.SweepCounts {
	c.t.Helper()
	rep, err := c.svc.Sweep(c.ctx(), c.log())
	if err != nil {
		c.t.Fatal(err)
	}
	return rep.Sweep
}

var steps = []struct {
	action   useritem.Action
	endpoint fakex.Endpoint
}{
	{useritem.ActionFollow, fakex.Follow},
	{useritem.ActionWelcome, fakex.DM},
	{useritem.ActionTweet, fakex.Tweet},
}

// TestTheFaultMatrix fails each action's one write to X in each way it
// can fail. Every case ends recorded with a reason after exactly one
// request (never left pending, never repeated): after a 5xx, a timeout or
// a lost answer X may have acted, so the action is unknown, with one log
// line the unknown-outcomes metric counts. The user's other actions still
// run, and a redelivery of the record asks X nothing.
func TestTheFaultMatrix(t *testing.T) {
	t.Parallel()
	faults := []struct {
		name   string
		answer func(now time.Time) fakex.Answer
		state  useritem.State
		reason map[useritem.Action]actions.Reason // by action; "*" for all
		status int
	}{
		{"X acted, then answered 503", func(time.Time) fakex.Answer { return fakex.ActedThenUnavailable(503) }, useritem.StateUnknown, all("x_unavailable"), 503},
		{"X answered 502 without acting", func(time.Time) fakex.Answer { return fakex.Unavailable(502) }, useritem.StateUnknown, all("x_unavailable"), 502},
		{"X did not answer in time", func(time.Time) fakex.Answer { return fakex.Timeout() }, useritem.StateUnknown, all("x_timeout"), 0},
		{"X acted and the answer was lost", func(time.Time) fakex.Answer { return fakex.ActedThenLost() }, useritem.StateUnknown, all("x_unavailable"), 0},
		{"a 429 whose window resets beyond the budget", func(now time.Time) fakex.Answer { return fakex.TooMany(now.Add(time.Hour)) }, useritem.StateFailed, all("x_rate_limited"), 429},
		{"the app's usage cap", func(time.Time) fakex.Answer { return fakex.UsageCapped() }, useritem.StateFailed, all("x_usage_capped"), 429},
		{"a malformed answer", func(time.Time) fakex.Answer { return fakex.Malformed() }, useritem.StateFailed, all("x_malformed"), 0},
		{"a 403", func(time.Time) fakex.Answer { return fakex.Forbidden() }, "",
			map[useritem.Action]actions.Reason{useritem.ActionFollow: actions.ReasonFollowNotPermitted, useritem.ActionWelcome: actions.ReasonRefusesDMs, useritem.ActionTweet: "x_forbidden"}, 403},
	}
	for _, step := range steps {
		for _, f := range faults {
			t.Run(string(step.action)+": "+f.name, func(t *testing.T) {
				t.Parallel()
				c := newCore(t)
				c.signInBrand(c.clock.Now().Add(2 * time.Hour))
				c.mustDeliver(brand)
				c.signIn(alice, true, true)
				c.x.Script(step.endpoint, f.answer(c.clock.Now()))
				c.mustDeliver(alice)

				state, reason := f.state, f.reason[step.action]
				if reason == "" {
					reason = f.reason["*"]
				}
				if state == "" { // the 403s: a follow the plan lacks is unavailable
					state = useritem.StateFailed
					if step.action == useritem.ActionFollow {
						state = useritem.StateUnavailable
					}
				}
				r := c.wantAction(alice, step.action, state, reason)
				if r.Attempts != 1 || r.Status != f.status {
					t.Errorf("a_%s: %d attempts, status %d; want 1, %d", step.action, r.Attempts, r.Status, f.status)
				}
				if n := c.x.Calls(step.endpoint); n != 1 {
					t.Fatalf("%d requests to %s, want exactly 1", n, step.endpoint)
				}
				if n, want := c.unknownLines(), map[bool]int{true: 1}[state == useritem.StateUnknown]; n != want {
					t.Errorf("%d log lines with state unknown, want %d", n, want)
				}
				for _, other := range steps {
					if other.action != step.action {
						c.wantAction(alice, other.action, useritem.StateDone, "")
					}
				}
				// Lambda delivers the record again: X is asked nothing.
				before := c.writes()
				c.mustDeliver(alice)
				c.mustDeliver(alice)
				if c.writes() != before {
					t.Fatal("a redelivered record called X again")
				}
				// Her own token's work is over (whatever its outcome): it is
				// removed, and revoked at X, once.
				if u := c.user(alice); u.SealedToken != "" || c.x.Revoked() != 1 {
					t.Fatalf("alice's token kept: %v, revoked at X %d times", u.SealedToken != "", c.x.Revoked())
				}
			})
		}
	}
}

func all(r actions.Reason) map[useritem.Action]actions.Reason {
	return map[useritem.Action]actions.Reason{"*": r}
}

// TestA429WithinTheBudgetIsWaitedFor: X's 429 is answered before it acts;
// a window that resets within the invocation's time is waited for and the
// write made again, once; the gate then keeps the next user's write from
// paying for a 429 of its own.
func TestA429WithinTheBudgetIsWaitedFor(t *testing.T) {
	t.Parallel()
	c := newCore(t)
	c.signInBrand(c.clock.Now().Add(2 * time.Hour))
	c.mustDeliver(brand)
	c.signIn(alice, true, false)
	start := c.clock.Now()
	c.x.Script(fakex.Follow, fakex.TooMany(start.Add(3*time.Second)))
	c.mustDeliver(alice)
	if r := c.wantAction(alice, useritem.ActionFollow, useritem.StateDone, ""); r.Attempts != 2 {
		t.Fatalf("a_follow after %d requests, want 2", r.Attempts)
	}
	if c.x.Calls(fakex.Follow) != 2 || c.x.Acted(fakex.Follow) != 1 {
		t.Fatalf("follows: %d requests, %d made; want 2, 1", c.x.Calls(fakex.Follow), c.x.Acted(fakex.Follow))
	}
	if waited := c.clock.Now().Sub(start); waited < 2*time.Second || waited > 5*time.Second {
		t.Fatalf("waited %v for a window resetting in 3s", waited)
	}
	// The DM window, exhausted until beyond the budget: the gate answers
	// the next DM without a request.
	c.x.Script(fakex.DM, fakex.TooMany(c.clock.Now().Add(time.Hour)))
	c.signIn(bob, false, false)
	c.mustDeliver(bob)
	c.wantAction(bob, useritem.ActionWelcome, useritem.StateFailed, "x_rate_limited")
	c.signIn(carol, false, false)
	c.mustDeliver(carol)
	c.wantAction(carol, useritem.ActionWelcome, useritem.StateFailed, "x_rate_limited")
	if n := c.x.Calls(fakex.DM); n != 2 { // alice's, bob's
		t.Fatalf("%d DM requests, want 2: the gate knew the window was used up", n)
	}
}

// TestACrashAfterXActedNeverSendsTwice: the run dies between X's answer
// and the record (the record's write fails). The action stays sending; no
// delivery sends it again, and the sweep (or a later delivery of the user)
// marks it unknown once, only after Stale. A record whose write landed but
// whose answer was lost stays what it said.
func TestACrashAfterXActedNeverSendsTwice(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		after     bool // the write landed, its answer lost
		markedBy  string
		wantState useritem.State
	}{
		{"the record never landed; the sweep marks it", false, "sweep", useritem.StateUnknown},
		{"the record never landed; a later delivery marks it", false, "delivery", useritem.StateUnknown},
		{"the record landed, its answer lost", true, "sweep", useritem.StateDone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newCore(t)
			c.signInBrand(c.clock.Now().Add(24 * time.Hour))
			c.mustDeliver(brand)
			c.signIn(alice, true, true)
			// follow, welcome, tweet are recorded in that order: the second
			// record is the DM's.
			c.users.Inject(memstore.Fault{Op: memstore.OpRecordOutcome, Nth: 2, After: tt.after})
			c.mustDeliver(alice)
			if c.x.DMsTo(alice) != 1 {
				t.Fatalf("%d DMs to alice", c.x.DMsTo(alice))
			}
			want := useritem.StateSending
			if tt.after {
				want = useritem.StateDone
			}
			if st := c.user(alice).Actions[useritem.ActionWelcome].State; st != want {
				t.Fatalf("a_welcome = %s, want %s", st, want)
			}
			// Redeliveries and a sweep within Stale change nothing.
			c.mustDeliver(alice)
			if got := c.sweep(); got.Marked != 0 || got.Sending != map[bool]int{false: 1}[tt.after] {
				t.Fatalf("a sweep within Stale: %+v", got)
			}
			c.clock.Advance(16 * time.Minute)
			switch tt.markedBy {
			case "sweep":
				if got := c.sweep(); got.Marked != map[bool]int{false: 1}[tt.after] || !got.Complete {
					t.Fatalf("the sweep after Stale: %+v", got)
				}
			case "delivery":
				c.mustDeliver(alice)
			}
			r := c.user(alice).Actions[useritem.ActionWelcome]
			if r.State != tt.wantState || (r.State == useritem.StateUnknown && r.Reason != actions.ReasonStuckSending) {
				t.Fatalf("a_welcome = %+v, want %s", r, tt.wantState)
			}
			if got := c.sweep(); got.Marked != 0 || got.Sending != 0 {
				t.Fatalf("a second sweep: %+v", got)
			}
			c.mustDeliver(alice)
			if c.x.DMsTo(alice) != 1 || c.x.Calls(fakex.DM) != 1 {
				t.Fatalf("%d DMs to alice after the crash, want 1", c.x.DMsTo(alice))
			}
			if n, want := c.unknownLines(), map[bool]int{false: 1}[tt.after]; n != want {
				t.Fatalf("%d log lines with state unknown, want %d", n, want)
			}
		})
	}
}

// TestConcurrentInvocationsMakeEachWriteOnce: five invocations get alice's
// record at once and all read her before any claims: one claim wins, and
// X gets one follow, one DM and one post.
func TestConcurrentInvocationsMakeEachWriteOnce(t *testing.T) {
	t.Parallel()
	c := newCore(t)
	c.signInBrand(c.clock.Now().Add(24 * time.Hour))
	c.mustDeliver(brand)
	c.signIn(alice, true, true)
	claims := c.users.Calls(memstore.OpClaimPending)
	const n = 5
	var mu sync.Mutex
	read := 0
	all := make(chan struct{})
	c.users.After(func(ctx context.Context, call memstore.Call) error {
		if call.Op != memstore.OpGetActionUser || call.Key != alice {
			return nil
		}
		mu.Lock()
		if read++; read == n {
			close(all)
		}
		mu.Unlock()
		select { // every invocation has read her before any claims
		case <-all:
		case <-time.After(5 * time.Second):
		}
		return nil
	})
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- c.deliver(alice)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if got := c.users.Calls(memstore.OpClaimPending) - claims; got != n {
		t.Fatalf("%d claims, want %d (all read before any claimed)", got, n)
	}
	for _, s := range steps {
		c.wantAction(alice, s.action, useritem.StateDone, "")
		if got := c.x.Calls(s.endpoint); got != 1 {
			t.Fatalf("%d requests to %s, want 1", got, s.endpoint)
		}
	}
}

// TestAUserWhoRevokedTheAppIsMarkedOnce: X's 401 to the user's token marks
// them revoked, and their remaining actions are skipped without a request
// (the welcome DM too: they left the app).
func TestAUserWhoRevokedTheAppIsMarkedOnce(t *testing.T) {
	t.Parallel()
	c := newCore(t)
	c.signInBrand(c.clock.Now().Add(24 * time.Hour))
	c.mustDeliver(brand)
	c.signIn(alice, true, true)
	c.x.Script(fakex.Follow, fakex.Unauthorized())
	c.mustDeliver(alice)
	c.wantAction(alice, useritem.ActionFollow, useritem.StateFailed, actions.ReasonRevoked)
	c.wantAction(alice, useritem.ActionWelcome, useritem.StateSkipped, actions.ReasonRevoked)
	c.wantAction(alice, useritem.ActionTweet, useritem.StateSkipped, actions.ReasonRevoked)
	if !c.user(alice).Revoked || c.x.Calls(fakex.Follow) != 1 || c.x.Calls(fakex.Tweet) != 0 || c.x.Calls(fakex.DM) != 0 {
		t.Fatalf("revoked %v, follows %d, posts %d", c.user(alice).Revoked, c.x.Calls(fakex.Follow), c.x.Calls(fakex.Tweet))
	}
}

// TestTheBrandsTokenIsRefreshedOnceAcrossInvocations: the brand's access
// token is about to expire as four users' records arrive in four
// invocations at once: X's token endpoint is asked once, every DM goes out
// with the new token, and no refresh token is presented twice.
func TestTheBrandsTokenIsRefreshedOnceAcrossInvocations(t *testing.T) {
	t.Parallel()
	c := newCore(t)
	// A poll of the lease lasts until its holder is done with it: the
	// holder's progress, not the wall clock, ends the others' wait.
	c.poll = func(ctx context.Context) error {
		for {
			if it, _ := c.users.Item(brand); it.Lease == nil {
				return nil
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(time.Millisecond):
			}
		}
	}
	old := c.signInBrand(c.clock.Now().Add(30 * time.Second))
	c.users.Update(brand, func(it *memstore.Item) { delete(it.Actions, useritem.ActionRelease) })
	uids := []string{alice, bob, carol, "5550001"}
	for _, uid := range uids {
		c.signIn(uid, false, false)
	}
	var wg sync.WaitGroup
	for _, uid := range uids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := c.deliver(uid); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if n := c.x.Calls(fakex.Refresh); n != 1 {
		t.Fatalf("%d refreshes, want 1", n)
	}
	if r := c.x.Reused(); len(r) != 0 {
		t.Fatalf("refresh tokens presented twice: %v", r)
	}
	for _, uid := range uids {
		c.wantAction(uid, useritem.ActionWelcome, useritem.StateDone, "")
	}
	for _, call := range c.x.Log() {
		if call.Endpoint == fakex.DM && call.Token == old.Token {
			t.Fatal("a DM went out with the expiring token")
		}
	}
}

// TestABrandWhoseRefreshIsLostReconnects: the answer to the brand's
// refresh is lost after X rotated the pair. The brand is marked reconnect
// and its refresh token never presented again; welcome DMs wait for the
// brand, and its next sign-in releases them, each DM sent once.
func TestABrandWhoseRefreshIsLostReconnects(t *testing.T) {
	t.Parallel()
	c := newCore(t)
	c.signInBrand(c.clock.Now().Add(30 * time.Second))
	c.mustDeliver(brand)
	c.x.Script(fakex.Refresh, fakex.ActedThenLost())
	c.signIn(alice, false, false)
	c.mustDeliver(alice)
	c.wantAction(alice, useritem.ActionWelcome, useritem.StateWaitingBrand, actions.ReasonBrandNotConnected)
	c.signIn(bob, false, false)
	c.mustDeliver(bob)
	c.wantAction(bob, useritem.ActionWelcome, useritem.StateWaitingBrand, actions.ReasonBrandNotConnected)
	if !c.user(brand).Reconnect || c.x.Calls(fakex.Refresh) != 1 || len(c.x.Reused()) != 0 || c.x.Calls(fakex.DM) != 0 {
		t.Fatalf("brand reconnect %v; %d refreshes, reused %v, %d DMs", c.user(brand).Reconnect, c.x.Calls(fakex.Refresh), c.x.Reused(), c.x.Calls(fakex.DM))
	}
	// The brand signs in again: its release sets both DMs back to pending,
	// and their deliveries send each once.
	c.signInBrand(c.clock.Now().Add(2 * time.Hour))
	c.mustDeliver(brand)
	if r := c.wantAction(brand, useritem.ActionRelease, useritem.StateDone, ""); r.Result != "released 2" {
		t.Fatalf("release: %q", r.Result)
	}
	for _, uid := range []string{alice, bob, alice, bob} {
		c.mustDeliver(uid)
	}
	for _, uid := range []string{alice, bob} {
		c.wantAction(uid, useritem.ActionWelcome, useritem.StateDone, "")
		if c.x.DMsTo(uid) != 1 {
			t.Fatalf("%d DMs to %s", c.x.DMsTo(uid), uid)
		}
	}
}

// TestA401ToTheBrandsOAuth2TokenRenewsItOnce: X answering 401 to a token
// that should be valid means X did not act: the token is renewed once and
// the DM sent once more; a second 401 stands (the brand revoked the app).
func TestA401ToTheBrandsOAuth2TokenRenewsItOnce(t *testing.T) {
	t.Parallel()
	c := newCore(t)
	c.signInBrand(c.clock.Now().Add(time.Hour))
	c.mustDeliver(brand)
	c.x.Script(fakex.DM, fakex.Unauthorized())
	c.signIn(alice, false, false)
	c.mustDeliver(alice)
	if r := c.wantAction(alice, useritem.ActionWelcome, useritem.StateDone, ""); r.Attempts != 2 {
		t.Fatalf("a_welcome after %d requests", r.Attempts)
	}
	if c.x.Calls(fakex.Refresh) != 1 || c.x.DMsTo(alice) != 1 {
		t.Fatalf("%d refreshes, %d DMs to alice", c.x.Calls(fakex.Refresh), c.x.DMsTo(alice))
	}
	c.x.Script(fakex.DM, fakex.Unauthorized(), fakex.Unauthorized())
	c.signIn(bob, false, false)
	c.mustDeliver(bob)
	c.wantAction(bob, useritem.ActionWelcome, useritem.StateWaitingBrand, actions.ReasonBrandNotConnected)
	if b := c.user(brand); !b.Revoked || c.x.DMsTo(bob) != 0 || c.x.Calls(fakex.Refresh) != 2 {
		t.Fatalf("brand revoked %v, DMs to bob %d, refreshes %d", b.Revoked, c.x.DMsTo(bob), c.x.Calls(fakex.Refresh))
	}
}

// TestAVisitorsTokenIsRemovedAfterItsWork: once the work of the visitor's
// own token is over, its credentials leave the item and are revoked at X;
// a sign-in that lands just before the removal keeps its new tokens; a
// token whose work never finished is removed by the sweep after
// TokenMaxAge, and one whose removal failed by the next sweep.
func TestAVisitorsTokenIsRemovedAfterItsWork(t *testing.T) {
	t.Parallel()
	t.Run("after the work", func(t *testing.T) {
		t.Parallel()
		c := newCore(t)
		c.signInBrand(c.clock.Now().Add(24 * time.Hour))
		c.mustDeliver(brand)
		cred := c.signIn(alice, true, true)
		c.mustDeliver(alice)
		if u := c.user(alice); u.SealedToken != "" || u.HasCredentials() {
			t.Fatal("alice's token kept after her work")
		}
		if c.x.Revoked() != 1 || c.x.Log()[len(c.x.Log())-1].Token != cred.Token {
			t.Fatal("alice's token not revoked at X")
		}
		if c.user(brand).SealedToken == "" {
			t.Fatal("the brand's token removed")
		}
	})
	t.Run("a sign-in lands just before the removal", func(t *testing.T) {
		t.Parallel()
		c := newCore(t)
		c.signInBrand(c.clock.Now().Add(24 * time.Hour))
		c.mustDeliver(brand)
		c.signIn(alice, true, false)
		var once sync.Once
		var fresh signin.Credentials
		c.users.Before(func(ctx context.Context, call memstore.Call) error {
			if call.Op == memstore.OpRemoveCredentials {
				once.Do(func() { fresh = c.signIn(alice, false, true) }) // a new sign-in, a new token, a post requested
			}
			return nil
		})
		c.mustDeliver(alice)
		u := c.user(alice)
		if u.Credentials != fresh || c.x.Calls(fakex.Revoke) != 0 {
			t.Fatalf("the new sign-in's token: kept %v, revocations %d", u.Credentials == fresh, c.x.Calls(fakex.Revoke))
		}
		c.users.Before(nil)
		c.mustDeliver(alice) // the new sign-in's record: its post, then the removal
		c.wantAction(alice, useritem.ActionTweet, useritem.StateDone, "")
		if c.user(alice).SealedToken != "" || c.x.Revoked() != 1 {
			t.Fatal("the new token not removed after its work")
		}
	})
	t.Run("work that never finished, and a removal that failed", func(t *testing.T) {
		t.Parallel()
		c := newCore(t)
		c.signInBrand(c.clock.Now().Add(48 * time.Hour))
		c.signIn(alice, true, false) // never delivered: her follow stays pending
		c.signIn(bob, true, false)
		c.users.Inject(memstore.Fault{Op: memstore.OpRemoveCredentials})
		c.mustDeliver(bob)
		if c.user(bob).SealedToken == "" {
			t.Fatal("the failed removal removed")
		}
		got := c.sweep()
		if got.Tokens != 2 || got.Removed != 1 || c.user(bob).SealedToken != "" || c.user(alice).SealedToken == "" {
			t.Fatalf("first sweep: %+v", got)
		}
		c.clock.Advance(actions.DefaultTokenMaxAge + time.Minute)
		if got := c.sweep(); got.Tokens != 1 || got.Removed != 1 || !got.TokensComplete {
			t.Fatalf("sweep after a day: %+v", got)
		}
		if c.user(alice).SealedToken != "" || c.x.Revoked() != 2 {
			t.Fatalf("alice's day-old token kept, or not revoked (%d)", c.x.Revoked())
		}
		c.wantAction(alice, useritem.ActionFollow, useritem.StatePending, "")
		c.mustDeliver(alice) // too late: nothing to follow with
		c.wantAction(alice, useritem.ActionFollow, useritem.StateSkipped, actions.ReasonNoCredentials)
		if c.x.Calls(fakex.Follow) != 1 {
			t.Fatalf("%d follows", c.x.Calls(fakex.Follow))
		}
	})
}

// TestStoreFailuresBeforeTheClaimHandTheRecordBack: DynamoDB failing on the
// read or the claim hands the record back to Lambda with nothing claimed;
// the redelivery does the work once.
func TestStoreFailuresBeforeTheClaimHandTheRecordBack(t *testing.T) {
	t.Parallel()
	for _, op := range []memstore.Op{memstore.OpGetActionUser, memstore.OpClaimPending} {
		t.Run(string(op), func(t *testing.T) {
			t.Parallel()
			c := newCore(t)
			c.signInBrand(c.clock.Now().Add(24 * time.Hour))
			c.mustDeliver(brand)
			c.signIn(alice, true, true)
			c.users.Inject(memstore.Fault{Op: op})
			if err := c.deliver(alice); err == nil {
				t.Fatal("a failed read or claim was not handed back")
			}
			for _, s := range steps {
				c.wantAction(alice, s.action, useritem.StatePending, "")
			}
			c.mustDeliver(alice)
			for _, s := range steps {
				c.wantAction(alice, s.action, useritem.StateDone, "")
				if c.x.Calls(s.endpoint) != 1 {
					t.Fatalf("%d requests to %s", c.x.Calls(s.endpoint), s.endpoint)
				}
			}
		})
	}
}

// TestARefreshThatCannotHappenNowHandsTheRecordBack: the brand's token is
// about to expire and cannot be refreshed now (X's token endpoint answers
// 429 beyond the budget, or another invocation holds the lease beyond the
// wait). Nothing is claimed and X gets no DM: the record goes back to
// Lambda, and its redelivery, once the cause is gone, sends the DM once.
func TestARefreshThatCannotHappenNowHandsTheRecordBack(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		cause func(c *core) (gone func())
	}{
		{"X's token endpoint answers 429 beyond the budget", func(c *core) func() {
			c.x.Script(fakex.Refresh, fakex.TooMany(c.clock.Now().Add(time.Hour)))
			return func() { c.clock.Advance(time.Hour) }
		}},
		{"another invocation holds the lease beyond the wait", func(c *core) func() {
			st, err := c.users.ReadTokens(context.Background(), brand)
			if err != nil {
				c.t.Fatal(err)
			}
			if ok, err := c.users.TakeRefreshLease(context.Background(), brand, st.Version, tokens.Lease{Owner: "other", Until: c.clock.Now().Add(time.Hour)}); !ok || err != nil {
				c.t.Fatal(ok, err)
			}
			c.tokens.Wait = 100 * time.Millisecond
			return func() {
				if err := c.users.ReleaseRefreshLease(context.Background(), brand, "other"); err != nil {
					c.t.Fatal(err)
				}
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := newCore(t)
			c.signInBrand(c.clock.Now().Add(30 * time.Second))
			c.users.Update(brand, func(it *memstore.Item) { delete(it.Actions, useritem.ActionRelease) })
			c.signIn(alice, false, false)
			gone := tt.cause(c)
			if err := c.deliver(alice); err == nil {
				t.Fatal("the record was not handed back")
			}
			c.wantAction(alice, useritem.ActionWelcome, useritem.StatePending, "")
			if c.x.Calls(fakex.DM) != 0 || c.user(brand).Reconnect {
				t.Fatalf("%d DMs; brand reconnect %v", c.x.Calls(fakex.DM), c.user(brand).Reconnect)
			}
			gone()
			c.mustDeliver(alice)
			c.wantAction(alice, useritem.ActionWelcome, useritem.StateDone, "")
			if c.x.DMsTo(alice) != 1 || len(c.x.Reused()) != 0 {
				t.Fatalf("%d DMs to alice; refresh tokens reused %v", c.x.DMsTo(alice), c.x.Reused())
			}
		})
	}
}
