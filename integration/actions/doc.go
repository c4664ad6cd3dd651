// Package actions is the integration suite of twitter_actions as its Lambda
// builds it (shared/app/actionsfn), on its own tables in DynamoDB Local,
// the users table's stream relayed with serverless.yml's filter, and the X
// sandbox over HTTP: the follow, welcome DM and tweet exactly once, the
// campaigns, the refresh of OAuth 2.0 tokens, the sweep, the metrics and
// DynamoDB's faults. It needs DynamoDB Local (see package integration); it
// has only tests.
package actions
