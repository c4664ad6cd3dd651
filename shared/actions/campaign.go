package actions

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"sort"
	"time"

	"github.com/rs/zerolog"

	"github.com/twitter-sessions/twitter-sessions/shared/campaigns"
	"github.com/twitter-sessions/twitter-sessions/shared/logging"
	"github.com/twitter-sessions/twitter-sessions/shared/users"
	"github.com/twitter-sessions/twitter-sessions/shared/xapi"
)

// Why a campaign run ended (CampaignRun.Stopped).
const (
	StopDone             = "done"                         // every subscriber handled
	StopDeadline         = "deadline"                     // the invocation's time is up; run again (or let the schedule) to continue
	StopRateLimited      = "rate_limited"                 // X's DM window is used up beyond this invocation's time
	StopWaiting          = "waiting"                      // paused until resume_after: nothing to do yet
	StopUsageCapped      = "usage_capped"                 // X's usage cap: raise it, then run the campaign by id
	StopBrandMissing     = "brand_not_connected"          // the brand has not signed in, or revoked the app
	StopBrandUnopenable  = "brand_credentials_unopenable" // the brand's tokens do not open (a key this function lacks): the next run resumes
	StopBusy             = "busy"                         // another run holds the campaign
	StopLeaseLost        = "lease_lost"                   // another run took over (this one overran its lease)
	StopStoreFailed      = "store_unavailable"            // DynamoDB failed; progress so far is saved
	StopCapNeedsOperator = "usage_capped_skipped"         // the schedule does not retry a usage-capped campaign
)

// CampaignReport is the answer of a campaign invocation.
type CampaignReport struct {
	Campaigns []CampaignRun `json:"campaigns"`
}

// CampaignRun is one campaign's state after a run, and what the run did.
type CampaignRun struct {
	ID          string           `json:"id"`
	Status      campaigns.Status `json:"status"`
	Stopped     string           `json:"stopped"`
	Sent        int64            `json:"sent"`
	Skipped     int64            `json:"skipped"`
	Failed      int64            `json:"failed"`
	Unknown     int64            `json:"unknown"`
	Cursor      string           `json:"cursor,omitempty"`
	ResumeAfter *time.Time       `json:"resume_after,omitempty"`
	LastError   string           `json:"last_error,omitempty"`
	Run         RunCounts        `json:"this_run"`
}

// RunCounts are what one run did.
type RunCounts struct {
	Sent        int64         `json:"sent"`
	Skipped     int64         `json:"skipped"`
	Failed      int64         `json:"failed"`
	Unknown     int64         `json:"unknown"` // X answered 5xx or not at all: maybe delivered, never sent again
	XCalls      int64         `json:"x_calls"`
	RateLimited int64         `json:"x_429s"`
	Waited      time.Duration `json:"waited_ns"`
	Elapsed     time.Duration `json:"elapsed_ns"`
}

// Campaign errors returned to the invoker.
var (
	ErrNoCampaignsTable = errors.New("actions: CAMPAIGNS_TABLE is not configured")
	ErrBadCampaign      = errors.New(`actions: a campaign invocation is {"campaign":{"id":"...","text":"..."}}, {"campaign":{"id":"..."}} or {"campaign":{"resume":true}}`)
)

// HandleCampaign runs one campaign (creating it when the text is given) or,
// with resume, every campaign that is not done, within the invocation's time.
func (h *Handler) HandleCampaign(ctx context.Context, req CampaignRequest) (CampaignReport, error) {
	h.init()
	log := logging.ForInvocation(ctx, h.Log)
	var rep CampaignReport
	if h.Campaigns == nil {
		return rep, ErrNoCampaignsTable
	}
	switch {
	case req.Resume && req.ID == "" && req.Text == "":
		list, err := h.Campaigns.Unfinished(ctx)
		if err != nil {
			return rep, err
		}
		sort.Slice(list, func(i, j int) bool { return list[i].CreatedAt.Before(list[j].CreatedAt) })
		for _, c := range list {
			switch {
			case c.Status == campaigns.StatusUsageCapped:
				rep.Campaigns = append(rep.Campaigns, summary(c, StopCapNeedsOperator, RunCounts{}))
				continue
			case c.Status == campaigns.StatusPausedRateLimited && c.ResumeAfter.After(h.now()):
				rep.Campaigns = append(rep.Campaigns, summary(c, StopWaiting, RunCounts{}))
				continue
			case h.left(ctx) < 2*h.margin():
				rep.Campaigns = append(rep.Campaigns, summary(c, StopDeadline, RunCounts{}))
				continue
			}
			rep.Campaigns = append(rep.Campaigns, h.runCampaign(ctx, log, c.ID))
		}
		return rep, nil
	case req.ID != "" && !req.Resume:
		if req.Text != "" {
			c, created, err := h.Campaigns.Create(ctx, req.ID, req.Text, h.now())
			if err != nil {
				return rep, err
			}
			if created {
				log.Info().Str("campaign", c.ID).Int("text_chars", len([]rune(c.Text))).Msg("campaign created")
			}
		} else if _, err := h.Campaigns.Get(ctx, req.ID); err != nil {
			return rep, fmt.Errorf("%w (give its text to create it)", err)
		}
		rep.Campaigns = append(rep.Campaigns, h.runCampaign(ctx, log, req.ID))
		return rep, nil
	}
	return rep, ErrBadCampaign
}

