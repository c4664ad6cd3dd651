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
	"github.com/twitter-sessions/twitter-sessions/tools/testclock"
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
// write that landed): the holder's clock moves on by delay before the
// answer comes back. It records the lease and when (on the wall clock) the
// answer came back.
type slowLease struct {
	*actionstore.Store
	clock    *testclock.Clock
	delay    time.Duration
	mu       sync.Mutex
	lease    tokens.Lease
	answered time.Time
}

func (s *slowLease) TakeRefreshLease(ctx context.Context, uid string, v tokens.Version, l tokens.Lease) (bool, error) {
	ok, err := s.Store.TakeRefreshLease(ctx, uid, v, l)
	s.clock.Advance(s.delay)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.lease, s.answered = l, time.Now()
	return ok, err
}

// deadlineX is X's token endpoint as the holder calls it; it records the
// request's deadline, when (on the wall clock and on the holder's clock)
// the request began, and why its context ended.
type deadlineX struct {
	tokens.X
	clock       *testclock.Clock
	mu          sync.Mutex
	calls       int
	began, now  time.Time
	deadline    time.Time
	hasDeadline bool
	ctxErr      error
}

func (x *deadlineX) Refresh(ctx context.Context, refreshToken string) (signin.Credentials, error) {
	began, now := time.Now(), x.clock.Now()
	dl, has := ctx.Deadline()
	c, err := x.X.Refresh(ctx, refreshToken)
	x.mu.Lock()
	defer x.mu.Unlock()
	x.calls++
	x.began, x.now, x.deadline, x.hasDeadline, x.ctxErr = began, now, dl, has, ctx.Err()
	return c, err
}

// TestTheRequestEndsInsideTheLease: the lease's write took most of the
// lease (on the holder's clock); the request to X (which X would answer
// only after a minute) is cut WriteTimeout before the lease ends, so that
// the holder's next write lands inside it and no reader finds the lease
// expired while its holder is still at work. The cut request may have
// reached X: the user must sign in again.
func TestTheRequestEndsInsideTheLease(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	c := h.signIn(0)
	clk := testclock.New(time.Now())
	svc := h.service()
	svc.Now = clk.Now
	// WriteTimeout is also the real timeout of the writes after X's
	// answer: generous, so that a slow DynamoDB Local cannot fail them.
	svc.Lease, svc.WriteTimeout = 30*time.Second, 10*time.Second
	const leftForX = 300 * time.Millisecond // what the slow write leaves of the lease, less WriteTimeout
	store := &slowLease{Store: h.store, clock: clk, delay: svc.Lease - svc.WriteTimeout - leftForX}
	svc.Store = store
	x := &deadlineX{X: h.x, clock: clk}
	svc.X = x
	h.sb.InjectFault(xsandbox.Fault{Endpoint: xsandbox.EndpointOAuth2Token, Delay: time.Minute}) // ends when the client gives up
	_, err := svc.Fresh(context.Background(), h.log(), alice, c)
	if !errors.Is(err, tokens.ErrReconnect) {
		t.Fatalf("err = %v: a request cut short may have reached X", err)
	}
	if st := h.stored(); !st.Reconnect || st.Lease.Owner != "" {
		t.Fatalf("reconnect %v, lease %q: want the user marked reconnect and the lease ended", st.Reconnect, st.Lease.Owner)
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.calls != 1 || !x.hasDeadline || !errors.Is(x.ctxErr, context.DeadlineExceeded) {
		t.Fatalf("%d requests to X, deadline %v, context %v: want one request, ended by its deadline", x.calls, x.hasDeadline, x.ctxErr)
	}
	// What the request may take is what was left of the lease on the
	// holder's clock, less WriteTimeout; its deadline (on the wall clock)
	// was set between the lease's answer and the request.
	left := store.lease.Until.Sub(x.now) - svc.WriteTimeout
	if left != leftForX {
		t.Fatalf("the lease less WriteTimeout left %s after the lease's write, want %s", left, leftForX)
	}
	if earliest, latest := store.answered.Add(left), x.began.Add(left); x.deadline.Before(earliest) || x.deadline.After(latest) {
		t.Fatalf("the request's deadline is %s after the lease's answer, want %s: the request must end WriteTimeout before the lease", x.deadline.Sub(store.answered), left)
	}
}
