package actions

import (
	"context"
	"errors"

	"github.com/twitter-sessions/twitter-sessions/shared/reason"
	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/tokens"
	"github.com/twitter-sessions/twitter-sessions/shared/xapi"
)

// Reason is why an action (follow, welcome DM, opt-in post, release) or a
// campaign DM was skipped, failed or left unknown: the reason member of its
// a_* record, and the reason of its log line. A failure at X is recorded with
// X's own reason instead (an xapi.Reason such as x_unavailable, x_timeout,
// x_rate_limited); ReasonOf maps errors.
type Reason = reason.Code

// The actions' own reasons.
const (
	ReasonRevoked            Reason = "revoked"               // the user's token answered 401 (or the user is marked revoked)
	ReasonNoCredentials      Reason = "no_credentials"        // the item holds no token
	ReasonUnsubscribed       Reason = "unsubscribed"          // no DM to a user who opted out
	ReasonRefusesDMs         Reason = "recipient_refuses_dms" // X's 403 on a DM
	ReasonFollowNotPermitted Reason = "follow_not_permitted"  // X's 403 on a follow: the app's plan lacks it
	ReasonFollowModeIntent   Reason = "follow_mode_intent"    // a follow requested while FOLLOW_MODE is intent
	ReasonFollowModeOff      Reason = "follow_mode_off"       // a follow requested while FOLLOW_MODE is off
	ReasonNotTheBrand        Reason = "not_the_brand"         // a release on an item that is not FOLLOW_UID
	ReasonBrandAccount       Reason = "brand_account"         // no welcome or campaign DM to the brand itself
	ReasonOptInWithdrawn     Reason = "opt_in_withdrawn"      // the latest sign-in did not tick the box (post, or follow)
	ReasonTokenExpired       Reason = "token_expired"         // the visitor's token expired before its work ran (X was down for hours): no refresh, no retry
	ReasonStuckSending       Reason = "stuck_sending"         // claimed, and no run recorded X's answer (the sweep found it)
	ReasonBrandNotConnected  Reason = "brand_not_connected"   // a welcome DM waits: the brand never signed in, or revoked the app
	ReasonStoreUnavailable   Reason = "store_unavailable"     // DynamoDB failed: a release stopped, or a token refresh could not be read or written
	ReasonUnknownAction      Reason = "unknown_action"        // an a_* record this code does not know
	ReasonDeadline           Reason = "deadline"              // the invocation's time ran out during the call
	ReasonError              Reason = "error"                 // any other failure (the log line has it)
	ReasonAlreadyMarked      Reason = "already_marked"        // campaign DM: marked by an earlier run (maybe sent): never again
	ReasonNotEligibleAtMark  Reason = "not_eligible_at_mark"  // campaign DM: unsubscribed, revoked, reconnect or marked since the scan
	ReasonBrandRevoked       Reason = "brand_revoked"         // campaign: X answered 401 for the brand's token (its last_error)
	ReasonReconnect          Reason = "reconnect"             // the user's OAuth 2.0 grant is lost (marked reconnect): they must sign in again
	ReasonNoOAuth1App        Reason = "no_oauth1_app"         // OAuth 1.0a tokens on a stage without the OAuth 1.0a app (no consumer key)
)

// ReasonOf is the reason an error is recorded with: reconnect when the
// user's OAuth 2.0 grant is lost (tokens), no_oauth1_app for OAuth 1.0a
// tokens that no app of the stage can sign, X's reason when the error
// carries one (xapi), store_unavailable when DynamoDB failed (a token
// refresh, a release), deadline when the invocation ended, else error.
func ReasonOf(err error) Reason {
	var r interface{ Reason() reason.Code }
	switch {
	case errors.Is(err, tokens.ErrReconnect):
		return ReasonReconnect
	case errors.Is(err, xapi.ErrNoOAuth1App):
		return ReasonNoOAuth1App
	case errors.As(err, &r):
		return r.Reason()
	case errors.Is(err, ErrStoreUnavailable):
		return ReasonStoreUnavailable
	case errors.Is(err, context.DeadlineExceeded), errors.Is(err, context.Canceled):
		return ReasonDeadline
	}
	return ReasonError
}

// followModeReason is why a follow requested under FOLLOW_MODE=api is
// skipped once the mode is mode.
func followModeReason(mode signin.FollowMode) Reason {
	if mode == signin.FollowOff {
		return ReasonFollowModeOff
	}
	return ReasonFollowModeIntent
}
