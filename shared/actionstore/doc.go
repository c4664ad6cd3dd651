// Package actionstore is the users table (<stage>_twitter, schema in
// shared/userstore) as the actions and the campaigns read and write it:
// reading a user with the credentials opened, claiming pending actions and
// recording their outcomes, requeueing the welcome DMs that waited for the
// brand, scanning for actions stuck in sending and marking them unknown,
// marking users revoked, and the campaigns' scan of subscribers with their
// per-user marks (campaigns_sent). It implements the interfaces
// shared/actions and shared/campaigns declare.
package actionstore
