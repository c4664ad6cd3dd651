// Package actionsfn builds twitter_actions from boot.Deps and its row of the
// timing table: the users and campaigns stores, the X client, the one gate
// on X's windows that the stream path and the campaigns share, the refresh
// of OAuth 2.0 tokens they share (shared/tokens, with X's token endpoint
// through shared/xoauth2 when the stage has an OAuth 2.0 client), the two
// use cases (shared/actions, shared/campaigns) and the Lambda dispatch in
// front of them (shared/dispatch).
package actionsfn
