// Package actionstore is the users table (<stage>_twitter, schema in
// shared/userstore) as the actions and the campaigns read and write it:
// reading a user with the credentials opened, claiming pending actions and
// recording their outcomes, requeueing the welcome DMs that waited for the
// brand, scanning for actions stuck in sending and marking them unknown,
// marking users revoked, the campaigns' scan of subscribers with their
// per-user marks (campaigns_sent) and the table's approximate item count
// (count.go: one DescribeTable, for a campaign run's estimate of what is
// left), and the writes of an OAuth 2.0 token refresh (tokens.go: the
// refresh lease, the new pair, the reconnect mark, each conditional on the
// stored pair). It implements the interfaces shared/actions,
// shared/campaigns and shared/tokens declare.
package actionstore
