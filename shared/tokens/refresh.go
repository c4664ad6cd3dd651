package tokens

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/rs/zerolog"

	"github.com/twitter-sessions/twitter-sessions/shared/reason"
	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/xapi"
)

// errAgain: the item changed under a decision (a condition failed): read it
// again and decide anew.
var errAgain = errors.New("tokens: the item changed: read it again")

// settle reads the item until the token is usable: not stale any more
// (another invocation or a sign-in replaced it), refreshed by this one, or
// lost. It waits for a live lease at most Wait.
func (s *Service) settle(ctx context.Context, log zerolog.Logger, uid string, stale func(Stored) bool) (signin.Credentials, error) {
	poll := max(s.Poll, minPoll)
	var waited time.Duration
	// Bounded even when conditions keep failing (they cannot for long: each
	// failure means the item moved on).
	for range maxRounds {
		st, err := s.Store.ReadTokens(ctx, uid)
		if err != nil {
			return signin.Credentials{}, err
		}
		c, err := s.decide(ctx, log, uid, st, stale)
		switch {
		case errors.Is(err, errAgain):
		case errors.Is(err, errLeaseLive):
			if waited >= s.Wait {
				return signin.Credentials{}, ErrBusy
			}
			if err := s.sleep(ctx, poll); err != nil {
				return signin.Credentials{}, fmt.Errorf("%w: %w", ErrBusy, err)
			}
			waited += poll
		default:
			return c, err
		}
	}
	return signin.Credentials{}, ErrBusy
}

// minPoll keeps the polling of a live lease from spinning; maxRounds bounds
// the reads of one settle.
const (
	minPoll   = 5 * time.Millisecond
	maxRounds = 10000
)

// errLeaseLive: another invocation is refreshing; poll.
var errLeaseLive = errors.New("tokens: a live lease")

// decide is what to do with the item as read.
func (s *Service) decide(ctx context.Context, log zerolog.Logger, uid string, st Stored, stale func(Stored) bool) (signin.Credentials, error) {
	now := s.now()
	switch {
	case st.Reconnect:
		return signin.Credentials{}, ErrReconnect
	case !st.Credentials.OAuth2() || !stale(st):
		return st.Credentials, nil // replaced meanwhile, or no refresh needed
	case st.Lease.held() && st.Lease.Until.After(now):
		return signin.Credentials{}, errLeaseLive
	case st.Lease.held():
		// The holder died mid-refresh: X may have rotated the pair, and the
		// new one is nowhere. The stored refresh token may be spent.
		return signin.Credentials{}, s.expiredLease(ctx, log, uid, st)
	case st.Credentials.Refresh == "":
		return signin.Credentials{}, s.lost(ctx, log, uid, st.Version, "no refresh token is stored (the grant lacks offline.access)", nil)
	case s.X == nil:
		return signin.Credentials{}, ErrNoClient
	}
	return s.refresh(ctx, log, uid, st)
}

// ReasonLeaseExpired is the reason logged when a refresh lease is found
// expired with the pair unchanged (its holder died mid-refresh).
const ReasonLeaseExpired reason.Code = "lease_expired"

// expiredLease marks the user reconnect, as a lease found expired with the
// pair unchanged means; errAgain when the pair or the lease changed since
// they were read (the expired lease was released and another invocation
// holds a live one, say).
func (s *Service) expiredLease(ctx context.Context, log zerolog.Logger, uid string, st Stored) error {
	ok, err := s.Store.MarkLeaseExpired(ctx, uid, st.Version, st.Lease, s.now())
	switch {
	case err != nil:
		return err // the lease stays expired: the next reader marks it
	case !ok:
		return errAgain
	}
	log.Warn().Str("uid", uid).Time("lease_until", st.Lease.Until).Stringer("reason", ReasonLeaseExpired).
		Msg("a refresh of the user's OAuth 2.0 token never finished (its holder died): the refresh token may be spent, so it is not presented again; the user must sign in again (marked reconnect)")
	return ErrReconnect
}

