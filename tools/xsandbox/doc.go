// Package xsandbox is a fake of the X (Twitter) API for the sign-in service's
// local runs and tests. It is local tooling: no Lambda imports it.
//
// It owns X's side of everything the service does with X, imitating the
// behaviour of X that the service relies on:
//
//   - the OAuth 1.0a three-legged flow (RFC 5849 section 2):
//     POST /oauth/request_token, the authorize page a person can click at
//     GET /oauth/authenticate and /oauth/authorize, POST /oauth/access_token;
//   - an independent check of every request's HMAC-SHA1 signature (RFC 5849
//     section 3.4), timestamp and nonce (section 3.3), answering X's v1
//     errors (32, 89, 135, 215, 415, 417);
//   - the v2 calls made with a user's token: GET /2/users/me,
//     POST /2/users/:id/following, POST /2/dm_conversations/with/:id/messages
//     and POST /2/tweets, with X's problem documents and x-rate-limit-*
//     headers;
//   - what X would have done (follows, DMs, posts) and every request it saw,
//     for tests to assert on and for a person to watch at /_sandbox/;
//   - misbehaviour on demand: injected faults (errors, delays, dropped
//     connections, malformed bodies), rate limits and revoked tokens,
//     from Go or over the HTTP control API under /_sandbox/.
//
// A Sandbox is an http.Handler: mount it on an httptest.Server in tests, or run
// cmd/xsandbox for the dev stack and point TWITTER_API_BASE_URL at it.
// Secrets (the consumer secret and token secrets) never appear in recorded
// calls or log lines.
package xsandbox