func summary(c campaigns.Campaign, stopped string, run RunCounts) CampaignRun {
	r := CampaignRun{ID: c.ID, Status: c.Status, Stopped: stopped, Sent: c.Sent, Skipped: c.Skipped, Failed: c.Failed,
		Unknown: c.Unknown, Cursor: c.Cursor, LastError: c.LastError, Run: run}
	if !c.ResumeAfter.IsZero() {
		t := c.ResumeAfter
		r.ResumeAfter = &t
	}
	return r
}

// campaignRun is one run of one campaign, holding its lease.
type campaignRun struct {
	h     *Handler
	log   zerolog.Logger
	c     campaigns.Campaign
	owner string
	brand users.ActionUser
	key   string // the brand's DM window in the gate
	run   RunCounts
	start time.Time
	dirty int       // outcomes not yet saved
	saved time.Time // last save
}

func newOwner() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x", b)
}

// runCampaign sends the campaign to as many subscribers as X's window and the
// invocation's time allow, saving the cursor and counts as it goes.
func (h *Handler) runCampaign(ctx context.Context, log zerolog.Logger, id string) CampaignRun {
	now := h.now()
	until := now.Add(time.Hour)
	if dl, ok := ctx.Deadline(); ok {
		until = dl.Add(h.margin())
	}
	r := &campaignRun{h: h, log: log.With().Str("campaign", id).Logger(), owner: newOwner(), start: now, saved: now}
	c, err := h.Campaigns.Acquire(ctx, id, r.owner, now, until)
	switch {
	case errors.Is(err, campaigns.ErrBusy):
		c, _ = h.Campaigns.Get(ctx, id)
		return r.report(c, StopBusy)
	case err != nil:
		r.log.Error().Err(err).Msg("campaign not started")
		return r.report(campaigns.Campaign{ID: id, LastError: err.Error()}, StopStoreFailed)
	}
	r.c = c
	if c.Status == campaigns.StatusDone {
		return r.finish(ctx, StopDone)
	}
	brand, err := h.Users.GetActionUser(ctx, h.BrandUID)
	if err != nil && !errors.Is(err, users.ErrNotFound) {
		r.c.LastError = reasonOf(err)
		return r.finish(ctx, StopStoreFailed)
	}
	if err == nil && !brand.Revoked && brand.CredentialsUnopenable() {
		// Not "not connected": the brand is, and a later run (with the key)
		// can send. The status stays, so the schedule or a run by id resumes.
		r.c.LastError = StopBrandUnopenable
		r.log.Error().Err(brand.CredentialsErr).Msg("the brand's credentials cannot be opened: campaign stopped, nothing sent; the next run resumes")
		return r.finish(ctx, StopBrandUnopenable)
	}
	if err != nil || brand.Revoked || !brand.HasCredentials() {
		r.c.LastError = StopBrandMissing
		return r.finish(ctx, StopBrandMissing)
	}
	r.brand, r.key = brand, gateKey(xapi.StepDM, brand.UID)
	if c.Status == campaigns.StatusPausedRateLimited && c.ResumeAfter.After(now) {
		// A fresh sandbox has not seen X's answers: start from what the last
		// run learnt rather than paying for a 429.
		h.gates.observe(r.key, xapi.RateLimit{Known: true, Remaining: 0, Reset: c.ResumeAfter})
	}
	r.c.Status, r.c.ResumeAfter, r.c.LastError = campaigns.StatusRunning, time.Time{}, ""
	return r.finish(ctx, r.loop(ctx))
}

