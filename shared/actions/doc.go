// Package actions is the use case of the work done for a signed-in user off
// the sign-in's critical path: follow the brand, the brand's welcome DM, the
// opt-in post, and releasing the welcome DMs that waited for the brand
// (Batch, fed by the users table's stream), and the sweep of actions a dead
// run left in sending (Service.Sweep).
//
// domain.go declares the types (Record, User; the actions and their states
// are the user item's vocabulary, shared/useritem) and the small
// interfaces the use case needs of the users table and of X; reasons.go the
// reasons an outcome is recorded with. It knows nothing of DynamoDB or
// Lambda: shared/actionstore implements the interfaces, shared/dispatch
// feeds it the Lambda events, and it knows X only through shared/xapi's
// errors, rate limits and retry policy.
//
// Delivery guarantees, in one place:
//
//   - A user's pending actions are claimed (pending -> sending) in ONE
//     conditional write before any call to X, so one run owns them and the
//     image of every later write holds no pending action: the stream filter
//     of serverless.yml drops the function's own updates. A claim that loses
//     to another write is not retried: whatever that write left pending is
//     in its own stream record. Outcomes are recorded one write per action,
//     right after X answers, only while the action is still sending. An
//     action found in sending is never sent again. At most once, by design:
//     a duplicate DM costs money and trust, a missing one is visible in the
//     table.
//   - A write to X (follow, DM, post) is made once. X's 429 (answered before
//     X acts) is waited for within the invocation's time budget, until
//     x-rate-limit-reset; the window's state is remembered between calls
//     (xapi.Gate) so an exhausted window is waited for without calling X. A
//     5xx, a timeout or a dropped connection may hide a success: the action
//     is recorded unknown (with X's status, or the reason x_timeout /
//     x_unavailable) and never repeated. What cannot be done in the budget
//     is recorded failed with the reason and the attempts; nothing loops.
//     Every unknown outcome is one log line with "state":"unknown" (a metric
//     filter counts them).
//   - A run that died between X's answer and the record leaves the action
//     sending. The sweep ({"sweep":{}}, scheduled every 15 minutes) marks
//     every action claimed more than Stale ago unknown, conditional on the
//     claim it read, so a run that records meanwhile wins; so does a later
//     record of the same user.
//   - Credentials stored but not opening (a key a warm function does not
//     know yet) never turn into a final outcome: a record whose actions need
//     them (the user's for a follow or post, the brand's for a welcome DM)
//     is handed back to Lambda before the claim. Only an item without
//     credentials is skipped (no_credentials) or waits for the brand
//     (waiting_brand).
//   - The opt-in post is made only when the user's latest sign-in ticked the
//     box; one requested earlier and withdrawn since is skipped
//     (opt_in_withdrawn).
//   - OAuth 2.0 tokens (tokens.go) are made usable right before each call
//     (Tokens, shared/tokens: refreshed only when they expire within a
//     minute, by one invocation at a time). The pending actions' tokens are
//     refreshed before the claim, so that a refresh that cannot happen now
//     (another invocation refreshing beyond the wait, X's 429, DynamoDB)
//     hands the record back. A user whose grant is lost (reconnect) has the
//     actions that need their token skipped (reconnect); a brand that must
//     reconnect makes welcome DMs wait (waiting_brand), as a brand that
//     never signed in does. X answering 401 to an OAuth 2.0 token that
//     should be valid renews it once and the write is made once more (X did
//     not act); a second 401 is a revoked token. The writes of a refresh
//     before the claim leave the pending actions in the item's image, so the
//     stream delivers the user again: those deliveries find the token fresh
//     and nothing left to claim.
package actions
