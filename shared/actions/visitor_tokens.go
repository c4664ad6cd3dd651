package actions

import (
	"context"
	"time"

	"github.com/rs/zerolog"
)

// DefaultTokenMaxAge is the longest a visitor's token is kept when its work
// never finishes (a record lost, X down for a day): a visitor grants for
// the minutes their sign-up takes, not for ever.
const DefaultTokenMaxAge = 24 * time.Hour

// visitor reports an item whose credentials are a visitor's: not the
// brand's, whose grant sends the DMs and is kept.
func (s *Service) visitor(u User) bool { return !u.Brand && u.UID != s.BrandUID }

// tokenMaxAge is TokenMaxAge, or its default.
func (s *Service) tokenMaxAge() time.Duration {
	if s.TokenMaxAge > 0 {
		return s.TokenMaxAge
	}
	return DefaultTokenMaxAge
}

// dropVisitorToken removes a visitor's credentials once the work of their
// own token is finished, and revokes them at X. Off the sign-in's path:
// the stream path calls it after recording the outcomes, the sweep for
// what a lost record left behind. A failure is logged; the sweep tries
// again.
func (b *Batch) dropVisitorToken(ctx context.Context, u User) {
	if b.s.Credentials == nil || u.SealedToken == "" || !b.s.visitor(u) || !u.OwnWorkFinished() {
		return
	}
	if _, err := b.s.dropToken(ctx, b.log, u, true); err != nil {
		b.log.Error().Err(err).Str("uid", u.UID).Msg("removing the visitor's token failed: the sweep tries again")
	}
}

// Dropped is what became of a visitor's token.
type Dropped int

const (
	NotDropped        Dropped = iota // the item changed since it was read (a new sign-in): kept
	DroppedOnly                      // removed; X was not asked (no app of its kind, or it does not open)
	DroppedRevoked                   // removed and revoked at X
	DroppedNotRevoked                // removed; X did not confirm the revocation
)

// dropToken removes u's credentials (conditional on the token read, and on
// finished work when finished is set), then revokes the token at X. Removal
// comes first: a sign-in that lands in between keeps its new tokens, and a
// token X fails to revoke is no longer ours to use (an OAuth 2.0 access
// token dies within two hours by itself). One line per removal, naming no
// value.
func (s *Service) dropToken(ctx context.Context, log zerolog.Logger, u User, finished bool) (Dropped, error) {
	ok, err := s.Credentials.RemoveCredentials(ctx, u.UID, u.SealedToken, finished)
	if err != nil || !ok {
		return NotDropped, err
	}
	ev, d := log.Info(), DroppedRevoked
	switch {
	case s.Grants == nil || !u.HasCredentials():
		d = DroppedOnly
	default:
		if rerr := s.Grants.Revoke(ctx, u.Credentials); rerr != nil {
			ev, d = log.Warn().AnErr("revoke_error", rerr), DroppedNotRevoked
		}
	}
	ev.Str("uid", u.UID).Str("kind", string(u.Credentials.Kind)).Bool("work_finished", u.OwnWorkFinished()).
		Bool("revoked_at_x", d == DroppedRevoked).Msg("visitor token removed")
	return d, nil
}
