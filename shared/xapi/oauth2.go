package xapi

import (
	"encoding/json"
	"net/http"
	"strings"
)

// OAuth 2.0 errors name a code (RFC 6749 section 5.2 for the token endpoint,
// 4.1.2.1 for the authorize redirect) and a description. X uses the codes
// its own way: a used, expired or mismatched authorization code (and a
// spent or revoked refresh token) is invalid_request "Value passed for the
// authorization code [the token] was invalid." rather than invalid_grant,
// and a token request without valid client authentication is 401
// unauthorized_client "Missing valid authorization header" rather than
// invalid_client. This file reads them as what they mean.

// OAuth2Error is an OAuth 2.0 error that reached us without an HTTP answer
// of X's: the authorize step's error redirect to our callback (RFC 6749
// 4.1.2.1), ?error=...&error_description=.... Status is 0. The description
// comes from the browser's query: it is cut to a bounded length.
func OAuth2Error(step, code, description string) *Error {
	if len(description) > 300 {
		// At most 300 bytes, never half a character.
		description = strings.ToValidUTF8(description[:300], "")
	}
	return &Error{Step: step, OAuth2: oauth2Code(code), Message: description}
}

// ParseOAuth2Error builds the Error of a non-success answer of X's OAuth 2.0
// token or revoke endpoint. Every 4xx there refuses the app's client or the
// grant, never a user's token (Revoked is false for it): an answer without
// an OAuth 2.0 code (a problem document, plain text, an HTML page) gets the
// code its status means, invalid_client for a 401 (RFC 6749 5.2: client
// authentication failed) and invalid_request for the others. A 429 and a
// 5xx keep their own meaning.
func ParseOAuth2Error(step string, status int, header http.Header, body []byte) *Error {
	e := ParseError(step, status, header, body)
	if e.OAuth2 != "" || status < 400 || status > 499 || status == http.StatusTooManyRequests {
		return e
	}
	e.OAuth2 = "invalid_request"
	if status == http.StatusUnauthorized {
		e.OAuth2 = "invalid_client"
	}
	return e
}

// GrantInvalid reports that X refused the authorization code or refresh
// token itself (reason x_oauth2_invalid_grant): it is used, expired or
// revoked, or its PKCE verifier does not match. Presenting it again cannot
// succeed: the user has to sign in again.
func (e *Error) GrantInvalid() bool { return e.oauth2Reason() == ReasonOAuth2InvalidGrant }

// oauth2Reason is the reason of an OAuth 2.0 error code, "" when e is not
// one or its status says more (a 429 or a 5xx keep their usual reasons).
func (e *Error) oauth2Reason() Reason {
	if e.OAuth2 == "" || e.Status == http.StatusTooManyRequests || e.Status >= 500 {
		return ""
	}
	switch e.OAuth2 {
	case "invalid_client":
		return ReasonOAuth2InvalidClient
	case "unauthorized_client":
		if e.Status == http.StatusUnauthorized { // "Missing valid authorization header"
			return ReasonOAuth2InvalidClient
		}
		return ReasonOAuth2UnauthorizedClient
	case "invalid_grant":
		return ReasonOAuth2InvalidGrant
	case "invalid_request", "unsupported_grant_type", "unsupported_response_type":
		if grantRefused(e.Message) {
			return ReasonOAuth2InvalidGrant
		}
		return ReasonOAuth2InvalidRequest
	case "invalid_scope":
		return ReasonOAuth2InvalidScope
	case "server_error", "temporarily_unavailable": // only on the authorize redirect: no status
		return ReasonUnavailable
	}
	return ""
}

// grantRefused reads X's invalid_request descriptions that refuse the code
// or the refresh token rather than the request.
func grantRefused(description string) bool {
	d := strings.ToLower(description)
	return strings.Contains(d, "authorization code") || strings.Contains(d, "value passed for the token")
}

// oauth2Hint is what the operator must fix for an OAuth 2.0 reason, "" for
// the others.
func oauth2Hint(r Reason) string {
	switch r {
	case ReasonOAuth2InvalidClient:
		return "X refused the app's OAuth 2.0 client authentication: check TWITTER_CLIENT_ID and the client secret against the OAuth 2.0 Client ID and Client Secret on the app's Keys and tokens page (not the API key), and that the app's type in User authentication settings is Web App (a confidential client)"
	case ReasonOAuth2InvalidRequest:
		return "X refused an OAuth 2.0 request as malformed (the description names the parameter), or its token endpoint refused one without saying why: check the description and the function's version; a callback URL the app does not list never shows here (X answers it with its own error page and the visitor never comes back)"
	case ReasonOAuth2UnauthorizedClient:
		return "the X app may not use OAuth 2.0 Authorization Code with PKCE: turn on OAuth 2.0 in the app's User authentication settings with the type Web App"
	case ReasonOAuth2InvalidGrant:
		return "X refused the authorization code (it lives 30 s and is single-use, and the PKCE verifier must match) or the refresh token (single-use; dead once the user revokes the app): the visitor signs in again; if every sign-in fails so, check the functions' clock and that nothing sends the callback twice"
	case ReasonOAuth2InvalidScope:
		return "X refused a scope this stage asks for (SIGNIN_PROTOCOL=oauth2; the scopes are logged at cold start): check the app's permissions (Read and write and Direct message) in User authentication settings"
	}
	return ""
}

// oauth2Code returns code when it is an OAuth 2.0 error code (RFC 6749
// section 5.2 allows printable ASCII; X's, like the RFC's, are lowercase
// words joined by underscores), "" otherwise (a sentence, garbage).
func oauth2Code(code string) string {
	if code == "" || len(code) > 40 || strings.Trim(code, "abcdefghijklmnopqrstuvwxyz_") != "" {
		return ""
	}
	return code
}

// oauth2CodeOf is oauth2Code of the "error" member of a JSON answer, which
// some older endpoints make an object.
func oauth2CodeOf(raw json.RawMessage) string {
	var code string
	if len(raw) == 0 || json.Unmarshal(raw, &code) != nil {
		return ""
	}
	return oauth2Code(code)
}
