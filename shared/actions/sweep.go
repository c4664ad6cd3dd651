package actions

import (
	"context"
	"time"

	"github.com/rs/zerolog"
	"github.com/twitter-sessions/twitter-sessions/shared/useritem"
)

// SweepReport is the answer of a sweep ({"sweep":{}}).
type SweepReport struct {
	Sweep SweepCounts `json:"sweep"`
}

// SweepCounts are what one sweep found and did.
type SweepCounts struct {
	Scanned int `json:"scanned"` // user items read
	Sending int `json:"sending"` // actions found in sending
	Stuck   int `json:"stuck"`   // of those, claimed more than Stale ago
	// Marked: moved to unknown by this sweep. A stuck action not marked was
	// recorded by its run, or marked by another sweep, since the scan.
	Marked int `json:"marked"`
	// Complete: the scan reached the end of the table. False when the
	// invocation's time ran out or DynamoDB failed; the next sweep starts over.
	Complete bool `json:"complete"`
	// Tokens: visitors found holding credentials. Removed: of those, the
	// ones whose work was finished or whose token was older than
	// TokenMaxAge, removed (RevokeFailed of them not confirmed revoked by
	// X). TokensComplete: that scan reached the end of the table.
	Tokens         int  `json:"visitor_tokens"`
	Removed        int  `json:"tokens_removed"`
	RevokeFailed   int  `json:"revoke_failed"`
	TokensComplete bool `json:"tokens_complete"`
}

// Sweep finds the actions left in sending by a run that died between X's
// answer and the record, and marks those claimed more than Stale ago
// unknown: never sent again (at most once), visible in the table, and one
// warning line each with "state":"unknown" for the metric filter. It stops
// Margin before the deadline, and is safe to run concurrently with itself and
// with the stream path (each mark is conditional on the claim read). One
// summary line.
func (s *Service) Sweep(ctx context.Context, log zerolog.Logger) (SweepReport, error) {
	var c SweepCounts
	err := s.sweep(ctx, log, &c)
	if err == nil && s.Credentials != nil {
		err = s.sweepTokens(ctx, log, &c)
	}
	ev := log.Info()
	switch {
	case err != nil:
		ev = log.Error().Err(err)
	case !c.Complete || (s.Credentials != nil && !c.TokensComplete):
		ev = log.Warn().Dur("left", TimeLeft(ctx))
	}
	ev.Int("scanned", c.Scanned).Int("sending", c.Sending).Int("stuck", c.Stuck).Int("marked", c.Marked).
		Bool("complete", c.Complete).Int("visitor_tokens", c.Tokens).Int("tokens_removed", c.Removed).
		Int("revoke_failed", c.RevokeFailed).Bool("tokens_complete", c.TokensComplete).Msg("sweep")
	return SweepReport{Sweep: c}, err
}

// sweepTokens removes, and revokes at X, the visitor credentials a lost
// record left behind: those whose work is finished, and any older than
// TokenMaxAge (or stored before their age was kept: the tokens of earlier
// versions, which kept every visitor's grant). It counts, and never logs a
// value.
func (s *Service) sweepTokens(ctx context.Context, log zerolog.Logger, c *SweepCounts) error {
	after := ""
	for {
		if TimeLeft(ctx) < s.Margin {
			return nil
		}
		page, err := s.Credentials.ScanVisitorTokens(ctx, after, s.PageSize)
		if err != nil {
			return err
		}
		for _, u := range page.Users {
			if TimeLeft(ctx) < s.Margin {
				return nil
			}
			if !s.visitor(u) || u.SealedToken == "" {
				continue
			}
			c.Tokens++
			finished := u.OwnWorkFinished()
			if !finished && s.now().Sub(u.CredentialsAt) <= s.tokenMaxAge() {
				continue // its work may still run
			}
			d, err := s.dropToken(ctx, log, u, finished)
			if err != nil {
				return err
			}
			if d != NotDropped {
				c.Removed++
			}
			if d == DroppedNotRevoked {
				c.RevokeFailed++
			}
		}
		if page.Next == "" {
			c.TokensComplete = true
			return nil
		}
		after = page.Next
	}
}

func (s *Service) sweep(ctx context.Context, log zerolog.Logger, c *SweepCounts) error {
	after := ""
	for {
		if TimeLeft(ctx) < s.Margin {
			return nil
		}
		page, err := s.Sending.ScanSending(ctx, after, s.PageSize)
		if err != nil {
			return err
		}
		c.Scanned += page.Scanned
		for _, a := range page.Actions {
			if TimeLeft(ctx) < s.Margin {
				return nil
			}
			c.Sending++
			if !s.stale(a.ClaimedAt) {
				continue // its run may still be waiting for X
			}
			c.Stuck++
			marked, err := s.markStuck(ctx, log, a)
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

// stale reports a claim older than Stale. A run claims within its
// invocation, which Lambda ends within the function's timeout, so no live
// run holds such a claim any more.
func (s *Service) stale(claimedAt time.Time) bool { return s.now().Sub(claimedAt) > s.Stale }

// stuck lists u's actions left in sending by a run that is over.
func (s *Service) stuck(u User) []Sending {
	var out []Sending
	for _, a := range u.Sending() {
		if at := u.Actions[a].ClaimedAt; s.stale(at) {
			out = append(out, Sending{UID: u.UID, Action: a, ClaimedAt: at})
		}
	}
	return out
}

// markStuck marks a stuck action unknown and logs it, once: false, and no
// line, when a run recorded it or another sweep marked it since it was read.
func (s *Service) markStuck(ctx context.Context, log zerolog.Logger, a Sending) (bool, error) {
	marked, err := s.Sending.MarkUnknown(ctx, a, ReasonStuckSending, s.now())
	if err != nil || !marked {
		return false, err
	}
	ev := log.Warn().Str("uid", a.UID).Str("action", string(a.Action)).Time("claimed_at", a.ClaimedAt).
		Str("state", string(useritem.StateUnknown)).Stringer("reason", ReasonStuckSending)
	s.Metrics.ActionOutcome(ev, string(a.Action), string(useritem.StateUnknown), ReasonStuckSending).
		Msg("stuck action marked unknown: a run died between claiming it and recording X's answer; X may or may not have acted. Not retried (at-most-once): check X")
	return true, nil
}

// markStuck marks the stuck actions the stream path came across. A failure
// is logged; the sweep tries again.
func (b *Batch) markStuck(ctx context.Context, stuck []Sending) {
	for _, a := range stuck {
		if _, err := b.s.markStuck(ctx, b.log, a); err != nil {
			b.log.Error().Err(err).Str("uid", a.UID).Str("action", string(a.Action)).
				Msg("marking a stuck action unknown failed: the sweep tries again")
		}
	}
}
