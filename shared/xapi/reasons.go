package xapi

import "github.com/twitter-sessions/twitter-sessions/shared/reason"

// Reason is the short word a failure at X is reported with: in a sign-in's
// redirect, on an action's record, in a campaign DM's log line and in a
// campaign's last_error. (*Error).Reason and the Err* failures give it.
type Reason = reason.Code

// X's failures. The setup errors (v1 codes) each come with a log line that
// says what to fix (OperatorHint).
const (
	ReasonAuthFailed          Reason = "x_auth_failed"           // code 32: the consumer key or secret
	ReasonTokenInvalid        Reason = "x_token_invalid"         // code 89: the token was revoked or is invalid
	ReasonClockSkew           Reason = "x_clock_skew"            // code 135: our clock
	ReasonBadAuthData         Reason = "x_bad_auth_data"         // code 215: a missing or malformed key
	ReasonCallbackNotApproved Reason = "x_callback_not_approved" // code 415: the callback URL is not the app's
	ReasonAppNotWeb           Reason = "x_app_not_web"           // code 417: the app is not a Web App
	ReasonAccessLevel         Reason = "x_access_level"          // code 453: the app's plan lacks the endpoint
	ReasonUsageCapped         Reason = "x_usage_capped"          // a 429 for the app's usage cap
	ReasonRateLimited         Reason = "x_rate_limited"          // a 429: the window is used up
	ReasonUnavailable         Reason = "x_unavailable"           // a 5xx, or X unreachable
	ReasonUnauthorized        Reason = "x_unauthorized"          // another 401
	ReasonForbidden           Reason = "x_forbidden"             // another 403
	ReasonRejected            Reason = "x_rejected"              // any other 4xx
	ReasonTimeout             Reason = "x_timeout"               // no answer in time
	ReasonMalformed           Reason = "x_malformed"             // an answer that is not what X documents
)

// X's OAuth 2.0 refusals (the token endpoint's error codes, and the
// authorize step's error redirect), each with an OperatorHint.
const (
	ReasonOAuth2InvalidRequest     Reason = "x_oauth2_invalid_request"     // a malformed request (the description names the parameter)
	ReasonOAuth2InvalidGrant       Reason = "x_oauth2_invalid_grant"       // the code or refresh token is used, expired or revoked, or the verifier does not match
	ReasonOAuth2InvalidClient      Reason = "x_oauth2_invalid_client"      // client authentication failed: the client id or secret, or not a Web App
	ReasonOAuth2UnauthorizedClient Reason = "x_oauth2_unauthorized_client" // the app may not use the flow: OAuth 2.0 is off for it
	ReasonOAuth2InvalidScope       Reason = "x_oauth2_invalid_scope"       // X refused a scope the stage asks for
)
