// Package memstore is the users and campaigns tables in memory, for the unit
// tests of the at-most-once core (shared/actions, shared/campaigns,
// shared/tokens). Users implements every interface those packages declare
// of the users table, plus the sign-in's SaveSignIn and the unsubscribe
// link's write, with the conditions shared/actionstore and shared/userstore
// write on DynamoDB: a claim is all or nothing, an outcome is recorded only
// while its action is sending, a requeue only from the state named, an
// unknown mark only under the claim read, the refresh lease's and the
// credential removal's conditions, the campaign marks', and scans that page
// by a uid cursor with a limit on the items read, as a DynamoDB Scan does.
// Campaigns is the campaigns table (shared/campaignstore).
//
// Times are kept as DynamoDB keeps them (dynamo.TimeLayout: milliseconds,
// UTC), and compared as it compares them; tokens are sealed with a
// seal.Box, so a sign-in's new pair never compares equal to the old one.
// shared/storetest runs one contract suite against this package and against
// DynamoDB Local, so that the two cannot drift.
//
// Both are safe for concurrent use, and take faults: a write of a kind that
// fails (before it lands, or after: the answer lost), and hooks around each
// call, run outside the lock so that a hook may write too (a sign-in that
// lands between a read and a claim).
//
// Only tests import this package: it is never part of a Lambda binary.
package memstore
