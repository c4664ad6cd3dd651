package actions

import (
	"context"
	"time"

	"github.com/rs/zerolog"

	"github.com/twitter-sessions/twitter-sessions/shared/logging"
	"github.com/twitter-sessions/twitter-sessions/shared/users"
)

// SweepRequest is the sweep's invocation, {"sweep":{}} (serverless.yml's
// schedule, every 15 minutes).
type SweepRequest struct{}

// SweepReport is the answer of a sweep.
type SweepReport struct {
	Sweep SweepCounts `json:"sweep"`
}

// SweepCounts are what one sweep found and did.
type SweepCounts struct {
	Scanned int `json:"scanned"` // user items read
	Sending int `json:"sending"` // actions found in sending
	Stuck   int `json:"stuck"`   // of those, claimed more than StaleSending ago
	// Marked: moved to unknown by this sweep. A stuck action not marked was
	// recorded by its run, or marked by another sweep, since the scan.
	Marked int `json:"marked"`
	// Complete: the scan reached the end of the table. False when the
	// invocation's time ran out or DynamoDB failed; the next sweep starts over.
	Complete bool `json:"complete"`
}

// HandleSweep finds the actions left in sending by a run that died between
// X's answer and the record, and marks those claimed more than StaleSending
// ago unknown: never sent again (at most once), visible in the table, and
// one warning line each with "state":"unknown" for the metric filter. It
// stops Margin before the deadline, and is safe to run concurrently with
// itself and with the stream path (each mark is conditional on the claim
// read). One summary line.
func (h *Handler) HandleSweep(ctx context.Context) (SweepReport, error) {
	log := logging.ForInvocation(ctx, h.Log)
	var c SweepCounts
	err := h.sweep(ctx, log, &c)
	ev := log.Info()
	switch {
	case err != nil:
		ev = log.Error().Err(err)
	case !c.Complete:
		ev = log.Warn().Dur("left", h.left(ctx))
	}
	ev.Int("scanned", c.Scanned).Int("sending", c.Sending).Int("stuck", c.Stuck).Int("marked", c.Marked).
		Bool("complete", c.Complete).Msg("sweep")
	return SweepReport{Sweep: c}, err
}

func (h *Handler) sweep(ctx context.Context, log zerolog.Logger, c *SweepCounts) error {
	after := ""
	for {
		if h.left(ctx) < h.margin() {
			return nil
		}
		page, err := h.Users.ScanSending(ctx, after, h.pageSize())
		if err != nil {
			return err
		}
		c.Scanned += page.Scanned
		for _, a := range page.Actions {
			if h.left(ctx) < h.margin() {
				return nil
			}
			c.Sending++
			if !h.stale(a.ClaimedAt) {
				continue // its run may still be waiting for X
			}
			c.Stuck++
			marked, err := h.markStuck(ctx, log, a)
			if err != nil {
				return err
			}
			if marked {
				c.Marked++
			}
		}
		if page.Next == "" {
			c.Complete = true
			return nil
		}
		after = page.Next
	}
}

// stale reports a claim older than StaleSending. A run claims within its
// invocation, which Lambda ends within 15 minutes (the function's timeout),
// so no live run holds such a claim any more.
func (h *Handler) stale(claimedAt time.Time) bool { return h.now().Sub(claimedAt) > StaleSending }

// stuck lists u's actions left in sending by a run that is over.
func (h *Handler) stuck(u users.ActionUser) []users.SendingAction {
	var out []users.SendingAction
	for _, a := range u.Sending() {
		if at := u.Actions[a].ClaimedAt; h.stale(at) {
			out = append(out, users.SendingAction{UID: u.UID, Action: a, ClaimedAt: at})
		}
	}
	return out
}

// markStuck marks a stuck action unknown and logs it, once: false, and no
// line, when a run recorded it or another sweep marked it since it was read.
func (h *Handler) markStuck(ctx context.Context, log zerolog.Logger, a users.SendingAction) (bool, error) {
	marked, err := h.Users.MarkUnknown(ctx, a, ReasonStuck, h.now())
	if err != nil || !marked {
		return false, err
	}
	log.Warn().Str("uid", a.UID).Str("action", string(a.Action)).Time("claimed_at", a.ClaimedAt).
		Str("state", string(users.StateUnknown)).Str("reason", ReasonStuck).
		Msg("stuck action marked unknown: a run died between claiming it and recording X's answer; X may or may not have acted. Not retried (at-most-once): check X")
	return true, nil
}

// markStuck marks the stuck actions the stream path came across. A failure
// is logged; the sweep tries again.
func (r *streamRun) markStuck(ctx context.Context, stuck []users.SendingAction) {
	for _, a := range stuck {
		if _, err := r.h.markStuck(ctx, r.log, a); err != nil {
			r.log.Error().Err(err).Str("uid", a.UID).Str("action", string(a.Action)).
				Msg("marking a stuck action unknown failed: the sweep tries again")
		}
	}
}
