// Package xsandbox is a fake of the X (Twitter) API for the sign-in service's
// local runs and tests. It is local tooling: no Lambda imports it.
//
// It owns X's side of everything the service does with X, imitating the
// behaviour of X that the service relies on:
//
//   - the OAuth 1.0a three-legged flow (RFC 5849 section 2):
//     POST /oauth/request_token, the authorize page a person can click at
//     GET /oauth/authenticate and /oauth/authorize, POST /oauth/access_token,
//     and POST /1.1/oauth/invalidate_token, with which the app revokes an
//     access token (signed with that token; 401 code 89 once it is invalid);
//   - OAuth 1.0a access levels: the request token may carry
//     x_auth_access_type=read or write, a signed parameter of the query or
//     the form body, to ask for less than the app's own level (LevelDM:
//     read, write and Direct Messages, when it is absent); any other value,
//     an empty one or two of them answer 403 code 195 ("Missing or invalid
//     url parameter."). The authorize page lists, in plain words, what the
//     app will be able to do at that level, and the access token carries it
//     (IssueAccessToken issues LevelDM tokens, IssueAccessTokenLevel any,
//     POST /_sandbox/tokens {"user_id","level"} over HTTP);
//   - an independent check of every request's HMAC-SHA1 signature (RFC 5849
//     section 3.4), timestamp and nonce (section 3.3), answering X's v1
//     errors (32, 89, 135, 195, 215, 415, 417);
//   - OAuth 2.0 Authorization Code with PKCE for a confidential client
//     (Options.ClientID and ClientSecret; off when empty), as X documents
//     it: the consent page at GET /i/oauth2/authorize (alias
//     /2/oauth2/authorize; S256 only, redirect_uri exactly one of
//     AllowedCallbacks), POST /2/oauth2/token with HTTP Basic client
//     authentication (codes single-use and valid 30 s; access tokens live
//     2 h; refresh tokens, issued with offline.access, are single-use and
//     rotate, and a reused one revokes its whole grant) and
//     POST /2/oauth2/revoke, answering {"error","error_description"}
//     objects; ApproveOAuth2, DenyOAuth2, IssueOAuth2Token,
//     ExpireOAuth2Tokens and OAuth2Refreshes drive and inspect it from Go,
//     /_sandbox/oauth2/{approve,deny,expire,refreshes} over HTTP;
//   - the consent page lists each scope's code in <ul id="scopes"> with
//     what it lets the app do, in plain words (ScopeDescription);
//   - the v2 calls made with a user's token, GET /2/users/me,
//     POST /2/users/:id/following, POST /2/dm_conversations/with/:id/messages
//     and POST /2/tweets, with X's problem documents and x-rate-limit-*
//     headers. An OAuth 2.0 "Bearer" access token must hold every scope X's
//     API reference lists for the call (RequiredScopes): users/me
//     tweet.read users.read; a follow follows.write tweet.read users.read
//     (X also lists follows.read: accepted, not required); a DM dm.read
//     dm.write tweet.read users.read; a post tweet.read tweet.write
//     users.read. A token lacking one answers X's bare 403 "Forbidden"
//     problem, errors[].message naming the missing scopes. An OAuth 1.0a
//     token's level must allow the call: users/me any level, a follow or a
//     post write or the app's level, a DM the app's level; else 403 with
//     X's problem of type ProblemOAuth1Permissions;
//   - every grant, for tests to assert what a sign-in asked for and whether
//     the app revoked it: Grants (GET /_sandbox/grants, ?user_id= and
//     ?protocol= filter) lists each OAuth 2.0 grant with its scope and each
//     OAuth 1.0a token with its level, revoked (and by whom) or expired,
//     without token values; LookupToken and TokenRevoked (POST
//     /_sandbox/tokens/lookup {"token"}) find one token by its value;
//     the panel at /_sandbox/ lists the grants too;
//   - what X would have done (follows, DMs, posts) and every request it saw,
//     for tests to assert on and for a person to watch at /_sandbox/;
//   - misbehaviour on demand: injected faults (errors, delays, dropped
//     connections, malformed bodies), answered instead of X's or, with
//     After ("after" over HTTP), once X has handled the request (a
//     refresh that rotated the tokens, a DM that was sent, whose answer is
//     lost), rate limits and revoked tokens, from Go or over the HTTP
//     control API under /_sandbox/.
//
// A Sandbox is an http.Handler: mount it on an httptest.Server in tests, or run
// cmd/xsandbox for the dev stack and point TWITTER_API_BASE_URL at it.
// Secrets (the consumer and client secrets, token secrets, OAuth 2.0 codes,
// verifiers and tokens) never appear in recorded calls or log lines.
package xsandbox
