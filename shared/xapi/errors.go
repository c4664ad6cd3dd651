package xapi

import (
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Error is an answer from X that was not a success. Its text never contains
// request credentials: only X's status, code and message.
type Error struct {
	Status  int    // HTTP status
	Code    int    // v1 error code (32, 89, 135, 215, 415, 417, 453, ...), 0 if none
	Message string // X's message, or the v2 problem's detail
	Title   string // v2 problem title
	Type    string // v2 problem type URI
	// OAuth2 is the error code of an OAuth 2.0 answer (RFC 6749 5.2:
	// "invalid_request", "invalid_client", ...), "" for other answers.
	OAuth2 string
	Limit  RateLimit
	Step   string // which call: "request_token", "access_token", "follow", ...
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "x: %s answered", orDash(e.Step))
	if e.Status != 0 { // 0: an OAuth 2.0 error X sent through the browser
		fmt.Fprintf(&b, " %d", e.Status)
	}
	if e.OAuth2 != "" {
		fmt.Fprintf(&b, " %s", e.OAuth2)
	}
	if e.Code != 0 {
		fmt.Fprintf(&b, " code %d", e.Code)
	}
	if e.Title != "" {
		fmt.Fprintf(&b, " %q", e.Title)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	return b.String()
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// UsageCapped reports a 429 that means the app's monthly or paid usage is
// exhausted: waiting will not help, so callers stop and report.
func (e *Error) UsageCapped() bool {
	return e.Status == http.StatusTooManyRequests && strings.HasSuffix(e.Type, "usage-capped")
}

// Retryable reports answers worth trying again: 5xx, and 429 that is not a
// usage cap. A write answered 5xx is the exception (OutcomeUnknown): only its
// 429 may be repeated (Retry.Writes).
func (e *Error) Retryable() bool {
	return e.Status >= 500 || (e.Status == http.StatusTooManyRequests && !e.UsageCapped())
}

// OutcomeUnknown reports a failed call after which X may or may not have
// acted: it answered 5xx (it may have done the work and failed to answer),
// or no answer came (a timeout, a dropped connection). A write that ended so
// must not be repeated: a DM could arrive twice.
func OutcomeUnknown(err error) bool {
	var xe *Error
	if errors.As(err, &xe) {
		return xe.Status >= http.StatusInternalServerError
	}
	return errors.Is(err, ErrTimeout) || errors.Is(err, ErrUnreachable)
}

// Revoked reports that the user's token no longer works (the user revoked the
// app): 401 on a user-context call, or v1 code 89. An OAuth 2.0 error is
// never one: the token and revoke endpoints answer about the app's client
// authentication or the grant (GrantInvalid), and their client gives every
// refusal of theirs an OAuth 2.0 code (OAuth2TokenError).
func (e *Error) Revoked() bool {
	return e.OAuth2 == "" && (e.Code == 89 || (e.Status == http.StatusUnauthorized && e.Code == 0))
}

// Reason is the short machine-readable reason a visitor's redirect or an
// action's record carries.
func (e *Error) Reason() Reason {
	if r := e.oauth2Reason(); r != "" {
		return r
	}
	if r, _ := setupError(e.Code); r != "" {
		return r
	}
	switch {
	case e.UsageCapped():
		return ReasonUsageCapped
	case e.Status == http.StatusTooManyRequests:
		return ReasonRateLimited
	case e.Status >= 500:
		return ReasonUnavailable
	case e.Status == http.StatusUnauthorized:
		return ReasonUnauthorized
	case e.Status == http.StatusForbidden:
		return ReasonForbidden
	}
	return ReasonRejected
}

// OperatorHint says what the operator must fix, for the one log line a setup
// error produces. Empty when the error is not a setup problem.
func (e *Error) OperatorHint() string {
	if hint := oauth2Hint(e.oauth2Reason()); hint != "" {
		return hint
	}
	if _, hint := setupError(e.Code); hint != "" {
		return hint
	}
	if e.UsageCapped() {
		return "the X app's usage cap for this billing period is exhausted: raise the cap or wait for the next period"
	}
	return ""
}

// setupError is what one of X's v1 error codes means: its reason and, for a
// problem of the app's setup, what to fix. ("", "") for other codes.
func setupError(code int) (Reason, string) {
	switch code {
	case 32:
		return ReasonAuthFailed, "X could not authenticate the app: check TWITTER_CONSUMER_KEY and the consumer secret against the app's Keys and tokens page in the X developer portal"
	case 89:
		return ReasonTokenInvalid, ""
	case 135:
		return ReasonClockSkew, "X says our timestamp is out of bounds: the clock of the machine running the function is wrong"
	case 215:
		return ReasonBadAuthData, "X got bad authentication data: the consumer key or secret is missing or malformed"
	case 415:
		return ReasonCallbackNotApproved, "the callback URL is not approved: add TWITTER_CALLBACK_URL exactly to the app's User authentication settings > Callback URI / Redirect URL in the X developer portal"
	case 417:
		return ReasonAppNotWeb, "the X app is set up as a desktop (oob) app: set its type to Web App with a callback URL in User authentication settings"
	case 453:
		return ReasonAccessLevel, "the X app's access level or plan does not include this endpoint: move the app to a project and plan that has it"
	}
	return "", ""
}

// Failures without a usable answer from X. Each carries its visitor-facing
// reason, like *Error does.
var (
	ErrTimeout     error = &failure{"x: no answer in time", ReasonTimeout}
	ErrUnreachable error = &failure{"x: unreachable", ReasonUnavailable}
	ErrMalformed   error = &failure{"x: malformed answer", ReasonMalformed}
)

type failure struct {
	msg    string
	reason Reason
}

func (f *failure) Error() string  { return f.msg }
func (f *failure) Reason() Reason { return f.reason }

// ParseError builds an Error from a non-success answer. It understands the v1
// JSON form, the XML form older endpoints use, and v2 problem documents, and
// falls back to the status alone for anything else (an HTML error page, a
// truncated body).
func ParseError(step string, status int, header http.Header, body []byte) *Error {
	e := &Error{Status: status, Step: step, Limit: ParseRateLimit(header)}
	var doc errorDoc
	parsed := false
	switch trimmed := strings.TrimSpace(string(body)); {
	case strings.HasPrefix(trimmed, "{"):
		parsed = json.Unmarshal(body, &doc) == nil
	case strings.HasPrefix(trimmed, "<"):
		parsed = xml.Unmarshal(body, &doc) == nil
		for i := range doc.Errors {
			doc.Errors[i].Message = strings.TrimSpace(doc.Errors[i].Message)
		}
	}
	if parsed {
		if len(doc.Errors) > 0 {
			e.Code, e.Message = doc.Errors[0].Code, doc.Errors[0].Message
		}
		e.Title, e.Type = doc.Title, doc.Type
		if doc.Detail != "" {
			e.Message = doc.Detail
		}
		if code := oauth2CodeOf(doc.OAuth2); code != "" {
			e.OAuth2, e.Message = code, doc.OAuth2Description
		}
	}
	if len(e.Message) > 300 {
		e.Message = e.Message[:300]
	}
	return e
}

// errorDoc is X's error document: v1 {"errors":[{"code","message"}]} in
// JSON, or <errors><error code="..">message</error></errors> in the XML of
// older endpoints; v2 problem documents (JSON) add title, detail and type;
// the OAuth 2.0 endpoints answer {"error","error_description"}.
type errorDoc struct {
	Errors []struct {
		Code    int    `json:"code" xml:"code,attr"`
		Message string `json:"message" xml:",chardata"`
	} `json:"errors" xml:"error"`
	Title  string `json:"title" xml:"-"`
	Detail string `json:"detail" xml:"-"`
	Type   string `json:"type" xml:"-"`
	// OAuth2 is raw: some older endpoints answer "error" as an object.
	OAuth2            json.RawMessage `json:"error" xml:"-"`
	OAuth2Description string          `json:"error_description" xml:"-"`
}

// RateLimit is what X says about the caller's window on every answer.
type RateLimit struct {
	Known     bool
	Limit     int
	Remaining int
	Reset     time.Time
}

// ParseRateLimit reads x-rate-limit-limit, -remaining and -reset (epoch seconds).
func ParseRateLimit(h http.Header) RateLimit {
	var rl RateLimit
	if h == nil {
		return rl
	}
	rem, errRem := strconv.Atoi(h.Get("x-rate-limit-remaining"))
	reset, errReset := strconv.ParseInt(h.Get("x-rate-limit-reset"), 10, 64)
	if errRem != nil && errReset != nil {
		return rl
	}
	rl.Known = true
	rl.Limit, _ = strconv.Atoi(h.Get("x-rate-limit-limit"))
	rl.Remaining = rem
	if errRem != nil {
		rl.Remaining = -1
	}
	if errReset == nil {
		rl.Reset = time.Unix(reset, 0)
	}
	return rl
}
