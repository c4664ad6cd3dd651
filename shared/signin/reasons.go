package signin

import "github.com/twitter-sessions/twitter-sessions/shared/reason"

// Reason is why a sign-in failed: the reason parameter of the visitor's
// redirect (result=fail). A failure at X carries X's own reason instead (an
// xapi.Reason: x_unavailable, x_callback_not_approved, ...). ReasonOf maps
// errors to reasons, in errors.go.
type Reason = reason.Code

// The sign-in's own reasons.
const (
	ReasonSessionNotFound  Reason = "session_not_found" // unknown, or already used: a replayed callback
	ReasonSessionExpired   Reason = "session_expired"   // more than SessionTTL after the start
	ReasonSessionMismatch  Reason = "session_mismatch"  // finished in another browser than it started
	ReasonSessionCorrupt   Reason = "session_corrupt"   // the stored session does not open (its key is gone)
	ReasonBadCallback      Reason = "bad_callback"      // the callback lacks X's parameters
	ReasonStoreUnavailable Reason = "store_unavailable" // DynamoDB failed
	ReasonNotTheBrand      Reason = "not_the_brand"     // the brand's start, signed in as another account: nothing kept
	ReasonTimeout          Reason = "timeout"           // the function's time ran out
	ReasonInternal         Reason = "internal"          // anything else (a bug): the log line has the error
)
