package campaigns

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/twitter-sessions/twitter-sessions/shared/actions"
	"github.com/twitter-sessions/twitter-sessions/shared/tokens"
	"github.com/twitter-sessions/twitter-sessions/shared/useritem"
	"github.com/twitter-sessions/twitter-sessions/shared/xapi"
)

// Pacing after X's 429s: a 429 without a usable reset is taken for a window
// of assumedWindow, and the third 429 for one recipient pauses the campaign.
const (
	assumedWindow = time.Minute
	max429s       = 3
)

// one handles one recipient; it returns a stop, or "" to go on. The
// recipient is marked before the DM, which is one request: at most once.
func (r *run) one(ctx context.Context, rc Recipient) Stop {
	if reason := r.ineligible(rc); reason != "" {
		r.skip(rc.UID, reason)
		return ""
	}
	text := r.c.Text
	if r.s.Links != nil {
		text = r.s.Links.Footer(text, rc.UID)
	}
	for n429 := 1; ; n429++ {
		if stop := r.waitWindow(ctx); stop != "" {
			return stop
		}
		if stop := r.freshBrand(ctx); stop != "" {
			return stop
		}
		marked, err := r.s.Audience.MarkCampaign(ctx, rc.UID, r.c.ID, r.s.now())
		if err != nil {
			r.c.LastError = StopStoreUnavailable
			r.log.Error().Err(err).Str("uid", rc.UID).Msg("marking the recipient failed")
			return StopStoreUnavailable
		}
		if !marked { // unsubscribed, revoked, reconnect or marked since the scan
			r.skip(rc.UID, actions.ReasonNotEligibleAtMark)
			return ""
		}
		res, err := r.send(ctx, rc.UID, text)
		if stop, again := r.answered(ctx, rc.UID, res, err, n429); !again {
			return stop
		}
	}
}

// ineligible is why rc gets no DM, or "".
func (r *run) ineligible(rc Recipient) actions.Reason {
	switch {
	case rc.UID == r.s.BrandUID || rc.Brand:
		return actions.ReasonBrandAccount
	case !rc.Subscribed:
		return actions.ReasonUnsubscribed
	case rc.Revoked:
		return actions.ReasonRevoked
	case rc.Reconnect:
		// Their OAuth 2.0 grant is lost (a refresh whose answer never came,
		// or X refused it): they may have revoked the app.
		return actions.ReasonReconnect
	case rc.HasCampaign(r.c.ID):
		// Marked by a run that died before saving its cursor: X may or may
		// not have the DM; it is never sent again.
		return actions.ReasonAlreadyMarked
	}
	return ""
}

// answered counts X's answer to the DM to uid (the n429th try); again is
// true when the same recipient is to be tried again: X answered 429, before
// acting.
func (r *run) answered(ctx context.Context, uid string, res xapi.DMResult, err error, n429 int) (stop Stop, again bool) {
	var xe *xapi.Error
	var te *tokenError
	switch {
	case err == nil:
		r.rejectKey, r.rejectRun = "", 0
		r.count(&r.c.Sent, &r.run.Sent)
		r.log.Info().Str("uid", uid).Str("outcome", "sent").Str("dm_event_id", res.EventID).Msg("campaign DM")
		return "", false
	case errors.As(err, &te) && errors.Is(te.err, tokens.ErrRevoked):
		// X answered 401 to the DM, and then refused the brand's refresh
		// token: the brand revoked the app.
		return r.brandRevoked(ctx, uid), false
	case errors.As(err, &te):
		// X answered 401 to the DM, so it was not sent; the brand's token
		// could not be renewed (now, or ever: tokenStop says which).
		r.unmark(ctx, uid)
		return r.tokenStop(te.err), false
	case errors.Is(err, xapi.ErrNoOAuth1App):
		// Nothing was sent: the brand holds OAuth 1.0a tokens, which this
		// stage has no app to sign with. Every DM would end so.
		r.unmark(ctx, uid)
		return r.tokenStop(err), false
	case xapi.OutcomeUnknown(err):
		// X may have delivered it: the mark stays, it is never sent again.
		r.rejectKey, r.rejectRun = "", 0
		r.count(&r.c.Unknown, &r.run.Unknown)
		ev := r.log.Warn().Err(err).Str("uid", uid).Str("outcome", "unknown").Str("state", string(useritem.StateUnknown)).Stringer("reason", actions.ReasonOf(err))
		if errors.As(err, &xe) {
			ev = ev.Int("x_status", xe.Status)
		}
		ev.Msg("campaign DM")
		return "", false
	case !errors.As(err, &xe):
	case xe.UsageCapped():
		r.run.RateLimited++
		r.unmark(ctx, uid)
		r.c.Status, r.c.LastError = StatusUsageCapped, xe.Reason()
		r.log.Error().Str("hint", xe.OperatorHint()).Msg("X's usage cap reached: campaign stopped")
		return StopUsageCapped, false
	case xe.Status == http.StatusTooManyRequests:
		return r.rateLimited(ctx, uid, n429)
	case xe.Revoked():
		return r.brandRevoked(ctx, uid), false
	}
	// Refused (403: the recipient does not accept DMs) or malformed. The
	// mark stays: the campaign does not come back to the user.
	r.count(&r.c.Failed, &r.run.Failed)
	r.log.Warn().Err(err).Str("uid", uid).Str("outcome", "failed").Stringer("reason", actions.ReasonOf(err)).Msg("campaign DM")
	if errors.As(err, &xe) {
		return r.rejected(xe), false
	}
	return "", false
}

