// Package userstore keeps subscribers in the <stage>_twitter DynamoDB table
// (key uid, N: the exact X id). A user item holds the screen name, the access
// token and secret sealed at rest (bound to the uid, so a value copied onto
// another row does not open), the sign-up's choices and attribution,
// timestamps, the subscription state, the campaigns the user was marked for,
// and one map attribute per action (a_follow, a_welcome, a_tweet, a_release)
// recording its state, so that retries are idempotent and the table's stream
// can be filtered to users with pending work. shared/useritem names every
// attribute.
//
// This package holds what the sign-in functions write (a
// sign-in: signin.UserStore; an unsubscribe: web.Unsubscriber), and the
// re-sealing of tokens after a key rotation. What the actions and campaigns
// read and write on the same table is shared/actionstore, so that the
// sign-in functions link nothing of them.
package userstore
