package campaigns

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/twitter-sessions/twitter-sessions/shared/actions"
	"github.com/twitter-sessions/twitter-sessions/shared/metrics"
	"github.com/twitter-sessions/twitter-sessions/shared/tokens"
	"github.com/twitter-sessions/twitter-sessions/shared/xapi"
)

// How a run saves its progress: after this many outcomes or this long, and,
// at the end, within saveTimeout of a context of its own.
const (
	saveEvery   = 25
	saveAfter   = 5 * time.Second
	saveTimeout = 5 * time.Second
)

// run is one run of one campaign, holding its lease.
type run struct {
	s     *Service
	log   zerolog.Logger
	c     Campaign
	owner string
	brand actions.User
	key   string // the brand's DM window in the gate
	run   RunCounts
	start time.Time
	dirty int       // outcomes not yet saved
	saved time.Time // last save
	// left estimates the users still to go after the run, when known
	// (leftKnown): see estimateLeft.
	left      int64
	leftKnown bool
	// rejectKey is X's last refusal of a DM (status, code, type, message),
	// rejectRun how many recipients in a row got it.
	rejectKey string
	rejectRun int
}

func newOwner() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x", b)
}

// runOne sends the campaign to as many subscribers as X's window and the
// invocation's time allow, saving the cursor and counts as it goes.
func (s *Service) runOne(ctx context.Context, log zerolog.Logger, id string) Result {
	now := s.now()
	until := now.Add(time.Hour)
	if dl, ok := ctx.Deadline(); ok {
		until = dl.Add(s.Margin)
	}
	r := &run{s: s, log: log.With().Str("campaign", id).Logger(), owner: newOwner(), start: now, saved: now}
	c, err := s.Leases.Acquire(ctx, id, r.owner, now, until)
	switch {
	case errors.Is(err, ErrBusy):
		c, _ = s.Catalog.Get(ctx, id)
		return r.report(c, StopBusy)
	case err != nil:
		r.log.Error().Err(err).Msg("campaign not started")
		// The campaign was not read: its answer carries the store's error
		// as is, which is text, not a reason.
		res := r.report(Campaign{ID: id}, StopStoreUnavailable)
		res.LastError = err.Error()
		return res
	}
	r.c = c
	if c.Status == StatusDone {
		return r.finish(ctx, StopDone)
	}
	if err := s.checkText(c.Text); err != nil {
		// A campaign created before its text was checked: X would refuse
		// every DM of it.
		r.log.Error().Err(err).Msg("X refuses this text: campaign stopped, nothing sent")
		r.c.Status, r.c.LastError = StatusTextRejected, StopXRejectsText
		return r.finish(ctx, StopXRejectsText)
	}
	if stop := r.loadBrand(ctx); stop != "" {
		return r.finish(ctx, stop)
	}
	if c.Status == StatusPausedRateLimited && c.ResumeAfter.After(now) {
		// A fresh sandbox has not seen X's answers: start from what the last
		// run learnt rather than paying for a 429.
		s.Gate.Observe(r.key, xapi.RateLimit{Known: true, Remaining: 0, Reset: c.ResumeAfter})
	}
	r.c.Status, r.c.ResumeAfter, r.c.LastError = StatusRunning, time.Time{}, ""
	return r.finish(ctx, r.loop(ctx))
}

// loadBrand reads the brand, whose token sends the DMs, and makes its
// token usable. When the brand cannot send, it returns the stop, with the
// campaign's last_error (and status) set.
func (r *run) loadBrand(ctx context.Context) Stop {
	brand, err := r.s.Users.GetActionUser(ctx, r.s.BrandUID)
	switch {
	case err != nil && !errors.Is(err, actions.ErrNotFound):
		r.c.LastError = actions.ReasonOf(err)
		return StopStoreUnavailable
	case err == nil && !brand.Revoked && brand.CredentialsUnopenable():
		// Not "not connected": the brand is, and a later run (with the key)
		// can send. The status stays, so the schedule or a run by id resumes.
		r.log.Error().Err(brand.CredentialsErr).Msg("the brand's credentials cannot be opened: campaign stopped, nothing sent; the next run resumes")
		r.c.LastError = StopBrandUnopenable
		return StopBrandUnopenable
	case err == nil && !brand.Revoked && brand.Reconnect:
		return r.tokenStop(tokens.ErrReconnect)
	case err != nil || brand.Revoked || !brand.HasCredentials():
		r.c.LastError = StopBrandMissing
		return StopBrandMissing
	}
	r.brand, r.key = brand, xapi.GateKey(xapi.StepDM, brand.UID)
	return r.freshBrand(ctx)
}

