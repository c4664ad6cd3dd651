package tokens

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/twitter-sessions/twitter-sessions/shared/clock"
	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/xapi"
)

// Early is how long before its expiry an access token is refreshed: a call
// started with a token that has less left could reach X after it expired.
const Early = time.Minute

// Version is the stored pair as it is kept (the sealed access and refresh
// tokens, "" for an absent refresh token). Every write of the protocol is
// conditional on it, so that it lands only on the pair it was decided on:
// a sign-in or another invocation's refresh in between makes it fail.
type Version struct{ Token, Refresh string }

// Lease is the one invocation refreshing a user's token (zero: none).
type Lease struct {
	Owner string
	Until time.Time
}

// held reports a lease that exists.
func (l Lease) held() bool { return l.Owner != "" }

// Stored is what the user item holds of the credentials.
type Stored struct {
	Credentials signin.Credentials // opened
	Version     Version
	Lease       Lease
	Reconnect   bool // the grant is lost: the user must sign in again
}

// Store is the user item as the protocol reads and writes it
// (shared/actionstore). The bool results are false when the write's
// condition failed: the item is not in the state the caller decided on.
type Store interface {
	// ReadTokens reads the credentials (consistent read, opened).
	ReadTokens(ctx context.Context, uid string) (Stored, error)
	// TakeRefreshLease writes l, only while the pair is v, no lease is held
	// and the user is not marked reconnect.
	TakeRefreshLease(ctx context.Context, uid string, v Version, l Lease) (bool, error)
	// SaveRefreshed replaces the pair v with c and ends the lease, only
	// while the pair is v and owner holds a lease that is live at now.
	SaveRefreshed(ctx context.Context, uid string, v Version, owner string, c signin.Credentials, now time.Time) (bool, error)
	// ReleaseRefreshLease ends owner's lease (nothing when it is not held).
	ReleaseRefreshLease(ctx context.Context, uid, owner string) error
	// MarkReconnect marks the user reconnect and ends any lease, only while
	// the pair is v.
	MarkReconnect(ctx context.Context, uid string, v Version, now time.Time) (bool, error)
	// MarkLeaseExpired is MarkReconnect for a lease found expired: only
	// while the pair is v and l (its owner and until) is still the lease
	// held.
	MarkLeaseExpired(ctx context.Context, uid string, v Version, l Lease, now time.Time) (bool, error)
}

// X is X's OAuth 2.0 token endpoint (shared/xoauth2): one request with
// grant_type=refresh_token, never retried inside.
type X interface {
	Refresh(ctx context.Context, refreshToken string) (signin.Credentials, error)
}

// Errors of Fresh and Renew (besides the Store's errors and X's refusals,
// *xapi.Error with status 401 or 429, which leave the token unconsumed).
var (
	// ErrReconnect: the user's grant is lost (marked on the item): nothing
	// can be sent with their credentials until they sign in again.
	ErrReconnect = errors.New("tokens: the OAuth 2.0 grant is lost: the user must sign in again")
	// ErrRevoked (Renew only, wraps ErrReconnect): X answered 401 to the
	// token and then refused its refresh token (invalid_grant): the user
	// revoked the app. The user is marked reconnect; the caller marks them
	// revoked, as it does for a token X answered 401 to twice.
	ErrRevoked = fmt.Errorf("%w (X refused the refresh token after a 401: the user revoked the app)", ErrReconnect)
	// ErrBusy: another invocation holds the refresh lease beyond the wait.
	ErrBusy = errors.New("tokens: another invocation is refreshing the token")
	// ErrNoClient: a token needs a refresh and the stage has no OAuth 2.0
	// client (TWITTER_CLIENT_ID).
	ErrNoClient = errors.New("tokens: no OAuth 2.0 client configured (TWITTER_CLIENT_ID) to refresh the token")
)

// errGrantRefused (wraps ErrReconnect): X refused the refresh token itself
// (invalid_grant); Renew makes it ErrRevoked.
var errGrantRefused = fmt.Errorf("%w (X refused the refresh token)", ErrReconnect)

// Service refreshes OAuth 2.0 tokens under the protocol of the package
// doc. Build it once per cold start; it is safe for concurrent use.
type Service struct {
	Store Store
	X     X // nil: the stage has no OAuth 2.0 client (ErrNoClient)
	// Lease is how long a refresh may take: longer than the call to X (its
	// HTTP timeout) plus the save, so that a live holder never loses it.
	Lease time.Duration
	// Wait bounds how long an invocation waits for another's refresh,
	// polling the item every Poll.
	Wait, Poll time.Duration
	// Retry is the policy for X's 429 (the only answer tried again: X
	// refused before looking at the token). Writes is forced on.
	Retry xapi.Retry
	// WriteTimeout bounds the writes after X answered, made on a context of
	// their own: the invocation's deadline must not lose a new pair.
	WriteTimeout time.Duration

	Now   func() time.Time
	Sleep func(ctx context.Context, d time.Duration) error
}

func (s *Service) now() time.Time { return clock.Now(s.Now) }

func (s *Service) sleep(ctx context.Context, d time.Duration) error {
	return clock.Sleep(ctx, s.Sleep, d)
}

// Expiring reports an OAuth 2.0 token that expires within Early of now (or
// whose expiry is unknown). OAuth 1.0a tokens do not expire.
func Expiring(c signin.Credentials, now time.Time) bool {
	return c.OAuth2() && c.ExpiresAt.Before(now.Add(Early))
}

// Fresh returns credentials to call X with now: c itself, unless it is an
// OAuth 2.0 token that expires within Early, which is then refreshed (or
// taken from the item when another invocation refreshed it).
func (s *Service) Fresh(ctx context.Context, log zerolog.Logger, uid string, c signin.Credentials) (signin.Credentials, error) {
	if !Expiring(c, s.now()) {
		return c, nil
	}
	return s.renew(ctx, log, uid, func(st Stored) bool { return Expiring(st.Credentials, s.now()) })
}

// Renew refreshes the OAuth 2.0 token X answered 401 to (used), unless the
// item already holds another one that does not expire within Early (a
// sign-in, another invocation's refresh). ErrRevoked when X refused the
// refresh token: after the 401, the user revoked the app.
func (s *Service) Renew(ctx context.Context, log zerolog.Logger, uid string, used signin.Credentials) (signin.Credentials, error) {
	c, err := s.renew(ctx, log, uid, func(st Stored) bool {
		return st.Credentials.Token == used.Token || Expiring(st.Credentials, s.now())
	})
	if errors.Is(err, errGrantRefused) {
		return signin.Credentials{}, ErrRevoked
	}
	return c, err
}

// renew settles the token under the retry policy: X's 429 is waited for
// and tried again while the invocation has the time (on the wall clock,
// as deadlines and X's resets are).
func (s *Service) renew(ctx context.Context, log zerolog.Logger, uid string, stale func(Stored) bool) (signin.Credentials, error) {
	var out signin.Credentials
	r := s.Retry
	r.Writes = true
	if s.Sleep != nil {
		r.Sleep = s.Sleep
	}
	err := r.Do(ctx, func(ctx context.Context) error {
		var err error
		out, err = s.settle(ctx, log, uid, stale)
		return err
	})
	return out, err
}

func newOwner() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
