package tokens_test

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/twitter-sessions/twitter-sessions/shared/fakex"
	"github.com/twitter-sessions/twitter-sessions/shared/memstore"
	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/tokens"
	"github.com/twitter-sessions/twitter-sessions/shared/xapi"
)

const alice = "1234567890123456789"

// unit is the refresh protocol on the users table in memory and X's token
// endpoint in memory: the same protocol the harness runs on DynamoDB Local
// and the sandbox, in milliseconds.
type unit struct {
	t     *testing.T
	users *memstore.Users
	x     *fakex.X
	now   atomic.Int64 // the protocol's clock, in ns since the epoch
	mu    sync.Mutex
	logs  bytes.Buffer
	wait  time.Duration // how long an invocation waits for another's lease
	// poll, when set, is how a poll of another's lease waits, instead of a
	// little on the wall clock.
	poll func(ctx context.Context) error
}

func newUnit(t *testing.T) *unit {
	u := &unit{t: t, users: memstore.NewUsers(nil), x: fakex.New(), wait: 5 * time.Second}
	u.now.Store(time.Now().UnixNano())
	u.x.Now = u.clock
	return u
}

func (u *unit) clock() time.Time { return time.Unix(0, u.now.Load()).UTC() }

func (u *unit) Write(p []byte) (int, error) {
	u.mu.Lock()
	defer u.mu.Unlock()
	return u.logs.Write(p)
}

func (u *unit) log() zerolog.Logger { return zerolog.New(u) }

// service is one invocation's refresh: polls of another's lease wait a
// little on the wall clock (or as u.poll says); X's 429 is waited for on
// the protocol's clock.
func (u *unit) service() *tokens.Service {
	poll := u.poll
	return &tokens.Service{Store: u.users, X: u.x, Lease: 15 * time.Second, Wait: u.wait, Poll: 20 * time.Millisecond,
		WriteTimeout: 5 * time.Second, Now: u.clock,
		Retry: xapi.Retry{Attempts: 2, Backoff: 50 * time.Millisecond, MaxWait: 10 * time.Second, Now: u.clock},
		Sleep: func(ctx context.Context, d time.Duration) error {
			if d >= time.Second { // a 429's window: the clock moves
				u.now.Add(int64(d))
				return ctx.Err()
			}
			if poll != nil && d == 20*time.Millisecond { // a poll of the lease, not a retry's backoff
				return poll(ctx)
			}
			time.Sleep(min(d, 2*time.Millisecond))
			return ctx.Err()
		}}
}

// untilReleased is a poll of another's lease that lasts until no lease is
// held on alice's item (its holder saved the new pair, released it or
// marked her): the holder's progress, not the wall clock, ends a waiter's
// wait, however late the holder is scheduled. The invocation's context
// bounds it.
func (u *unit) untilReleased(ctx context.Context) error {
	for {
		if it, _ := u.users.Item(alice); it.Lease == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Millisecond):
		}
	}
}

// signIn stores alice's OAuth 2.0 grant with offline access, its token
// expiring in expiresIn.
func (u *unit) signIn(expiresIn time.Duration) signin.Credentials {
	u.t.Helper()
	c := u.x.Issue(alice, u.clock().Add(expiresIn).Truncate(time.Millisecond), true)
	if _, err := u.users.SaveSignIn(context.Background(), signin.User{Identity: signin.Identity{UserID: alice, ScreenName: "alice", Credentials: c},
		SignedInAt: u.clock()}); err != nil {
		u.t.Fatal(err)
	}
	return c
}

func (u *unit) stored() tokens.Stored {
	u.t.Helper()
	st, err := u.users.ReadTokens(context.Background(), alice)
	if err != nil {
		u.t.Fatal(err)
	}
	return st
}

