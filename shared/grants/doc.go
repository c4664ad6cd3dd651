// Package grants ends a user's grant at X, whichever protocol it came from:
// an OAuth 2.0 grant is revoked (POST /2/oauth2/revoke, its refresh token
// first when it has one), an OAuth 1.0a access token is invalidated (POST
// /1.1/oauth/invalidate_token). The sign-in revokes an impostor's grant on
// the brand's start with it, and the actions function the token of a
// visitor whose work is done.
package grants