// loop walks the subscribers from the cursor; it returns why it stopped.
func (r *run) loop(ctx context.Context) Stop {
	s := r.s
	for {
		page, more, err := s.Audience.ScanRecipients(ctx, r.c.Cursor, s.PageSize)
		if err != nil {
			r.c.LastError = StopStoreUnavailable
			r.log.Error().Err(err).Msg("scanning subscribers failed")
			return StopStoreUnavailable
		}
		for _, rc := range page {
			if stop := r.one(ctx, rc); stop != "" {
				return stop
			}
			r.c.Cursor = rc.UID
			if r.dirty >= saveEvery || (r.dirty > 0 && s.now().Sub(r.saved) > saveAfter) {
				if stop := r.save(ctx); stop != "" {
					return stop
				}
			}
		}
		if !more {
			r.c.Status = StatusDone
			return StopDone
		}
	}
}

// waitWindow waits for the brand's DM window when X said it is used up, or,
// when its reset is beyond this invocation's time, pauses the campaign.
func (r *run) waitWindow(ctx context.Context) Stop {
	s := r.s
	for {
		if actions.TimeLeft(ctx) < s.Margin {
			return StopDeadline
		}
		reset, closed := s.Gate.ClosedUntil(r.key, s.now())
		if !closed {
			return ""
		}
		d := xapi.WaitFor(reset, s.now())
		if d+s.Margin > actions.TimeLeft(ctx) {
			r.c.Status, r.c.ResumeAfter = StatusPausedRateLimited, reset
			return StopRateLimited
		}
		if r.dirty > 0 { // progress is visible while the run waits
			if stop := r.save(ctx); stop != "" {
				return stop
			}
		}
		r.log.Debug().Dur("wait", d).Msg("DM window used up: waiting for its reset")
		if err := s.sleep(ctx, d); err != nil {
			return StopDeadline
		}
		r.run.Waited += d
	}
}

// save writes the progress, keeping the lease.
func (r *run) save(ctx context.Context) Stop {
	if err := r.s.Leases.Save(ctx, r.c, r.owner, r.s.now(), false); err != nil {
		return r.saveErr(err)
	}
	r.dirty, r.saved = 0, r.s.now()
	return ""
}

func (r *run) saveErr(err error) Stop {
	if errors.Is(err, ErrLeaseLost) {
		r.log.Error().Msg("another run took the campaign over: stopping")
		return StopLeaseLost
	}
	r.log.Error().Err(err).Msg("saving the campaign's progress failed")
	return StopStoreUnavailable
}

// finish saves the progress, releases the lease and reports.
func (r *run) finish(ctx context.Context, stopped Stop) Result {
	// A fresh context: the invocation's may be at its deadline, and losing
	// the progress would only cost a rescan (the marks keep "never twice").
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), saveTimeout)
	defer cancel()
	if stopped != StopLeaseLost {
		if err := r.s.Leases.Save(sctx, r.c, r.owner, r.s.now(), true); err != nil && stopped != StopStoreUnavailable {
			stopped = r.saveErr(err)
		}
	}
	r.estimateLeft(sctx)
	return r.report(r.c, stopped)
}

// estimateLeft sets what the campaign has still to go: nothing once it is
// done, else the users table's approximate item count less the users the
// campaign handled so far. One DescribeTable per run, at its end, never a
// Scan: the count is DynamoDB's, refreshed about every six hours, and counts
// the brand and the unsubscribed too, so this is an estimate. Without the
// count the run's line goes without it; the run itself is not affected.
func (r *run) estimateLeft(ctx context.Context) {
	switch {
	case r.c.Status == StatusDone:
		r.left, r.leftKnown = 0, true
		return
	case r.s.Count == nil:
		return
	}
	n, err := r.s.Count.ApproxUsers(ctx)
	if err != nil {
		r.log.Warn().Err(err).Msg("the users table's item count is unknown: this run publishes no CampaignRemaining")
		return
	}
	r.left, r.leftKnown = max(0, n-r.c.Handled()), true
}

func (r *run) report(c Campaign, stopped Stop) Result {
	r.run.Elapsed = r.s.now().Sub(r.start)
	out := summary(c, stopped, r.run)
	ev := r.log.Info().Str("status", string(c.Status)).Stringer("stopped", stopped).
		Int64("sent", c.Sent).Int64("skipped", c.Skipped).Int64("failed", c.Failed).Int64("unknown", c.Unknown).
		Int64("run_sent", r.run.Sent).Int64("run_skipped", r.run.Skipped).Int64("run_failed", r.run.Failed).Int64("run_unknown", r.run.Unknown).
		Int64("x_calls", r.run.XCalls).Int64("x_429s", r.run.RateLimited).Dur("waited", r.run.Waited).Dur("elapsed", r.run.Elapsed).
		Str("cursor", c.Cursor)
	r.s.Metrics.CampaignRun(ev, metrics.CampaignRun{Stopped: stopped, Sent: r.run.Sent, Skipped: r.run.Skipped,
		Failed: r.run.Failed, Unknown: r.run.Unknown, Unfinished: c.Status != StatusDone,
		Remaining: r.left, RemainingKnown: r.leftKnown}).Msg("campaign run")
	return out
}