func ctx30(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

// TestTheRefreshFaultMatrix fails the refresh of an expiring token in every
// way it can fail. When X may have spent the refresh token (its answer
// lost after it rotated the pair, a 5xx, no answer, a refused grant, a save
// that did not land, a holder that died), the user is marked reconnect and
// the token is never presented again: a second Fresh asks X nothing. When
// X refused before looking at it (our client's 401, a 429), the lease is
// released, nobody is marked, and the same token refreshes later. A
// refresh token never reaches X after it was spent.
func TestTheRefreshFaultMatrix(t *testing.T) {
	t.Parallel()
	type want int
	const (
		reconnect want = iota
		refused        // X's error returned; lease released; the token stays usable
		busy
		refreshed
	)
	tests := []struct {
		name      string
		fault     func(u *unit)
		want      want
		presented int // refresh requests that reached X
	}{
		{"X does not answer in time", func(u *unit) { u.x.Script(fakex.Refresh, fakex.Timeout()) }, reconnect, 1},
		{"X answers 503", func(u *unit) { u.x.Script(fakex.Refresh, fakex.Unavailable(503)) }, reconnect, 1},
		{"X rotates the pair, then the answer is lost", func(u *unit) { u.x.Script(fakex.Refresh, fakex.ActedThenLost()) }, reconnect, 1},
		{"X rotates the pair, then answers 503", func(u *unit) { u.x.Script(fakex.Refresh, fakex.ActedThenUnavailable(503)) }, reconnect, 1},
		{"X refuses the grant", func(u *unit) { u.x.Script(fakex.Refresh, fakex.InvalidGrant()) }, reconnect, 1},
		{"the new pair cannot be saved", func(u *unit) { u.users.Inject(memstore.Fault{Op: memstore.OpSaveRefreshed, Times: -1}) }, reconnect, 1},
		{"the save lands, its answer lost", func(u *unit) { u.users.Inject(memstore.Fault{Op: memstore.OpSaveRefreshed, After: true}) }, refreshed, 1},
		{"a holder died mid-refresh (its lease expired)", func(u *unit) {
			st := u.stored()
			if ok, err := u.users.TakeRefreshLease(context.Background(), alice, st.Version, tokens.Lease{Owner: "dead", Until: u.clock().Add(-time.Second)}); !ok || err != nil {
				u.t.Fatal(ok, err)
			}
		}, reconnect, 0},
		{"X refuses our client credentials", func(u *unit) { u.x.Script(fakex.Refresh, fakex.InvalidClient()) }, refused, 1},
		{"X answers 429 beyond the budget", func(u *unit) { u.x.Script(fakex.Refresh, fakex.TooMany(u.clock().Add(time.Hour))) }, refused, 1},
		{"X answers 429 within the budget", func(u *unit) { u.x.Script(fakex.Refresh, fakex.TooMany(u.clock().Add(2*time.Second))) }, refreshed, 2},
		{"another invocation holds a live lease beyond the wait", func(u *unit) {
			st := u.stored()
			if ok, err := u.users.TakeRefreshLease(context.Background(), alice, st.Version, tokens.Lease{Owner: "other", Until: u.clock().Add(time.Hour)}); !ok || err != nil {
				u.t.Fatal(ok, err)
			}
			u.wait = 200 * time.Millisecond
		}, busy, 0},
		{"the lease cannot be written", func(u *unit) { u.users.Inject(memstore.Fault{Op: memstore.OpTakeRefreshLease}) }, refused, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			u := newUnit(t)
			c := u.signIn(30 * time.Second)
			tt.fault(u)
			got, err := u.service().Fresh(ctx30(t), u.log(), alice, c)
			st := u.stored()
			switch tt.want {
			case reconnect:
				if !errors.Is(err, tokens.ErrReconnect) || !st.Reconnect {
					t.Fatalf("err %v, reconnect %v: want ErrReconnect and the mark", err, st.Reconnect)
				}
			case refused:
				if err == nil || errors.Is(err, tokens.ErrReconnect) || st.Reconnect || st.Credentials != c {
					t.Fatalf("err %v, reconnect %v, token kept %v", err, st.Reconnect, st.Credentials == c)
				}
			case busy:
				if !errors.Is(err, tokens.ErrBusy) || st.Reconnect {
					t.Fatalf("err %v, reconnect %v: want ErrBusy", err, st.Reconnect)
				}
			case refreshed:
				if err != nil || got.Token == c.Token || st.Credentials.Token != got.Token || st.Reconnect {
					t.Fatalf("err %v; got the new token %v, stored %v", err, got.Token != c.Token, st.Credentials.Token == got.Token)
				}
			}
			if tt.want != busy && st.Lease.Owner != "" {
				t.Fatalf("a lease left behind: %+v", st.Lease)
			}
			if n := u.x.Calls(fakex.Refresh); n != tt.presented {
				t.Fatalf("%d refresh requests, want %d", n, tt.presented)
			}
			// Again, the fault spent: a lost grant asks X nothing; a refused
			// refresh presents the same, unspent token once more.
			again, err := u.service().Fresh(ctx30(t), u.log(), alice, c)
			switch tt.want {
			case reconnect:
				if !errors.Is(err, tokens.ErrReconnect) || u.x.Calls(fakex.Refresh) != tt.presented {
					t.Fatalf("after the mark: %v, %d refresh requests", err, u.x.Calls(fakex.Refresh))
				}
			case refused:
				if err != nil || again.Token == c.Token {
					t.Fatalf("the unspent token did not refresh: %v", err)
				}
			case refreshed:
				if err != nil || again.Token != got.Token || u.x.Calls(fakex.Refresh) != tt.presented {
					t.Fatalf("a fresh token refreshed again: %v", err)
				}
			}
			if r := u.x.Reused(); len(r) != 0 {
				t.Fatalf("refresh tokens presented after they were spent: %v", r)
			}
		})
	}
}

