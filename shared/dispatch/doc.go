// Package dispatch is the Lambda side of twitter_actions, as shared/web is
// the HTTP side of the sign-in: it decodes the invocation (a DynamoDB stream
// batch of the users table, a campaign, or the sweep), hands each part to
// its use case (shared/actions for the stream and the sweep,
// shared/campaigns for campaigns), and answers in Lambda's terms: a stream
// record that is worth a redelivery (nothing of it claimed) is reported in
// the batch's partial failures.
package dispatch
