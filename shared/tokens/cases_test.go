package tokens_test

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/twitter-sessions/twitter-sessions/shared/fakex"
	"github.com/twitter-sessions/twitter-sessions/shared/memstore"
	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/tokens"
)

// TestFreshAndRenew: when a token is used as it is, when it is refreshed,
// and what a refresh leaves behind (the new pair saved before it is
// returned, no lease, no token in the logs).
func TestFreshAndRenew(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("a token that does not expire within a minute is used as it is", func(t *testing.T) {
		t.Parallel()
		u := newUnit(t)
		c := u.signIn(61 * time.Second)
		if got, err := u.service().Fresh(ctx, u.log(), alice, c); err != nil || got != c || u.x.Calls(fakex.Refresh) != 0 {
			t.Fatalf("%v, %d refreshes", err, u.x.Calls(fakex.Refresh))
		}
	})
	t.Run("OAuth 1.0a credentials never expire", func(t *testing.T) {
		t.Parallel()
		u := newUnit(t)
		c := signin.Credentials{Kind: signin.KindOAuth1, Token: "t", Secret: "s"}
		if got, err := u.service().Fresh(ctx, u.log(), alice, c); err != nil || got != c || u.x.Calls(fakex.Refresh) != 0 {
			t.Fatal(got, err)
		}
	})
	t.Run("a token about to expire is refreshed, and the new pair saved before it is returned", func(t *testing.T) {
		t.Parallel()
		u := newUnit(t)
		c := u.signIn(59 * time.Second)
		got, err := u.service().Fresh(ctx, u.log(), alice, c)
		if err != nil || got.Token == c.Token || got.Refresh == c.Refresh || got.ExpiresAt.Before(u.clock().Add(time.Hour)) {
			t.Fatalf("%v", err)
		}
		if st := u.stored(); st.Credentials.Token != got.Token || st.Credentials.Refresh != got.Refresh || st.Lease.Owner != "" {
			t.Fatal("the new pair is not the stored one, or the lease is left")
		}
		if u.x.Calls(fakex.Refresh) != 1 || u.x.Acted(fakex.Refresh) != 1 {
			t.Fatalf("%d refreshes, %d acted on", u.x.Calls(fakex.Refresh), u.x.Acted(fakex.Refresh))
		}
	})
	t.Run("a renewal finds the one another invocation made", func(t *testing.T) {
		t.Parallel()
		u := newUnit(t)
		c := u.signIn(time.Hour) // X answered 401 to c in two invocations
		first, err := u.service().Renew(ctx, u.log(), alice, c)
		if err != nil || first.Token == c.Token {
			t.Fatal(err)
		}
		second, err := u.service().Renew(ctx, u.log(), alice, c)
		if err != nil || second.Token != first.Token || u.x.Calls(fakex.Refresh) != 1 {
			t.Fatalf("%v; %d refreshes: want the first renewal's token, no second refresh", err, u.x.Calls(fakex.Refresh))
		}
	})
	t.Run("a user marked reconnect is not refreshed", func(t *testing.T) {
		t.Parallel()
		u := newUnit(t)
		c := u.signIn(0)
		if ok, err := u.users.MarkReconnect(ctx, alice, u.stored().Version, u.clock()); !ok || err != nil {
			t.Fatal(ok, err)
		}
		if _, err := u.service().Fresh(ctx, u.log(), alice, c); !errors.Is(err, tokens.ErrReconnect) || u.x.Calls(fakex.Refresh) != 0 {
			t.Fatalf("%v", err)
		}
	})
	t.Run("without an OAuth 2.0 client nothing is refreshed", func(t *testing.T) {
		t.Parallel()
		u := newUnit(t)
		c := u.signIn(0)
		svc := u.service()
		svc.X = nil
		if _, err := svc.Fresh(ctx, u.log(), alice, c); !errors.Is(err, tokens.ErrNoClient) || u.stored().Lease.Owner != "" {
			t.Fatalf("%v", err)
		}
	})
	t.Run("no token reaches the logs", func(t *testing.T) {
		t.Parallel()
		u := newUnit(t)
		c := u.signIn(0)
		got, err := u.service().Fresh(ctx, u.log(), alice, c)
		if err != nil {
			t.Fatal(err)
		}
		u.mu.Lock()
		defer u.mu.Unlock()
		for _, secret := range []string{c.Token, c.Refresh, got.Token, got.Refresh} {
			if bytes.Contains(u.logs.Bytes(), []byte(secret)) {
				t.Fatal("a token is in the logs")
			}
		}
		if !bytes.Contains(u.logs.Bytes(), []byte("OAuth 2.0 token refreshed")) {
			t.Fatalf("logs: %s", u.logs.String())
		}
	})
}

