package web

import (
	"encoding/base64"
	"fmt"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/aws/aws-lambda-go/events"
	"github.com/rs/zerolog"
)

// Limits on what a request may carry. The sign-up form is a handful of short
// fields; anything larger is not our form.
const (
	MaxBody  = 8 << 10
	MaxQuery = 4 << 10
)

// Problem is a request we refuse with a 4xx.
type Problem struct {
	Status  int
	Reason  Reason
	Message string
}

func (p *Problem) Error() string { return p.Message }

func problem(status int, reason Reason, format string, args ...any) *Problem {
	return &Problem{Status: status, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// Header returns a request header; HTTP API lowercases names, other callers
// may not.
func Header(req *events.APIGatewayV2HTTPRequest, name string) string {
	v, _ := lookupHeader(req, name)
	return v
}

// lookupHeader returns a header and whether the request has it at all (an
// empty header is still present).
func lookupHeader(req *events.APIGatewayV2HTTPRequest, name string) (string, bool) {
	if v, ok := req.Headers[strings.ToLower(name)]; ok {
		return v, true
	}
	for k, v := range req.Headers {
		if strings.EqualFold(k, name) {
			return v, true
		}
	}
	return "", false
}

// ErrNotHTTPEvent fails an invocation whose event is not an HTTP request at
// all: API Gateway never sends one, so it comes from a person or a wrong
// trigger (`serverless invoke local -p` with another function's event, a
// stream record), and a failed invocation with this message tells them so
// where an HTTP answer would pretend a visitor was there.
var ErrNotHTTPEvent error = &NotHTTPEventError{}

// NotHTTPEventError is ErrNotHTTPEvent's type: Lambda reports it as the
// invocation's errorType.
type NotHTTPEventError struct{}

func (*NotHTTPEventError) Error() string {
	return "the event is not an API Gateway HTTP API request (payload format 2.0): requestContext.http.method is missing; see events/http-*.json"
}

// CheckEvent returns ErrNotHTTPEvent, and logs the refusal, for an event
// without an HTTP method; the handler returns it as the invocation's error.
func CheckEvent(log zerolog.Logger, req *events.APIGatewayV2HTTPRequest) error {
	if req.RequestContext.HTTP.Method == "" {
		log.Error().Err(ErrNotHTTPEvent).Msg("invocation refused")
		return ErrNotHTTPEvent
	}
	return nil
}

// Method is the request's HTTP method.
func Method(req *events.APIGatewayV2HTTPRequest) string {
	return strings.ToUpper(req.RequestContext.HTTP.Method)
}

// WantsJSON reports a client that asked for JSON (a single-page frontend).
func WantsJSON(req *events.APIGatewayV2HTTPRequest) bool {
	for _, part := range strings.Split(Header(req, "accept"), ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err == nil && mt == "application/json" {
			return true
		}
	}
	return false
}

// ParseForm reads an application/x-www-form-urlencoded body, which API Gateway
// delivers base64-encoded. It refuses other content types (415), bodies over
// MaxBody (413), undecodable base64, malformed encoding and any parameter
// given twice (400): an ambiguous form is not guessed at.
func ParseForm(req *events.APIGatewayV2HTTPRequest) (url.Values, *Problem) {
	body := req.Body
	if len(body) > base64.StdEncoding.EncodedLen(MaxBody) {
		return nil, problem(http.StatusRequestEntityTooLarge, ReasonBodyTooLarge, "the form body is larger than %d bytes", MaxBody)
	}
	if ct := Header(req, "content-type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != "application/x-www-form-urlencoded" {
			return nil, problem(http.StatusUnsupportedMediaType, ReasonUnsupportedMediaType, "send the form as application/x-www-form-urlencoded")
		}
	} else if body != "" {
		return nil, problem(http.StatusUnsupportedMediaType, ReasonUnsupportedMediaType, "send the form as application/x-www-form-urlencoded")
	}
	if req.IsBase64Encoded {
		raw, err := base64.StdEncoding.DecodeString(body)
		if err != nil {
			return nil, problem(http.StatusBadRequest, ReasonBadEncoding, "the body is marked base64 but does not decode")
		}
		body = string(raw)
	}
	if len(body) > MaxBody {
		return nil, problem(http.StatusRequestEntityTooLarge, ReasonBodyTooLarge, "the form body is larger than %d bytes", MaxBody)
	}
	return parseStrict(body, "form", ReasonMalformedForm)
}

// ParseQuery reads the raw query string with the same strictness as ParseForm.
// HTTP API joins repeated query parameters with commas in
// QueryStringParameters, so the raw string is the only faithful source.
func ParseQuery(req *events.APIGatewayV2HTTPRequest) (url.Values, *Problem) {
	raw := req.RawQueryString
	if raw == "" && len(req.QueryStringParameters) > 0 {
		v := url.Values{}
		for k, val := range req.QueryStringParameters {
			v.Set(k, val)
		}
		raw = v.Encode()
	}
	if len(raw) > MaxQuery {
		return nil, problem(http.StatusRequestURITooLong, ReasonQueryTooLong, "the query string is longer than %d bytes", MaxQuery)
	}
	return parseStrict(raw, "query", ReasonMalformedQuery)
}

func parseStrict(s, what string, malformed Reason) (url.Values, *Problem) {
	v, err := url.ParseQuery(s)
	if err != nil {
		return nil, problem(http.StatusBadRequest, malformed, "the %s is not valid URL encoding", what)
	}
	for k, vals := range v {
		if len(vals) > 1 {
			return nil, problem(http.StatusBadRequest, ReasonDuplicateParameter, "the %s gives %q more than once", what, truncate(k, 40))
		}
		if !utf8.ValidString(k) || !utf8.ValidString(vals[0]) {
			return nil, problem(http.StatusBadRequest, malformed, "the %s is not valid UTF-8", what)
		}
	}
	return v, nil
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// Cookie returns the value of the named cookie. HTTP API payload 2.0 puts
// cookies in Cookies; other callers may send a Cookie header.
func Cookie(req *events.APIGatewayV2HTTPRequest, name string) string {
	lines := req.Cookies
	if h := Header(req, "cookie"); h != "" {
		lines = append(lines[:len(lines):len(lines)], strings.Split(h, ";")...)
	}
	for _, line := range lines {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if ok && k == name {
			return v
		}
	}
	return ""
}