// TestOneRefreshPerUserAcrossInvocations: eight invocations find alice's
// token expiring at once. One takes the lease and asks X; the others wait
// for it and take the new token from the item. And after X answered 401
// to a token, eight renewals make one refresh too.
func TestOneRefreshPerUserAcrossInvocations(t *testing.T) {
	t.Parallel()
	for _, renew := range []bool{false, true} {
		name := map[bool]string{false: "Fresh", true: "Renew"}[renew]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			u := newUnit(t)
			expires := 30 * time.Second
			if renew {
				expires = time.Hour
			}
			c := u.signIn(expires)
			u.poll = u.untilReleased
			// Hold X's answer until the others have read the item (and
			// found the lease, or will find the new pair).
			release := make(chan struct{})
			u.x.Script(fakex.Refresh, fakex.Answer{Acted: true, Before: func(context.Context) { <-release }})
			const n = 8
			var wg sync.WaitGroup
			got := make([]signin.Credentials, n)
			errs := make([]error, n)
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					if renew {
						got[i], errs[i] = u.service().Renew(ctx30(t), u.log(), alice, c)
					} else {
						got[i], errs[i] = u.service().Fresh(ctx30(t), u.log(), alice, c)
					}
				}()
			}
			for u.users.Calls(memstore.OpReadTokens) < n {
				time.Sleep(time.Millisecond)
			}
			close(release)
			wg.Wait()
			for i := range n {
				if errs[i] != nil || got[i].Token == c.Token || got[i].Token != got[0].Token {
					t.Fatalf("invocation %d: %v, token %q (first %q)", i, errs[i], got[i].Token, got[0].Token)
				}
			}
			if u.x.Calls(fakex.Refresh) != 1 || len(u.x.Reused()) != 0 {
				t.Fatalf("%d refreshes (reused %v), want 1", u.x.Calls(fakex.Refresh), u.x.Reused())
			}
		})
	}
}

// TestASignInDuringARefreshKeepsItsGrant: a sign-in lands while the
// refresh's answer is on its way, and the answer is then lost. The save's
// condition fails on the new pair, and so does the reconnect mark: the
// user keeps the sign-in's grant, whose token Fresh returns.
func TestASignInDuringARefreshKeepsItsGrant(t *testing.T) {
	t.Parallel()
	u := newUnit(t)
	c := u.signIn(30 * time.Second)
	var fresh signin.Credentials
	u.x.Script(fakex.Refresh, fakex.Answer{Acted: true, Err: xapi.ErrUnreachable, Before: func(context.Context) {
		fresh = u.signIn(2 * time.Hour)
	}})
	got, err := u.service().Fresh(ctx30(t), u.log(), alice, c)
	if err != nil || got.Token != fresh.Token {
		t.Fatalf("Fresh: %v, the sign-in's token %v", err, got.Token == fresh.Token)
	}
	if st := u.stored(); st.Reconnect || st.Credentials.Token != fresh.Token || st.Lease.Owner != "" {
		t.Fatalf("after the race: %+v", st)
	}
}
