// Package tokens is the integration suite of the refresh of OAuth 2.0
// tokens (shared/tokens) as twitter_actions builds it, on the users table
// in DynamoDB Local and the X sandbox's token endpoint over HTTP. Its cases
// are also unit tests of shared/tokens on shared/memstore and
// shared/fakex, except TestTheRequestEndsInsideTheLease, which needs a
// request to X over HTTP cut by its deadline. It needs DynamoDB Local (see
// package integration); it has only tests.
package tokens
