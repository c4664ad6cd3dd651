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
//     again: a run that died between the call and the record leaves it
//     sending, which is reported (a warning naming the user and action), not
//     retried. At most once, by design: a duplicate DM costs money and trust,
//     a missing one is visible in the table.
//   - X's 429 and 5xx answers are retried within the invocation's time
//     budget, waiting for x-rate-limit-reset; the window's state is
//     remembered between calls so an exhausted window is waited for without
//     calling X. A timeout or dropped connection is NOT retried (X may have
//     acted). What cannot be done in the budget is recorded failed with the
//     reason and the attempts; nothing loops.
//   - Campaigns: each recipient is marked (campaign id added to
//     campaigns_sent, conditional on not being there and on the user being
//     subscribed and not revoked) BEFORE the DM is sent. A run that dies
//     after the mark loses at most that DM; it never sends it twice. The mark
//     is removed only when X answered 429 (the DM was certainly not sent).
package actions
