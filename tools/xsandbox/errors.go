package xsandbox

import (
	"cmp"
	"encoding/json"
	"net/http"
	"strings"
)

// v1Codes are X's v1 error codes that the sandbox answers or a Fault may
// name (X's "response codes" documentation): the HTTP status X pairs with
// each (a Fault that names an XCode but no Status gets it) and the message.
var v1Codes = map[int]struct {
	status  int
	message string
}{
	32:  {http.StatusUnauthorized, "Could not authenticate you."},
	34:  {http.StatusNotFound, "Sorry, that page does not exist."},
	88:  {http.StatusTooManyRequests, "Rate limit exceeded."},
	89:  {http.StatusUnauthorized, "Invalid or expired token."},
	131: {http.StatusInternalServerError, "Internal error."},
	135: {http.StatusUnauthorized, "Timestamp out of bounds."},
	195: {http.StatusForbidden, "Missing or invalid url parameter."},
	215: {http.StatusBadRequest, "Bad Authentication data."},
	415: {http.StatusForbidden, "Callback URL not approved for this client application. Approved callback URLs can be adjusted in your application settings"},
	417: {http.StatusForbidden, "Desktop applications only support the oauth_callback value 'oob'"},
	453: {http.StatusForbidden, "You currently have access to a subset of X API V2 endpoints and limited v1.1 endpoints (e.g. media post, oauth) only. If you need access to this endpoint, you may need a different access level. You can learn more here: https://developer.x.com/en/portal/product"},
}

// Problem types of X API v2 error documents.
const (
	// ProblemUsageCapped is the type of the 429 X answers when the app's
	// monthly or paid usage is exhausted: waiting for the rate-limit reset
	// does not help.
	ProblemUsageCapped = "https://api.x.com/2/problems/usage-capped"
	// ProblemInvalidRequest is the type of a 400 for a malformed request.
	ProblemInvalidRequest = "https://api.x.com/2/problems/invalid-request"
	// ProblemUnsupportedAuthentication is the type of the 403 X answers when a
	// user-context endpoint is called with an app-only bearer token.
	ProblemUnsupportedAuthentication = "https://api.x.com/2/problems/unsupported-authentication"
	// ProblemOAuth1Permissions is the type of the 403 X answers a v2 call
	// made with an OAuth 1.0a token whose access level does not allow it
	// (X still names this type under api.twitter.com).
	ProblemOAuth1Permissions = "https://api.twitter.com/2/problems/oauth1-permissions"
)

// notPermitted is X's detail for a v2 403 (not allowed for this app, or the
// recipient does not accept DMs from the sender).
const notPermitted = "You are not permitted to perform this action."

// reply is an answer computed while the sandbox lock is held and written
// after it is released, with what the call record needs to know about it.
type reply struct {
	status int
	header http.Header
	body   []byte
	userID string // Call.UserID
	reason string // Call.Error: why it failed, in words a developer can act on
}

func (rep *reply) setHeader(k, v string) {
	if rep.header == nil {
		rep.header = http.Header{}
	}
	rep.header.Set(k, v)
}

func (rep reply) write(w http.ResponseWriter, extra map[string]string) {
	for k, vs := range rep.header {
		w.Header()[k] = vs
	}
	for k, v := range extra {
		w.Header().Set(k, v)
	}
	w.WriteHeader(rep.status)
	_, _ = w.Write(rep.body)
}

func jsonReply(status int, v any) reply {
	body, err := json.Marshal(v)
	if err != nil { // only plain structs and maps are encoded here
		body = []byte(`{}`)
	}
	rep := reply{status: status, body: append(body, '\n')}
	rep.setHeader("Content-Type", "application/json; charset=utf-8")
	return rep
}

type v1ErrorBody struct {
	Errors []v1Error `json:"errors"`
}

type v1Error struct {
	Code    int    `json:"code,omitempty"`
	Message string `json:"message"`
}

// v1ErrorReply is the error document of X's OAuth and v1.1 endpoints:
// {"errors":[{"code":N,"message":"..."}]}. A code of 0 is left out, which is
// what a client falling back to the HTTP status has to cope with.
func v1ErrorReply(status, code int, reason string) reply {
	msg := cmp.Or(v1Codes[code].message, http.StatusText(status))
	rep := jsonReply(status, v1ErrorBody{[]v1Error{{Code: code, Message: msg}}})
	rep.reason = reason
	return rep
}

func authErrorReply(e *authError) reply {
	return v1ErrorReply(v1Codes[e.code].status, e.code, e.reason)
}

// problem is an X API v2 error document (RFC 7807 in X's dialect).
type problem struct {
	Title  string         `json:"title"`
	Detail string         `json:"detail"`
	Type   string         `json:"type"`
	Status int            `json:"status"`
	Period string         `json:"period,omitempty"`
	Scope  string         `json:"scope,omitempty"`
	Errors []problemError `json:"errors,omitempty"`
}

type problemError struct {
	Message string `json:"message"`
}

// problemReply writes a v2 problem with Content-Type application/problem+json.
// An empty typ is "about:blank"; an empty title is the status text.
func problemReply(status int, typ, title, detail, reason string) reply {
	typ = cmp.Or(typ, "about:blank")
	title = cmp.Or(title, http.StatusText(status))
	p := problem{Title: title, Detail: cmp.Or(detail, title), Type: typ, Status: status}
	if strings.HasSuffix(typ, "/usage-capped") {
		// What X sends when the monthly cap is hit (status 429, and the
		// rate-limit headers may still show plenty remaining).
		p.Title, p.Detail, p.Period, p.Scope = "UsageCapExceeded", "Usage cap exceeded: Monthly product cap", "Monthly", "Product"
	}
	return problemDocReply(p, reason)
}

func problemDocReply(p problem, reason string) reply {
	rep := jsonReply(p.Status, p)
	rep.setHeader("Content-Type", "application/problem+json")
	rep.reason = reason
	return rep
}

// invalidRequest is X's 400 for a malformed v2 request: a generic detail and
// the specific complaint in errors[].message.
func invalidRequest(message string) reply {
	return problemDocReply(problem{
		Title:  "Invalid Request",
		Detail: "One or more parameters to your request was invalid.",
		Type:   ProblemInvalidRequest,
		Status: http.StatusBadRequest,
		Errors: []problemError{{Message: message}},
	}, message)
}

func forbidden(reason string) reply {
	return problemReply(http.StatusForbidden, "", "Forbidden", notPermitted, reason)
}

// unauthorized is what X API v2 answers for any OAuth failure (bad signature,
// unknown or revoked token, stale timestamp): a bare 401 problem.
func unauthorized(reason string) reply {
	return problemReply(http.StatusUnauthorized, "", "Unauthorized", "Unauthorized", reason)
}
