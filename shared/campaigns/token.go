package campaigns

import (
	"context"
	"errors"
	"net/http"

	"github.com/twitter-sessions/twitter-sessions/shared/actions"
	"github.com/twitter-sessions/twitter-sessions/shared/tokens"
	"github.com/twitter-sessions/twitter-sessions/shared/xapi"
)

// freshBrand makes the brand's token usable for the next DM: a no-op
// unless its OAuth 2.0 token expires within a minute (a campaign runs for
// days; its token lives two hours). It returns a stop when it cannot.
func (r *run) freshBrand(ctx context.Context) Stop {
	if r.s.Tokens == nil || !r.brand.Credentials.OAuth2() {
		return ""
	}
	c, err := r.s.Tokens.Fresh(ctx, r.log, r.brand.UID, r.brand.Credentials)
	if err != nil {
		return r.tokenStop(err)
	}
	r.brand.Credentials = c
	return ""
}

// tokenError is a failure to renew the brand's token after X answered 401
// to a DM: not the DM's outcome.
type tokenError struct{ err error }

func (e *tokenError) Error() string { return "renewing the brand's token: " + e.err.Error() }
func (e *tokenError) Unwrap() error { return e.err }

// send sends one DM with one request, whatever X answers: after a 5xx or no
// answer X may have delivered it (xapi.OutcomeUnknown), and a 429 is waited
// for by the caller, which unmarks and marks again around it. A 401 to the
// brand's OAuth 2.0 token renews it once and sends once more (a 401 means X
// did not act); a failed renewal is a *tokenError.
func (r *run) send(ctx context.Context, uid, text string) (xapi.DMResult, error) {
	res, err := r.sendOnce(ctx, uid, text)
	var xe *xapi.Error
	if r.s.Tokens == nil || !r.brand.Credentials.OAuth2() || !errors.As(err, &xe) || !xe.Revoked() {
		return res, err
	}
	c, rerr := r.s.Tokens.Renew(ctx, r.log, r.brand.UID, r.brand.Credentials)
	if rerr != nil {
		return res, &tokenError{rerr}
	}
	r.log.Info().Str("uid", uid).Msg("X answered 401 to the brand's OAuth 2.0 token: renewed, the DM is sent once more")
	r.brand.Credentials = c
	return r.sendOnce(ctx, uid, text)
}

func (r *run) sendOnce(ctx context.Context, uid, text string) (xapi.DMResult, error) {
	res, err := r.s.X.SendDM(ctx, r.brand.Credentials, uid, text)
	r.run.XCalls++
	r.s.Gate.Observe(r.key, xapi.LimitOf(res.Limit, err))
	return res, err
}

// tokenStop is the stop of a run whose brand token could not be made
// usable, with the campaign's status and last_error set: paused until the
// brand signs in again when its grant is lost, paused until the window's
// reset when X's token endpoint answered 429; otherwise the status stays
// and the next run resumes.
func (r *run) tokenStop(err error) Stop {
	now := r.s.now()
	var xe *xapi.Error
	switch {
	case errors.Is(err, tokens.ErrReconnect):
		r.c.Status, r.c.LastError = StatusBrandReconnect, actions.ReasonReconnect
		r.log.Error().Msg("the brand's OAuth 2.0 grant is lost (marked reconnect): campaign paused until the brand signs in again")
		return StopBrandReconnect
	case errors.As(err, &xe) && xe.Status == http.StatusTooManyRequests && !xe.UsageCapped():
		reset := xe.Limit.Reset
		if !reset.After(now) {
			reset = now.Add(assumedWindow)
		}
		r.c.Status, r.c.ResumeAfter, r.c.LastError = StatusPausedRateLimited, reset, xe.Reason()
		return StopRateLimited
	case errors.Is(err, actions.ErrStoreUnavailable):
		r.c.LastError = StopStoreUnavailable
		r.log.Error().Err(err).Msg("reading or writing the brand's token failed")
		return StopStoreUnavailable
	case errors.Is(err, actions.ErrCredentialsUnopenable):
		r.c.LastError = StopBrandUnopenable
		r.log.Error().Err(err).Msg("the brand's refreshed credentials cannot be opened: campaign stopped; the next run resumes")
		return StopBrandUnopenable
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return StopDeadline
	case errors.Is(err, tokens.ErrBusy):
		r.c.LastError = StopBrandToken
		r.log.Warn().Msg("another invocation is refreshing the brand's token: campaign stopped; the next run resumes")
		return StopBrandToken
	}
	r.c.LastError = actions.ReasonOf(err)
	ev := r.log.Error().Err(err).Stringer("reason", r.c.LastError)
	if xe != nil {
		ev = ev.Str("hint", xe.OperatorHint())
	}
	ev.Msg("the brand's token cannot be used now: campaign stopped; the next run resumes")
	return StopBrandToken
}
