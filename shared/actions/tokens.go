package actions

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/tokens"
	"github.com/twitter-sessions/twitter-sessions/shared/useritem"
	"github.com/twitter-sessions/twitter-sessions/shared/xapi"
)

// fresh makes who's credentials usable for a call now: a no-op unless an
// OAuth 2.0 token expires within a minute, which is then refreshed
// (Tokens). A failure is remembered for the batch, so that who's other
// calls meet it without asking again.
func (b *Batch) fresh(ctx context.Context, who *User) error {
	if err := b.tokenErr[who.UID]; err != nil {
		return err
	}
	if !b.refreshable(who.Credentials) {
		return nil
	}
	c, err := b.s.Tokens.Fresh(ctx, b.log, who.UID, who.Credentials)
	if err != nil {
		b.remember(who, err)
		return err
	}
	who.Credentials = c
	return nil
}

// refreshable reports credentials this batch can refresh: OAuth 2.0 with a
// refresh token (the brand's, granted offline access). A visitor's token
// has none: it is used as it is, and once expired its work fails
// (token_expired).
func (b *Batch) refreshable(c signin.Credentials) bool {
	return b.s.Tokens != nil && c.OAuth2() && c.Refresh != ""
}

func (b *Batch) remember(who *User, err error) {
	b.tokenErr[who.UID] = err
	if errors.Is(err, tokens.ErrReconnect) {
		who.Reconnect = true
	}
}

// prepare refreshes who's token before the claim when it is about to
// expire. It returns an error only when the record is better handed back
// to Lambda (laterFailure); a lost grant sets who.Reconnect, and any other
// failure is remembered for the actions to record.
func (b *Batch) prepare(ctx context.Context, who *User) error {
	if !who.HasCredentials() {
		return nil // skipped with no_credentials after the claim
	}
	if err := b.fresh(ctx, who); err != nil && laterFailure(err) {
		delete(b.tokenErr, who.UID) // the next delivery tries again
		return err
	}
	return nil
}

// laterFailure reports a refresh that failed for now and may work on a
// later delivery: another invocation holds the refresh lease, X's token
// endpoint answered 429 (before looking at the token), DynamoDB failed, the
// pair another invocation stored does not open here (a key this warm
// function does not know yet), or the invocation had too little time left.
func laterFailure(err error) bool {
	var xe *xapi.Error
	return errors.Is(err, tokens.ErrBusy) || errors.Is(err, ErrStoreUnavailable) || errors.Is(err, ErrCredentialsUnopenable) ||
		errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &xe) && xe.Status == http.StatusTooManyRequests)
}

// withToken makes one write to X with who's credentials, fresh (call). X
// answering 401 to an OAuth 2.0 token that should be valid renews it once
// (forced refresh) and makes the write once more: a 401 means X did not act.
// A second 401 is returned for the caller to take the token for revoked, and
// so is tokens.ErrRevoked (the renewal found the grant dead). A token that
// cannot be made usable now (laterFailure) is errRequeue: X did not act.
// It returns the number of requests that reached X.
func (b *Batch) withToken(ctx context.Context, who *User, endpoint string, fn func(ctx context.Context, c signin.Credentials) (xapi.RateLimit, error)) (int, error) {
	if err := b.fresh(ctx, who); err != nil {
		return 0, retryLater(err)
	}
	call := func(ctx context.Context) (xapi.RateLimit, error) { return fn(ctx, who.Credentials) }
	n, err := b.call(ctx, endpoint, who.UID, call)
	var xe *xapi.Error
	if !b.refreshable(who.Credentials) || !errors.As(err, &xe) || !xe.Revoked() {
		return n, err
	}
	c, rerr := b.s.Tokens.Renew(ctx, b.log, who.UID, who.Credentials)
	if rerr != nil {
		b.remember(who, rerr)
		return n, retryLater(rerr)
	}
	b.log.Info().Str("uid", who.UID).Str("endpoint", endpoint).Msg("X answered 401 to an OAuth 2.0 token: renewed, the write is made once more")
	who.Credentials = c
	m, err := b.call(ctx, endpoint, who.UID, call)
	return n + m, err
}

// errRequeue: after the claim, the token could not be made usable for now
// (laterFailure), and X did not act (no request was made with it, or X
// answered 401). The action goes back to pending (requeue) rather than
// failing for good: a 401 is "not done", and a later delivery may succeed.
var errRequeue = errors.New("actions: the token cannot be used now: the action goes back to pending")

func retryLater(err error) error {
	if laterFailure(err) {
		return fmt.Errorf("%w: %w", errRequeue, err)
	}
	return err
}

// requeued is the outcome of an action that met errRequeue: pending again.
func requeued(n int, err error) outcome { return fromX(useritem.StatePending, ReasonOf(err), n, err) }

// requeue puts a claimed action back to pending (requeued), only while it
// is still sending: the write's image holds a pending action, so the stream
// delivers the user again; its claim, as any, makes one run the action.
func (b *Batch) requeue(ctx context.Context, uid string, a useritem.Action, o outcome) {
	ok, err := b.s.Requeue.Requeue(ctx, uid, a, useritem.StateSending, b.s.now())
	ev, msg := b.log.Warn(), "the token cannot be used now and X did not act: the action is pending again, for a later delivery"
	switch {
	case err != nil:
		ev, msg = b.log.Error().AnErr("requeue_error", err), "putting the action back to pending failed: it stays sending, and the sweep marks it unknown"
	case !ok:
		msg = "the action is not sending any more: not put back to pending"
	}
	ev.AnErr("cause", o.err).Str("uid", uid).Str("action", string(a)).Stringer("reason", o.reason).Int("x_calls", o.attempts).Msg(msg)
}
