package signin

import (
	"context"
	"errors"
)

// Sentinel errors of the use case. Stores and protocols return (or wrap)
// them; Reason maps them, in this one place, to what a visitor's redirect says.
var (
	ErrBadCallback      = errors.New("signin: callback without the expected parameters")
	ErrSessionNotFound  = errors.New("signin: no such session (unknown, or already used)")
	ErrSessionExpired   = errors.New("signin: session expired")
	ErrSessionMismatch  = errors.New("signin: session was started by another browser")
	ErrStoreUnavailable = errors.New("signin: store unavailable")
	ErrCorrupt          = errors.New("signin: stored session cannot be opened")
)

// reasoned is implemented by errors that carry their own reason, such as X's
// answers (xapi.Error): the use case needs no knowledge of X's codes.
type reasoned interface{ Reason() string }

// Reason returns the short machine-readable reason for a failed sign-in.
func Reason(err error) string {
	var r reasoned
	switch {
	case err == nil:
		return ""
	case errors.As(err, &r):
		return r.Reason()
	case errors.Is(err, ErrBadCallback):
		return "bad_callback"
	case errors.Is(err, ErrSessionNotFound):
		return "session_not_found"
	case errors.Is(err, ErrSessionExpired):
		return "session_expired"
	case errors.Is(err, ErrSessionMismatch):
		return "session_mismatch"
	case errors.Is(err, ErrStoreUnavailable):
		return "store_unavailable"
	case errors.Is(err, ErrCorrupt):
		return "session_corrupt"
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	}
	return "internal"
}
