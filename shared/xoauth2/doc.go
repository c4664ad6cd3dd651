// Package xoauth2 implements the sign-in protocol (signin.Protocol) with X's
// OAuth 2.0 Authorization Code flow with PKCE for a confidential client, and
// the token endpoint's client (Client) that the actions and the operator's
// tools use to refresh and revoke OAuth 2.0 tokens:
//
//  1. Start: no call to X. A state (RFC 6749 section 10.12) and a PKCE
//     code_verifier (RFC 7636 section 4.1) from crypto/rand; the browser
//     goes to the authorize URL with response_type=code, client_id,
//     redirect_uri, scope, state and the S256 code_challenge (RFC 6749
//     4.1.1, RFC 7636 4.2-4.3). The session keeps the state as its key and
//     the verifier, sealed, as its secret.
//  2. X calls us back with ?code=&state= (RFC 6749 4.1.2) or
//     ?error=&state= (4.1.2.1): access_denied when the visitor cancels.
//  3. Finish: POST /2/oauth2/token with grant_type=authorization_code, the
//     code, redirect_uri and code_verifier (RFC 6749 4.1.3, RFC 7636 4.5),
//     then GET /2/users/me with the new access token (RFC 6750 2.1): X's
//     token answer does not name the user. Exactly two calls to X.
//
// The token and revoke endpoints authenticate the client with HTTP Basic
// (RFC 6749 section 2.3.1). An authorization code and a refresh token are
// single-use, so a token request whose answer may have been lost is never
// sent again (the code would be refused as used; a refresh token presented
// twice is reported to make X revoke the whole grant). X's OAuth 2.0 errors
// become *xapi.Error with their reasons (shared/xapi/oauth2.go).
package xoauth2
