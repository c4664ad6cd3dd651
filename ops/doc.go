// Package ops is the brand's operator commands on a stage's tables (make
// subscribers, make stats, make campaigns, make forget), run from an
// operator's machine on the local stage of make dev or on a deployed stage
// with the operator's AWS credentials. cmd/tws is the command line.
//
//   - stage.go, secrets.go: which tables, on which DynamoDB (Resolve), and,
//     for forget only, the keys that open a user's sealed tokens, the
//     app's OAuth 2.0 client and its OAuth 1.0a consumer, from the
//     environment (local) or SSM (deployed); errors.go says what went wrong
//     in an operator's words.
//   - scan.go: the one paginated Scan every report reads the users table
//     with, a page at a time, with a progress line on stderr.
//   - subscribers.go, export.go: one row per user, never a token, secret or
//     anything sealed (the Scan's projection does not even read them),
//     written as CSV or JSON Lines while the Scan goes on.
//   - stats.go, stats_html.go: sign-ups per day and utm_source,
//     unsubscribes and revocations, as a text table or a self-contained
//     HTML page.
//   - campaigns.go: each campaign's counts, progress and what it waits for.
//   - forget.go, forget_revoke.go, forget_erase.go: erases one person:
//     revokes their grant at X through shared/grants, as the functions do
//     (an OAuth 2.0 grant, or an OAuth 1.0a token through
//     invalidate_token), deletes their item only while it holds
//     the credentials revoked (new ones, from a sign-in or a refresh
//     meanwhile, are revoked in turn), and says so without naming them.
//
// It is the operator's, run by tws; no Lambda imports it. It reads the
// tables directly (the functions' stores are for the functions, whose IAM
// grants are derived from them), with the attribute names of
// shared/useritem and shared/campaignstore.
package ops