// TestAGrantXRefusesAfterA401IsARevokedApp: X refusing the refresh token
// (invalid_grant) loses the grant either way; after X answered 401 to the
// token (Renew), it also says the user revoked the app.
func TestAGrantXRefusesAfterA401IsARevokedApp(t *testing.T) {
	t.Parallel()
	for _, renew := range []bool{true, false} {
		name := map[bool]string{true: "a renewal after a 401 returns ErrRevoked", false: "a refresh of a token about to expire returns ErrReconnect alone"}[renew]
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			u := newUnit(t)
			expiresIn := time.Hour // X answered 401 to a token the item says is valid
			if !renew {
				expiresIn = 0
			}
			c := u.signIn(expiresIn)
			u.x.Script(fakex.Refresh, fakex.InvalidGrant()) // the user revoked the app
			var err error
			if renew {
				_, err = u.service().Renew(ctx30(t), u.log(), alice, c)
			} else {
				_, err = u.service().Fresh(ctx30(t), u.log(), alice, c)
			}
			if !errors.Is(err, tokens.ErrReconnect) || errors.Is(err, tokens.ErrRevoked) != renew {
				t.Fatalf("err = %v", err)
			}
			if st := u.stored(); u.x.Calls(fakex.Refresh) != 1 || u.x.Acted(fakex.Refresh) != 0 || !st.Reconnect || st.Lease.Owner != "" {
				t.Fatalf("%d refreshes, reconnect %v: want one refused refresh and the mark", u.x.Calls(fakex.Refresh), st.Reconnect)
			}
		})
	}
}

// staleRead is the users table as an invocation sees it when another one
// writes between its read and its decision: after the first read, after
// runs once.
type staleRead struct {
	*memstore.Users
	once  sync.Once
	after func()
}

func (s *staleRead) ReadTokens(ctx context.Context, uid string) (tokens.Stored, error) {
	st, err := s.Users.ReadTokens(ctx, uid)
	s.once.Do(s.after)
	return st, err
}

// TestAnExpiredLeaseIsMarkedOnlyWhileItIsHeld: an invocation reads a lease
// that has expired (X answered its holder 429, say); before it decides, the
// holder releases it and another invocation takes a live one on the same
// pair. The reader does not take the live lease for the dead one: it waits
// for it, and the user is not marked reconnect.
func TestAnExpiredLeaseIsMarkedOnlyWhileItIsHeld(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	u := newUnit(t)
	c := u.signIn(0)
	v := u.stored().Version
	dead := tokens.Lease{Owner: "answered-429", Until: u.clock().Add(-time.Second)}
	if ok, err := u.users.TakeRefreshLease(ctx, alice, v, dead); !ok || err != nil {
		t.Fatal(ok, err)
	}
	live := tokens.Lease{Owner: "refreshing", Until: u.clock().Add(time.Hour)}
	u.wait = 200 * time.Millisecond
	svc := u.service()
	svc.Store = &staleRead{Users: u.users, after: func() {
		if err := u.users.ReleaseRefreshLease(ctx, alice, dead.Owner); err != nil {
			t.Error(err)
		}
		if ok, err := u.users.TakeRefreshLease(ctx, alice, v, live); !ok || err != nil {
			t.Error(ok, err)
		}
	}}
	if _, err := svc.Fresh(ctx, u.log(), alice, c); !errors.Is(err, tokens.ErrBusy) {
		t.Fatalf("err = %v, want ErrBusy: another invocation is refreshing", err)
	}
	if st := u.stored(); st.Reconnect || st.Lease.Owner != live.Owner || u.x.Calls(fakex.Refresh) != 0 {
		t.Fatalf("reconnect %v, lease %q: the live lease was taken for the expired one", st.Reconnect, st.Lease.Owner)
	}
}
