// Package actionsfn builds twitter_actions from boot.Deps and its row of the
// timing table: the users and campaigns stores, the X client, the one gate
// on X's windows that the stream path and the campaigns share, the two use
// cases (shared/actions, shared/campaigns) and the Lambda dispatch in front
// of them (shared/dispatch).
package actionsfn
