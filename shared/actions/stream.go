package actions

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/twitter-sessions/twitter-sessions/shared/clock"
	"github.com/twitter-sessions/twitter-sessions/shared/metrics"
	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/useritem"
	"github.com/twitter-sessions/twitter-sessions/shared/xapi"
)

// Service carries out the actions a sign-in requested (the stream path) and
// sweeps the ones a dead run left in sending. Build it once per cold start
// with every field set (nil Links: no footer; nil Now: time.Now); it is safe
// for concurrent use.
type Service struct {
	Users   UserReader
	Claims  Claimer
	Revoker Revoker
	Requeue Requeuer
	Sending SendingMarker
	// Credentials removes a visitor's credentials once the work of their
	// own token is done, and Grants revokes them at X (nil Grants: the
	// token is only removed; nil Credentials: kept).
	Credentials CredentialRemover
	Grants      signin.Revoker
	X           X
	Tokens      Tokens     // keeps OAuth 2.0 tokens usable; nil: none is ever refreshed
	Gate        *xapi.Gate // X's windows, shared with the campaigns
	Links       Footer
	BrandUID    string // FOLLOW_UID: followed by users, sender of the DMs

	FollowMode  signin.FollowMode // FOLLOW_MODE: the actions follow only under api
	WelcomeText string
	TweetText   string

	// Retry is the policy of the calls to X. They are all writes: only a
	// 429 is tried again (xapi.Retry.Write).
	Retry xapi.Retry
	// Margin is kept free before the Lambda deadline: the sweep stops this
	// long before it.
	Margin time.Duration
	// Stale is how long an action may sit in sending before the sweep (or a
	// record of its user) marks it unknown: a run died between the claim and
	// the record. The function's timeout: no live run is older.
	Stale time.Duration
	// TokenMaxAge is the longest a visitor's token is kept, work finished
	// or not (the sweep removes older ones); DefaultTokenMaxAge when zero.
	TokenMaxAge time.Duration
	PageSize    int32 // users per Scan page (release, sweep)
	// Metrics go on each outcome's line (ActionOutcomes); nil: none.
	Metrics *metrics.Emitter

	Now func() time.Time
}

func (s *Service) now() time.Time { return clock.Now(s.Now) }

// Batch is one invocation's pass over stream records: the brand is read at
// most once in it.
type Batch struct {
	s     *Service
	log   zerolog.Logger
	brand *User // nil until loaded
	// brandMissing: loaded, and not usable (never signed in, revoked,
	// reconnect, no tokens).
	brandMissing bool
	// brandErr: loaded, and its credentials do not open, or its token could
	// not be refreshed now (errRetryRecord).
	brandErr error
	// tokenErr is why a user's (or the brand's) token could not be made
	// usable in this batch: their later calls meet it without asking again.
	tokenErr map[string]error
}

// NewBatch starts the work of one stream batch, logging to log.
func (s *Service) NewBatch(log zerolog.Logger) *Batch {
	return &Batch{s: s, log: log, tokenErr: map[string]error{}}
}

// errRetryRecord marks failures before the claim: worth a redelivery.
var errRetryRecord = errors.New("actions: retry the record")

