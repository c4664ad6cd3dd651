// Package campaigns is the use case of promotional DM campaigns: a
// campaign's record (Campaign, its statuses), and a run that sends it from
// the brand account to every subscribed, non-revoked user within X's limits,
// saving a resumable cursor and stopping before the Lambda's deadline
// (Service.Run). reasons.go lists why a run stops.
//
// domain.go declares the small interfaces a run needs of the campaigns table
// (Catalog, Leases: shared/campaignstore) and of the users table (Audience:
// shared/actionstore). It knows nothing of DynamoDB or Lambda.
//
// At most once: each recipient is marked (campaign id added to
// campaigns_sent, conditional on not being there and on the user being
// subscribed and not revoked) BEFORE the DM is sent, which is one request.
// A run that dies after the mark loses at most that DM; it never sends it
// twice. A 5xx or no answer is counted unknown and the mark stays. The mark
// is removed only when X answered 429 (the DM was certainly not sent). The
// brand's DM window is the one the stream path's welcome DMs use (one
// xapi.Gate): a run waits for it, or pauses the campaign until its reset.
// When the brand's stored tokens cannot be opened the run stops
// (brand_credentials_unopenable) for its next run to resume.
//
// The brand's OAuth 2.0 token (token.go) is checked at the start of a run
// and before each DM, as a run lasts longer than the token's two hours, and
// refreshed when it expires within a minute (actions.Tokens). A brand whose
// grant is lost pauses the campaign (status and stop brand_reconnect) until
// its next sign-in; the next run, by id or the schedule's, resumes it. A
// refresh that cannot happen now stops the run (brand_token_unavailable, or
// rate_limited for X's 429) for a later run to resume. X answering 401 to
// the brand's OAuth 2.0 token renews it once and the DM is sent once more
// (X did not act: the mark stays).
package campaigns
