// Package actions is the use case of the twitter_actions function: the work
// done for a signed-in user off the sign-in's critical path (follow the
// brand, the brand's welcome DM, the opt-in tweet, releasing welcome DMs
// that waited for the brand), promotional DM campaigns, and the unsubscribe
// link their footers carry.
//
// Delivery guarantees, in one place:
//
//   - Stream path: a user's pending actions are claimed (pending -> sending)
//     in ONE conditional write before any call to X, so one run owns them and
//     the image of every later write holds no pending action: the stream
//     filter of serverless.yml drops the function's own updates. Outcomes
//     are recorded one write per action, right after X answers, only while
//     the action is still sending. An action found in sending is never sent
//     again. At most once, by design: a duplicate DM costs money and trust,
//     a missing one is visible in the table.
//   - A write to X (follow, DM, post) is made once. X's 429 (answered before
//     X acts) is waited for within the invocation's time budget, until
//     x-rate-limit-reset; the window's state is remembered between calls so
//     an exhausted window is waited for without calling X. A 5xx, a timeout
//     or a dropped connection may hide a success: the action is recorded
//     unknown (with X's status, or the reason x_timeout / x_unavailable) and
//     never repeated. What cannot be done in the budget is recorded failed
//     with the reason and the attempts; nothing loops. Every unknown outcome
//     is one log line with "state":"unknown" (a metric filter counts them).
//   - A run that died between X's answer and the record leaves the action
//     sending. The sweep ({"sweep":{}}, scheduled every 15 minutes) marks
//     every action claimed more than StaleSending ago unknown, conditional on
//     the claim it read, so a run that records meanwhile wins; so does a
//     later record of the same user.
//   - Credentials stored but not opening (a key a warm function does not
//     know yet) never turn into a final outcome: a record whose actions need
//     them (the user's for a follow or post, the brand's for a welcome DM)
//     is handed back to Lambda before the claim, and a campaign stops
//     (brand_credentials_unopenable) for its next run to resume. Only an
//     item without credentials is skipped (no_credentials) or waits for the
//     brand (waiting_brand).
//   - The opt-in post is made only when the user's latest sign-in ticked the
//     box; one requested earlier and withdrawn since is skipped
//     (opt_in_withdrawn).
//   - Campaigns: each recipient is marked (campaign id added to
//     campaigns_sent, conditional on not being there and on the user being
//     subscribed and not revoked) BEFORE the DM is sent, which is one
//     request. A run that dies after the mark loses at most that DM; it
//     never sends it twice. A 5xx or no answer is counted unknown and the
//     mark stays. The mark is removed only when X answered 429 (the DM was
//     certainly not sent).
package actions