// User claims the user's pending actions, carries them out and records each
// outcome. It returns an error only when the record is worth delivering
// again, nothing of it having been claimed: the user could not be read or
// claimed (DynamoDB failing), or credentials the actions need (the user's,
// or the brand's for a welcome DM) are stored but cannot be opened. Failures
// after the claim are recorded on the item, never retried, except an OAuth
// 2.0 token that cannot be made usable now: X did not act, and the action
// goes back to pending (requeue).
func (b *Batch) User(ctx context.Context, uid string) error {
	s := b.s
	u, err := s.Users.GetActionUser(ctx, uid)
	switch {
	case errors.Is(err, ErrNotFound):
		return nil
	case err != nil:
		return fmt.Errorf("%w: %w", errRetryRecord, err)
	}
	// Actions a dead run left in sending are marked unknown as the sweep
	// does; last, so that once the pending ones are claimed the marks'
	// images hold nothing pending for the stream filter.
	defer b.markStuck(ctx, s.stuck(u))
	pending := u.Pending()
	if len(pending) == 0 {
		b.dropVisitorToken(ctx, u) // a redelivery, or another run was first
		return nil
	}
	if err := b.ready(ctx, &u, pending); err != nil {
		return err
	}
	u, err = s.Claims.ClaimPending(ctx, uid, pending, s.now())
	switch {
	case errors.Is(err, ErrConflict):
		// Another write landed between the read and the claim: another run
		// claimed the actions (the only write that takes them out of
		// pending), or the item is gone. Whatever a write left pending is in
		// that write's own stream record, which brings the user back; so the
		// claim is never retried here.
		return nil
	case err != nil:
		return fmt.Errorf("%w: %w", errRetryRecord, err)
	}
	for _, a := range pending {
		out := b.do(ctx, &u, a)
		if out.state == useritem.StatePending { // X did not act; the token may work later
			b.requeue(ctx, u.UID, a, out)
			continue
		}
		b.record(ctx, u.UID, a, out)
		u.Actions[a] = Record{State: out.state} // what dropVisitorToken asks; the store's condition checks the table
		if out.then != nil {
			out.then(ctx)
		}
	}
	b.dropVisitorToken(ctx, u)
	return nil
}

// ready checks, before the claim, the credentials the pending actions will
// need, and refreshes an OAuth 2.0 token about to expire. Credentials that
// are stored but do not open (a key this warm function does not know yet)
// may open on a later delivery, and a token another invocation is
// refreshing (or X's token endpoint answered 429) may be usable later: the
// record is handed back to Lambda rather than its actions given up (nothing
// is claimed yet; after Lambda's retries the record goes to the dead-letter
// queue).
func (b *Batch) ready(ctx context.Context, u *User, pending []useritem.Action) error {
	for _, a := range pending {
		switch {
		case b.needsOwnToken(*u, a) && u.CredentialsUnopenable():
			return fmt.Errorf("%w: the user's credentials cannot be opened: %w", errRetryRecord, u.CredentialsErr)
		case b.needsOwnToken(*u, a):
			if err := b.prepare(ctx, u); err != nil {
				return fmt.Errorf("%w: the user's token: %w", errRetryRecord, err)
			}
		case a == useritem.ActionWelcome:
			if err := b.loadBrand(ctx); err != nil {
				return fmt.Errorf("%w: %w", errRetryRecord, err)
			}
		}
	}
	return nil
}

// needsOwnToken reports whether action a will call X with the user's token
// (a revoked user's actions, or a reconnect user's, are skipped without a
// call).
func (b *Batch) needsOwnToken(u User, a useritem.Action) bool {
	return !u.Revoked && !u.Reconnect && ((a == useritem.ActionFollow && b.s.FollowMode == signin.FollowAPI && u.Follow) || (a == useritem.ActionTweet && u.Tweet))
}

// loadBrand reads the brand account into b once per batch: b.brand (its
// token refreshed when about to expire), or brandMissing when it is not
// connected (never signed in, revoked, reconnect, no tokens stored). Tokens
// stored that do not open, or that another invocation is refreshing, are an
// error, remembered for the batch: a rotated key this warm function does
// not know yet, or a refresh in flight, must not turn welcome DMs into
// waiting_brand.
func (b *Batch) loadBrand(ctx context.Context) error {
	if b.brand != nil || b.brandMissing || b.brandErr != nil {
		return b.brandErr
	}
	brand, err := b.s.Users.GetActionUser(ctx, b.s.BrandUID)
	switch {
	case errors.Is(err, ErrNotFound):
		b.brandMissing = true
	case err != nil:
		return err
	case brand.Revoked, brand.Reconnect:
		b.brandMissing = true
	case brand.CredentialsUnopenable():
		b.brandErr = fmt.Errorf("the brand's credentials cannot be opened: %w", brand.CredentialsErr)
	case !brand.HasCredentials():
		b.brandMissing = true
	default:
		if err := b.prepare(ctx, &brand); err != nil {
			b.brandErr = fmt.Errorf("the brand's token: %w", err)
			return b.brandErr
		}
		b.brandMissing = brand.Reconnect
		if !brand.Reconnect {
			b.brand = &brand
		}
	}
	return b.brandErr
}
