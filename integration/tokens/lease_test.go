package tokens_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/twitter-sessions/twitter-sessions/shared/actionstore"
	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/tokens"
	"github.com/twitter-sessions/twitter-sessions/tools/xsandbox"
)

// TestAGrantXRefusesAfterA401IsARevokedApp: X refusing the refresh token
// (invalid_grant) loses the grant either way; after X answered 401 to the
// token (Renew), it also says the user revoked the app.
func TestAGrantXRefusesAfterA401IsARevokedApp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name    string
		renew   bool // after a 401; else the token is about to expire
		revoked bool
	}{
		{"a renewal after a 401 returns ErrRevoked", true, true},
		{"a refresh of a token about to expire returns ErrReconnect alone", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			expiresIn := time.Hour // X answered 401 to a token the item says is valid
			if !tt.renew {
				expiresIn = 0
			}
			c := h.signIn(expiresIn)
			if err := h.x.Revoke(ctx, c.Refresh, "refresh_token"); err != nil { // the user revokes the app
				t.Fatal(err)
			}
			var err error
			if tt.renew {
				_, err = h.service().Renew(ctx, h.log(), alice, c)
			} else {
				_, err = h.service().Fresh(ctx, h.log(), alice, c)
			}
			if !errors.Is(err, tokens.ErrReconnect) || errors.Is(err, tokens.ErrRevoked) != tt.revoked {
				t.Fatalf("err = %v", err)
			}
			if r := h.sb.OAuth2Refreshes(); len(r) != 1 || r[0].OK || !h.stored().Reconnect {
				t.Fatalf("refreshes %+v, reconnect %v: want one refused refresh and the mark", r, h.stored().Reconnect)
			}
		})
	}
}

// staleRead is the users table as an invocation sees it when another one
// writes between its read and its decision: after the first read, after
// runs once.
type staleRead struct {
	*actionstore.Store
	once  sync.Once
	after func()
}

func (s *staleRead) ReadTokens(ctx context.Context, uid string) (tokens.Stored, error) {
	st, err := s.Store.ReadTokens(ctx, uid)
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
	h := newHarness(t)
	c := h.signIn(0)
	v := h.stored().Version
	dead := tokens.Lease{Owner: "answered-429", Until: time.Now().Add(-time.Second)}
	if ok, err := h.store.TakeRefreshLease(ctx, alice, v, dead); !ok || err != nil {
		t.Fatal(ok, err)
	}
	live := tokens.Lease{Owner: "refreshing", Until: time.Now().Add(time.Hour)}
	svc := h.service()
	svc.Wait = 200 * time.Millisecond
	svc.Store = &staleRead{Store: h.store, after: func() {
		if err := h.store.ReleaseRefreshLease(ctx, alice, dead.Owner); err != nil {
			t.Error(err)
		}
		if ok, err := h.store.TakeRefreshLease(ctx, alice, v, live); !ok || err != nil {
			t.Error(ok, err)
		}
	}}
	if _, err := svc.Fresh(ctx, h.log(), alice, c); !errors.Is(err, tokens.ErrBusy) {
		t.Fatalf("err = %v, want ErrBusy: another invocation is refreshing", err)
	}
	if st := h.stored(); st.Reconnect || st.Lease.Owner != live.Owner {
		t.Fatalf("reconnect %v, lease %q: the live lease was taken for the expired one", st.Reconnect, st.Lease.Owner)
	}
}

// slowLease takes the lease and answers late (DynamoDB slow to answer a
// write that landed); it records the lease and when the holder's next
// write (the save, the reconnect mark) began.
type slowLease struct {
	*actionstore.Store
	delay time.Duration
	mu    sync.Mutex
	lease tokens.Lease
	wrote time.Time
}

func (s *slowLease) TakeRefreshLease(ctx context.Context, uid string, v tokens.Version, l tokens.Lease) (bool, error) {
	ok, err := s.Store.TakeRefreshLease(ctx, uid, v, l)
	s.mu.Lock()
	s.lease = l
	s.mu.Unlock()
	time.Sleep(s.delay)
	return ok, err
}

func (s *slowLease) SaveRefreshed(ctx context.Context, uid string, v tokens.Version, owner string, c signin.Credentials, now time.Time) (bool, error) {
	s.wrote = time.Now()
	return s.Store.SaveRefreshed(ctx, uid, v, owner, c, now)
}

func (s *slowLease) MarkReconnect(ctx context.Context, uid string, v tokens.Version, now time.Time) (bool, error) {
	s.wrote = time.Now()
	return s.Store.MarkReconnect(ctx, uid, v, now)
}

// TestTheRequestEndsInsideTheLease: the lease's write took most of the
// lease; the request to X (slow too) is cut WriteTimeout before the lease
// ends, so that the holder's next write lands inside it and no reader
// finds the lease expired while its holder is still at work.
func TestTheRequestEndsInsideTheLease(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.signIn(0)
	svc := h.service()
	svc.Lease, svc.WriteTimeout = 2*time.Second, 500*time.Millisecond
	store := &slowLease{Store: h.store, delay: 1200 * time.Millisecond}
	svc.Store = store
	h.sb.InjectFault(xsandbox.Fault{Endpoint: xsandbox.EndpointOAuth2Token, Delay: time.Second})
	_, err := svc.Fresh(context.Background(), h.log(), alice, c)
	if !errors.Is(err, tokens.ErrReconnect) {
		t.Fatalf("err = %v: a request cut short may have reached X", err)
	}
	const slack = 200 * time.Millisecond // the store's and the scheduler's own time
	if latest := store.lease.Until.Add(-svc.WriteTimeout + slack); store.wrote.After(latest) {
		t.Fatalf("the holder's write began %s after the lease's end less WriteTimeout", store.wrote.Sub(latest)+slack)
	}
}