// loop walks the subscribers from the cursor; it returns why it stopped.
func (r *campaignRun) loop(ctx context.Context) string {
	h := r.h
	for {
		page, more, err := h.Users.ScanRecipients(ctx, r.c.Cursor, h.pageSize())
		if err != nil {
			r.c.LastError = "store_unavailable"
			r.log.Error().Err(err).Msg("scanning subscribers failed")
			return StopStoreFailed
		}
		for _, rc := range page {
			if stop := r.one(ctx, rc); stop != "" {
				return stop
			}
			r.c.Cursor = rc.UID
			if r.dirty >= 25 || (r.dirty > 0 && h.now().Sub(r.saved) > 5*time.Second) {
				if stop := r.save(ctx); stop != "" {
					return stop
				}
			}
		}
		if !more {
			r.c.Status = campaigns.StatusDone
			return StopDone
		}
	}
}

// one handles one recipient; it returns a stop reason, or "" to go on.
func (r *campaignRun) one(ctx context.Context, rc users.Recipient) string {
	h := r.h
	switch {
	case rc.UID == h.BrandUID || rc.Brand:
		r.skip(rc.UID, ReasonBrandSelf)
		return ""
	case !rc.Subscribed:
		r.skip(rc.UID, ReasonUnsubscribed)
		return ""
	case rc.Revoked:
		r.skip(rc.UID, ReasonRevoked)
		return ""
	case rc.HasCampaign(r.c.ID):
		// Marked by a run that died before saving its cursor: X may or may
		// not have the DM; it is never sent again.
		r.skip(rc.UID, "already_marked")
		return ""
	}
	text := r.c.Text
	if h.Links != nil {
		text = h.Links.Footer(text, rc.UID)
	}
	for tries429 := 0; ; {
		if stop := r.waitWindow(ctx); stop != "" {
			return stop
		}
		marked, err := h.Users.MarkCampaign(ctx, rc.UID, r.c.ID, h.now())
		if err != nil {
			r.c.LastError = "store_unavailable"
			r.log.Error().Err(err).Str("uid", rc.UID).Msg("marking the recipient failed")
			return StopStoreFailed
		}
		if !marked { // unsubscribed, revoked or marked since the scan
			r.skip(rc.UID, "not_eligible_at_mark")
			return ""
		}
		res, err := r.send(ctx, rc.UID, text)
		var xe *xapi.Error
		switch {
		case err == nil:
			r.c.Sent++
			r.run.Sent++
			r.dirty++
			r.log.Info().Str("uid", rc.UID).Str("outcome", "sent").Str("dm_event_id", res.EventID).Msg("campaign DM")
			return ""
		case xapi.OutcomeUnknown(err):
			// X may have delivered it: the mark stays, it is never sent again.
			r.c.Unknown++
			r.run.Unknown++
			r.dirty++
			ev := r.log.Warn().Err(err).Str("uid", rc.UID).Str("outcome", "unknown").Str("state", string(users.StateUnknown)).Str("reason", reasonOf(err))
			if errors.As(err, &xe) {
				ev = ev.Int("x_status", xe.Status)
			}
			ev.Msg("campaign DM")
			return ""
		case errors.As(err, &xe) && xe.UsageCapped():
			r.run.RateLimited++
			r.unmark(ctx, rc.UID)
			r.c.Status, r.c.LastError = campaigns.StatusUsageCapped, xe.Reason()
			r.log.Error().Str("hint", xe.OperatorHint()).Msg("X's usage cap reached: campaign stopped")
			return StopUsageCapped
		case errors.As(err, &xe) && xe.Status == http.StatusTooManyRequests:
			// Not sent: X refused before acting. Unmark, wait for the window
			// (the gate now knows its reset) and try the same recipient again.
			r.run.RateLimited++
			r.unmark(ctx, rc.UID)
			if _, closed := h.gates.closedUntil(r.key, h.now()); !closed {
				// A 429 without a usable reset: assume a short window rather
				// than calling again at once.
				h.gates.observe(r.key, xapi.RateLimit{Known: true, Remaining: 0, Reset: h.now().Add(time.Minute)})
			}
			if tries429++; tries429 >= 3 {
				reset, _ := h.gates.closedUntil(r.key, h.now())
				r.c.Status, r.c.ResumeAfter = campaigns.StatusPausedRateLimited, reset
				return StopRateLimited
			}
			continue
		case errors.As(err, &xe) && xe.Revoked():
			r.unmark(ctx, rc.UID)
			if merr := h.Users.MarkRevoked(ctx, r.brand.UID, h.now()); merr != nil {
				r.log.Error().Err(merr).Msg("marking the brand revoked failed")
			}
			r.c.LastError = "brand_revoked"
			r.log.Error().Msg("the brand's token is revoked: campaign stopped until the brand signs in again")
			return StopBrandMissing
		}
		// Refused (403: the recipient does not accept DMs) or malformed. The
		// mark stays: the campaign does not come back to the user.
		r.c.Failed++
		r.run.Failed++
		r.dirty++
		r.log.Warn().Err(err).Str("uid", rc.UID).Str("outcome", "failed").Str("reason", reasonOf(err)).Msg("campaign DM")
		return ""
	}
}

