// Package xoauth1 implements the sign-in protocol (signin.Protocol) with X's
// OAuth 1.0a three-legged flow (RFC 5849 section 2), signing with
// github.com/dghubble/oauth1:
//
//  1. POST /oauth/request_token with oauth_callback (RFC 5849 2.1),
//  2. the browser goes to /oauth/authenticate?oauth_token=... (2.2),
//  3. X calls us back with oauth_token and oauth_verifier, or denied,
//  4. POST /oauth/access_token with the verifier (2.3); X's answer already
//     names the user (user_id, screen_name), so no further lookup is needed.
//
// dghubble/oauth1's AccessToken drops user_id and screen_name, and neither
// token call takes a context, so this package drives step 4 through the
// library's signing client and gives every call a context-bound transport
// whose errors keep X's code and rate-limit headers (xapi.ErrorTransport).
package xoauth1
