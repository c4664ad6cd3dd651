package signin

import (
	"context"
	"errors"

	"github.com/twitter-sessions/twitter-sessions/shared/reason"
)

// reasoned is implemented by errors that carry their own reason, such as X's
// answers (xapi.Error): the use case needs no knowledge of X's codes.
type reasoned interface{ Reason() reason.Code }

// Sentinel errors of the use case. Stores and protocols return (or wrap)
// them; ReasonOf maps them, in this one place, to what a visitor's redirect
// says.
var (
	ErrBadCallback      = errors.New("signin: callback without the expected parameters")
	ErrSessionNotFound  = errors.New("signin: no such session (unknown, or already used)")
	ErrSessionExpired   = errors.New("signin: session expired")
	ErrSessionMismatch  = errors.New("signin: session was started by another browser")
	ErrStoreUnavailable = errors.New("signin: store unavailable")
	ErrCorrupt          = errors.New("signin: stored session cannot be opened")
	// ErrNotTheBrand: an account other than FOLLOW_UID came back from the
	// brand's start; its grant is revoked, nothing is stored.
	ErrNotTheBrand = errors.New("signin: the brand's start was used by another account")
)

// ReasonOf returns the reason of a failed sign-in ("" for nil): the one place
// where an error becomes what the visitor's redirect says.
func ReasonOf(err error) Reason {
	var r reasoned
	if err == nil {
		return ""
	}
	if errors.As(err, &r) {
		return r.Reason()
	}
	for _, m := range []struct {
		err    error
		reason Reason
	}{
		{ErrBadCallback, ReasonBadCallback},
		{ErrSessionNotFound, ReasonSessionNotFound},
		{ErrSessionExpired, ReasonSessionExpired},
		{ErrSessionMismatch, ReasonSessionMismatch},
		{ErrStoreUnavailable, ReasonStoreUnavailable},
		{ErrCorrupt, ReasonSessionCorrupt},
		{ErrNotTheBrand, ReasonNotTheBrand},
		{context.DeadlineExceeded, ReasonTimeout},
	} {
		if errors.Is(err, m.err) {
			return m.reason
		}
	}
	return ReasonInternal
}