// refresh takes the lease and makes the one request to X.
func (s *Service) refresh(ctx context.Context, log zerolog.Logger, uid string, st Stored) (signin.Credentials, error) {
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) < s.Lease {
		// A request cut short by the deadline may still reach X and spend
		// the token: a refresh starts only with the time to finish it.
		return signin.Credentials{}, fmt.Errorf("tokens: too little time left to refresh the token: %w", context.DeadlineExceeded)
	}
	lease := Lease{Owner: newOwner(), Until: s.now().Add(s.Lease)}
	ok, err := s.Store.TakeRefreshLease(ctx, uid, st.Version, lease)
	switch {
	case err != nil:
		// The write may have landed: a lease left behind would make the next
		// reader take the user for lost. Nothing was presented.
		s.release(ctx, log, uid, lease.Owner)
		return signin.Credentials{}, err
	case !ok:
		return signin.Credentials{}, errAgain // another invocation was first, or a sign-in
	}
	// The request ends WriteTimeout before the lease does, so that the save
	// lands inside it: a reader finding the lease expired takes the user for
	// lost. What is left of the lease after a slow write is measured on the
	// clock it was set on (Now); the request's deadline is on the wall clock.
	left := lease.Until.Sub(s.now()) - s.WriteTimeout
	if left <= 0 {
		s.release(ctx, log, uid, lease.Owner)
		return signin.Credentials{}, fmt.Errorf("tokens: taking the refresh lease used up its time: %w", context.DeadlineExceeded)
	}
	cctx, cancel := context.WithTimeout(ctx, left)
	c, err := s.X.Refresh(cctx, st.Credentials.Refresh)
	cancel()
	// The writes after X's answer must land even when the invocation's
	// deadline has come: they decide whether the token is kept or lost.
	wctx, wcancel := context.WithTimeout(context.WithoutCancel(ctx), s.WriteTimeout)
	defer wcancel()
	if err != nil {
		return signin.Credentials{}, s.refused(wctx, log, uid, st.Version, lease.Owner, err)
	}
	c.Kind = signin.KindOAuth2
	saved, serr := s.Store.SaveRefreshed(wctx, uid, st.Version, lease.Owner, c, s.now())
	if serr != nil || !saved {
		if serr == nil {
			serr = errors.New("the lease ended or the pair changed before the save")
		}
		return signin.Credentials{}, s.lost(wctx, log, uid, st.Version, "the new pair could not be saved", serr)
	}
	log.Info().Str("uid", uid).Time("expires_at", c.ExpiresAt).Msg("OAuth 2.0 token refreshed")
	return c, nil
}

// refused handles X's error for the refresh: a 401 (our client credentials)
// or a 429 came before X looked at the token, which is not consumed: the
// lease is released and X's error returned. Anything else may have spent
// it: lost.
func (s *Service) refused(ctx context.Context, log zerolog.Logger, uid string, v Version, owner string, err error) error {
	var xe *xapi.Error
	notConsumed := errors.As(err, &xe) && (xe.Status == http.StatusUnauthorized || xe.Status == http.StatusTooManyRequests)
	if !notConsumed {
		why := "the answer to the refresh may have been lost"
		if xe != nil && xe.GrantInvalid() {
			why = "X refused the refresh token (invalid grant)"
		}
		return s.lost(ctx, log, uid, v, why, err)
	}
	s.release(ctx, log, uid, owner)
	if xe.Status == http.StatusUnauthorized {
		log.Error().Err(err).Str("uid", uid).Stringer("reason", xe.Reason()).Str("hint", xe.OperatorHint()).
			Msg("X refused the app's OAuth 2.0 client credentials on a token refresh: the token is not consumed; fix the app's credentials")
	}
	return fmt.Errorf("tokens: refresh for %s: %w", uid, err)
}

// release ends owner's lease when nothing was presented to X, or X refused
// before looking at the token. The write has WriteTimeout of its own: a
// lease left behind costs the user their grant.
func (s *Service) release(ctx context.Context, log zerolog.Logger, uid, owner string) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.WriteTimeout)
	defer cancel()
	if err := s.Store.ReleaseRefreshLease(ctx, uid, owner); err != nil {
		// The lease expires with the pair unchanged: the next reader takes
		// the user for lost. Nothing better is safe.
		log.Error().Err(err).Str("uid", uid).Msg("releasing the refresh lease failed: the user will be asked to sign in again")
	}
}

// lost marks the user reconnect: the refresh token may be spent at X and
// must never be presented again. errAgain when the pair changed meanwhile
// (a sign-in, or the save went through after all); errGrantRefused when X
// refused the refresh token itself.
func (s *Service) lost(ctx context.Context, log zerolog.Logger, uid string, v Version, why string, cause error) error {
	ok, err := s.Store.MarkReconnect(ctx, uid, v, s.now())
	if err == nil && !ok {
		return errAgain
	}
	var xe *xapi.Error
	refused := errors.As(cause, &xe) && xe.GrantInvalid()
	ev := log.Warn()
	if err != nil {
		ev = log.Error().AnErr("mark_error", err)
	}
	if cause != nil {
		ev = ev.AnErr("cause", cause).Stringer("reason", reasonOf(cause))
	}
	ev.Str("uid", uid).Str("why", why).
		Msg("the user's OAuth 2.0 refresh token may be spent: it is not presented again; the user must sign in again (marked reconnect)")
	if refused {
		return errGrantRefused
	}
	return ErrReconnect
}

// reasonOf is X's reason for an error, when it has one.
func reasonOf(err error) xapi.Reason {
	var r interface{ Reason() xapi.Reason }
	if errors.As(err, &r) {
		return r.Reason()
	}
	return ""
}
