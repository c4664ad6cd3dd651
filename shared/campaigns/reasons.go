package campaigns

import "github.com/twitter-sessions/twitter-sessions/shared/reason"

// Stop is why a campaign run ended: the "stopped" of each campaign in the
// run's answer, and of its log line.
type Stop = reason.Code

// The stops.
const (
	StopDone             Stop = "done"                         // every subscriber handled
	StopDeadline         Stop = "deadline"                     // the invocation's time is up; run again (or let the schedule) to continue
	StopRateLimited      Stop = "rate_limited"                 // X's DM window is used up beyond this invocation's time
	StopWaiting          Stop = "waiting"                      // paused until resume_after: nothing to do yet
	StopUsageCapped      Stop = "usage_capped"                 // X's usage cap: raise it, then run the campaign by id
	StopCapNeedsOperator Stop = "usage_capped_skipped"         // the schedule does not retry a usage-capped campaign
	StopBrandMissing     Stop = "brand_not_connected"          // the brand has not signed in, or revoked the app
	StopBrandUnopenable  Stop = "brand_credentials_unopenable" // the brand's tokens do not open (a key this function lacks): the next run resumes
	StopBusy             Stop = "busy"                         // another run holds the campaign
	StopLeaseLost        Stop = "lease_lost"                   // another run took over (this one overran its lease)
	StopStoreUnavailable Stop = "store_unavailable"            // DynamoDB failed; progress so far is saved
	StopBrandReconnect   Stop = "brand_reconnect"              // the brand's OAuth 2.0 grant is lost: paused until the brand signs in again
	StopBrandToken       Stop = "brand_token_unavailable"      // the brand's token cannot be used now (another run is refreshing it, X refused the refresh, OAuth 1.0a tokens on a stage without that app: last_error): the next run resumes
	StopXRejectsText     Stop = "x_rejects_text"               // X refuses the text: too long with the unsubscribe line, or the same 4xx for RejectStreak recipients in a row; the schedule leaves it alone
)