// waitWindow waits for the brand's DM window when X said it is used up, or,
// when its reset is beyond this invocation's time, pauses the campaign.
func (r *campaignRun) waitWindow(ctx context.Context) string {
	h := r.h
	for {
		if h.left(ctx) < h.margin() {
			return StopDeadline
		}
		reset, closed := h.gates.closedUntil(r.key, h.now())
		if !closed {
			return ""
		}
		d := waitFor(reset, h.now())
		if d+h.margin() > h.left(ctx) {
			r.c.Status, r.c.ResumeAfter = campaigns.StatusPausedRateLimited, reset
			return StopRateLimited
		}
		if r.dirty > 0 { // progress is visible while the run waits
			if stop := r.save(ctx); stop != "" {
				return stop
			}
		}
		r.log.Debug().Dur("wait", d).Msg("DM window used up: waiting for its reset")
		if err := h.sleep(ctx, d); err != nil {
			return StopDeadline
		}
		r.run.Waited += d
	}
}

// send sends one DM with one request, whatever X answers: after a 5xx or no
// answer X may have delivered it (xapi.OutcomeUnknown), and a 429 is waited
// for by the caller, which unmarks and marks again around it.
func (r *campaignRun) send(ctx context.Context, uid, text string) (xapi.DMResult, error) {
	res, err := r.h.X.SendDM(ctx, r.brand.Credentials, uid, text)
	r.run.XCalls++
	r.h.gates.observe(r.key, limitOf(res.Limit, err))
	return res, err
}

func (r *campaignRun) skip(uid, reason string) {
	r.c.Skipped++
	r.run.Skipped++
	r.dirty++
	r.log.Debug().Str("uid", uid).Str("outcome", "skipped").Str("reason", reason).Msg("campaign DM")
}

func (r *campaignRun) unmark(ctx context.Context, uid string) {
	if err := r.h.Users.UnmarkCampaign(ctx, uid, r.c.ID); err != nil {
		// The user stays marked: they will not get this campaign (at most once).
		r.log.Error().Err(err).Str("uid", uid).Msg("unmarking after a refused DM failed: the user will not get this campaign")
	}
}

// save writes the progress, keeping the lease.
func (r *campaignRun) save(ctx context.Context) string {
	if err := r.h.Campaigns.Save(ctx, r.c, r.owner, r.h.now(), false); err != nil {
		return r.saveErr(err)
	}
	r.dirty, r.saved = 0, r.h.now()
	return ""
}

func (r *campaignRun) saveErr(err error) string {
	if errors.Is(err, campaigns.ErrLeaseLost) {
		r.log.Error().Msg("another run took the campaign over: stopping")
		return StopLeaseLost
	}
	r.log.Error().Err(err).Msg("saving the campaign's progress failed")
	return StopStoreFailed
}

// finish saves the progress, releases the lease and reports.
func (r *campaignRun) finish(ctx context.Context, stopped string) CampaignRun {
	// A fresh context: the invocation's may be at its deadline, and losing
	// the progress would only cost a rescan (the marks keep "never twice").
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if stopped != StopLeaseLost {
		if err := r.h.Campaigns.Save(sctx, r.c, r.owner, r.h.now(), true); err != nil && stopped != StopStoreFailed {
			stopped = r.saveErr(err)
		}
	}
	return r.report(r.c, stopped)
}

func (r *campaignRun) report(c campaigns.Campaign, stopped string) CampaignRun {
	r.run.Elapsed = r.h.now().Sub(r.start)
	out := summary(c, stopped, r.run)
	r.log.Info().Str("status", string(c.Status)).Str("stopped", stopped).
		Int64("sent", c.Sent).Int64("skipped", c.Skipped).Int64("failed", c.Failed).Int64("unknown", c.Unknown).
		Int64("run_sent", r.run.Sent).Int64("run_skipped", r.run.Skipped).Int64("run_failed", r.run.Failed).Int64("run_unknown", r.run.Unknown).
		Int64("x_calls", r.run.XCalls).Int64("x_429s", r.run.RateLimited).Dur("waited", r.run.Waited).Dur("elapsed", r.run.Elapsed).
		Str("cursor", c.Cursor).Msg("campaign run")
	return out
}