// rejected follows X's refusals of the DM (4xx) from one recipient to the
// next: the same refusal for RejectStreak recipients in a row is X refusing
// the text (or the brand's DMs), not each recipient, and stops the campaign
// before it marks the rest of the audience failed.
func (r *run) rejected(xe *xapi.Error) Stop {
	if xe.Status < 400 || xe.Status > 499 {
		r.rejectKey, r.rejectRun = "", 0
		return ""
	}
	key := fmt.Sprintf("%d|%d|%s|%s|%s", xe.Status, xe.Code, xe.Type, xe.Title, xe.Message)
	if key != r.rejectKey {
		r.rejectKey, r.rejectRun = key, 0
	}
	r.rejectRun++
	if r.rejectRun < r.s.rejectStreak(xe.Status) {
		return ""
	}
	r.c.Status, r.c.LastError = StatusTextRejected, StopXRejectsText
	r.log.Error().Int("x_status", xe.Status).Stringer("reason", xe.Reason()).Int("in_a_row", r.rejectRun).Str("x_message", xe.Message).
		Msg("X refused the campaign's DM the same way for this many recipients in a row: campaign stopped (X refuses the text, or the brand's DMs); fix it and send a new campaign, or run this one by id to try again")
	return StopXRejectsText
}

// brandRevoked stops the run once X refused the brand's token for good (a
// 401 to the DM that stands, or a renewal after it that found the grant
// dead): the DM to uid was not sent, and the brand is marked revoked.
func (r *run) brandRevoked(ctx context.Context, uid string) Stop {
	r.unmark(ctx, uid)
	if merr := r.s.Revoker.MarkRevoked(ctx, r.brand.UID, r.s.now()); merr != nil {
		r.log.Error().Err(merr).Msg("marking the brand revoked failed")
	}
	r.c.LastError = actions.ReasonBrandRevoked
	r.log.Error().Msg("the brand's token is revoked: campaign stopped until the brand signs in again")
	return StopBrandMissing
}

// rateLimited handles a 429 (the n429th for uid): not sent, as X refused
// before acting. Unmark, then wait for the window (the gate now knows its
// reset) and try the same recipient again, or pause the campaign.
func (r *run) rateLimited(ctx context.Context, uid string, n429 int) (Stop, bool) {
	s := r.s
	r.run.RateLimited++
	r.unmark(ctx, uid)
	if _, closed := s.Gate.ClosedUntil(r.key, s.now()); !closed {
		// A 429 without a usable reset: assume a short window rather than
		// calling again at once.
		s.Gate.Observe(r.key, xapi.RateLimit{Known: true, Remaining: 0, Reset: s.now().Add(assumedWindow)})
	}
	if n429 >= max429s {
		reset, _ := s.Gate.ClosedUntil(r.key, s.now())
		r.c.Status, r.c.ResumeAfter = StatusPausedRateLimited, reset
		return StopRateLimited, false
	}
	return "", true
}

// count adds one outcome to the campaign's and the run's count.
func (r *run) count(campaign, thisRun *int64) {
	*campaign++
	*thisRun++
	r.dirty++
}

func (r *run) skip(uid string, reason actions.Reason) {
	r.count(&r.c.Skipped, &r.run.Skipped)
	r.log.Debug().Str("uid", uid).Str("outcome", "skipped").Stringer("reason", reason).Msg("campaign DM")
}

func (r *run) unmark(ctx context.Context, uid string) {
	if err := r.s.Audience.UnmarkCampaign(ctx, uid, r.c.ID); err != nil {
		// The user stays marked: they will not get this campaign (at most once).
		r.log.Error().Err(err).Str("uid", uid).Msg("unmarking after a refused DM failed: the user will not get this campaign")
	}
}
