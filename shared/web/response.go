package web

import (
	"encoding/json"
	"net/http"
	"net/url"
	"time"

	"github.com/aws/aws-lambda-go/events"
)

// baseHeaders go on every answer. no-store: a redirect carrying a result or
// an authorize URL must never be replayed from a cache. no-referrer: the
// callback's URL holds the request token and verifier, which the site we
// redirect to must not see in its Referer.
func baseHeaders(contentType string) map[string]string {
	h := map[string]string{
		"Cache-Control":          "no-store",
		"Referrer-Policy":        "no-referrer",
		"X-Content-Type-Options": "nosniff",
	}
	if contentType != "" {
		h["Content-Type"] = contentType
	}
	return h
}

// Redirect answers status (302 or 303) to location.
func Redirect(status int, location string, cookies ...string) events.APIGatewayV2HTTPResponse {
	h := baseHeaders("")
	h["Location"] = location
	return events.APIGatewayV2HTTPResponse{StatusCode: status, Headers: h, Cookies: cookies}
}

// JSON answers v as JSON.
func JSON(status int, v any, cookies ...string) events.APIGatewayV2HTTPResponse {
	b, err := json.Marshal(v)
	if err != nil {
		b = []byte(`{"error":"internal"}`)
		status = http.StatusInternalServerError
	}
	return events.APIGatewayV2HTTPResponse{StatusCode: status, Headers: baseHeaders("application/json"), Body: string(b), Cookies: cookies}
}

// Refuse answers a 4xx for a request we will not serve: JSON for clients that
// asked for it, plain text for the rest.
func Refuse(p *Problem, asJSON bool) events.APIGatewayV2HTTPResponse {
	if asJSON {
		return JSON(p.Status, map[string]string{"error": p.Message, "reason": p.Reason.String()})
	}
	return events.APIGatewayV2HTTPResponse{
		StatusCode: p.Status,
		Headers:    baseHeaders("text/plain; charset=utf-8"),
		Body:       p.Message + "\n",
	}
}

// MethodNotAllowed answers 405 naming the allowed method.
func MethodNotAllowed(allow string, asJSON bool) events.APIGatewayV2HTTPResponse {
	r := Refuse(problem(http.StatusMethodNotAllowed, ReasonMethodNotAllowed, "use %s", allow), asJSON)
	r.Headers["Allow"] = allow
	return r
}

// ResultURL adds the result parameters to the site URL, keeping its own query.
func ResultURL(site *url.URL, params url.Values) string {
	u := *site
	q := u.Query()
	for k, v := range params {
		q[k] = v
	}
	u.RawQuery = q.Encode()
	u.Fragment = ""
	return u.String()
}

// BindingCookie sets or clears (maxAge 0) the cookie that binds a browser to
// the sign-in it started. Lax lets it ride on X's top-level redirect back to
// the callback; its path is the callback's; HttpOnly keeps it from scripts.
func BindingCookie(name, value, path string, maxAge time.Duration, secure bool) string {
	c := http.Cookie{
		Name:     name,
		Value:    value,
		Path:     path,
		MaxAge:   int(maxAge / time.Second),
		HttpOnly: true,
		Secure:   secure,
		SameSite: http.SameSiteLaxMode,
	}
	if maxAge <= 0 {
		c.MaxAge = -1 // "Max-Age=0": delete now
	}
	return c.String()
}
