// Package users keeps subscribers in the <stage>_twitter DynamoDB table (key
// uid, N: the exact X id). A user item holds the screen name, the access
// token and secret sealed at rest (bound to the uid, so a value copied onto
// another row does not open), the sign-up's choices and attribution,
// timestamps, the subscription state, and one map attribute per action
// (a_follow, a_welcome, a_tweet, a_release) recording its state so that
// retries are idempotent and the table's stream can be filtered to users
// with pending work.
package users
