// Package signinfn builds the two HTTP functions from boot.Deps and their
// row of the timing table: generate_session (POST /api/twitter-session) and
// twitter_callback (GET /api/twitter-callback, and the unsubscribe page at
// /api/unsubscribe). It links the sign-in and nothing of the actions or the
// campaigns.
package signinfn
