package web

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/twitter-sessions/twitter-sessions/shared/clock"

	"github.com/aws/aws-lambda-go/events"
	"github.com/rs/zerolog"

	"github.com/twitter-sessions/twitter-sessions/shared/logging"
	"github.com/twitter-sessions/twitter-sessions/shared/unsubscribe"
)

// Unsubscriber is the store method the unsubscribe page needs.
type Unsubscriber interface {
	Unsubscribe(ctx context.Context, uid string, now time.Time) (bool, error)
}

// UnsubscribePage serves the link at the foot of every DM (twitter_callback
// serves it beside the callback: CallbackRoutes). GET shows a page with one
// button; the button POSTs to the same URL, which unsubscribes. A GET alone
// must not unsubscribe: X fetches links in DMs to build previews, and mail
// and chat scanners follow links, which would unsubscribe people who never
// clicked.
type UnsubscribePage struct {
	Links *unsubscribe.Links
	Users Unsubscriber
	Log   zerolog.Logger
	Now   func() time.Time // default time.Now
}

// Handle answers GET and POST /api/unsubscribe?uid=..&sig=.. (HTTP API,
// payload format 2.0).
func (p *UnsubscribePage) Handle(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	log := logging.ForInvocation(ctx, p.Log)
	if err := CheckEvent(log, &req); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	method := Method(&req)
	if method != http.MethodGet && method != http.MethodPost && method != http.MethodHead {
		r := page(http.StatusMethodNotAllowed, "Not allowed", "Open the link from the message.", "")
		r.Headers["Allow"] = "GET, POST"
		return r, nil
	}
	q, prob := ParseQuery(&req)
	uid, sig := "", ""
	if prob == nil {
		uid, sig = q.Get("uid"), q.Get("sig")
	}
	if !p.Links.Verify(uid, sig) {
		log.Info().Stringer("outcome", ReasonBadSignature).Msg("unsubscribe refused")
		return page(http.StatusBadRequest, "This link is not valid",
			"The unsubscribe link is incomplete or was changed. Open it again from the message.", ""), nil
	}
	action := unsubscribe.Path + "?" + url.Values{"uid": {uid}, "sig": {sig}}.Encode()
	if method != http.MethodPost {
		return page(http.StatusOK, "Stop promotional messages?",
			"You will no longer receive our promotional direct messages on X.", action), nil
	}
	found, err := p.Users.Unsubscribe(ctx, uid, p.now())
	if err != nil {
		log.Error().Err(err).Str("uid", uid).Msg("unsubscribe failed")
		// Not a 5xx: the visitor gets a clear page with the button to try again.
		return page(http.StatusOK, "Please try again",
			"We could not record your choice just now. Please press the button again in a minute.", action), nil
	}
	log.Info().Str("uid", uid).Bool("known_user", found).Str("outcome", "unsubscribed").Msg("unsubscribe")
	return page(http.StatusOK, "You are unsubscribed",
		"You will no longer receive our promotional direct messages on X.", ""), nil
}

func (p *UnsubscribePage) now() time.Time { return clock.Now(p.Now) }

// page answers a small HTML page. Never cached; never indexed; no referrer
// (the URL carries the signature).
func page(status int, title, message, action string) events.APIGatewayV2HTTPResponse {
	// Built with html.EscapeString rather than html/template: the template
	// package adds 3 MiB and several ms of init to twitter_callback's cold
	// start for one page with three values (measured with make bench).
	var b strings.Builder
	b.WriteString(`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex"><title>`)
	b.WriteString(html.EscapeString(title))
	b.WriteString(`</title>
<style>body{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;line-height:1.5}
button{font:inherit;padding:.6rem 1.2rem;border-radius:.4rem;border:1px solid #333;background:#111;color:#fff;cursor:pointer}</style>
</head><body><h1>`)
	b.WriteString(html.EscapeString(title))
	b.WriteString("</h1><p>")
	b.WriteString(html.EscapeString(message))
	b.WriteString("</p>\n")
	if action != "" {
		b.WriteString(`<form method="post" action="`)
		b.WriteString(html.EscapeString(action))
		b.WriteString(`"><button type="submit">Unsubscribe</button></form>` + "\n")
	}
	b.WriteString("</body></html>\n")
	h := baseHeaders("text/html; charset=utf-8")
	h["X-Robots-Tag"] = "noindex"
	h["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'"
	return events.APIGatewayV2HTTPResponse{StatusCode: status, Headers: h, Body: b.String()}
}

// handler is a Lambda handler of HTTP API (payload format 2.0) requests.
type handler = func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)

// CallbackRoutes is twitter_callback's handler (serverless.yml routes both
// GET /api/twitter-callback and GET|POST /api/unsubscribe to it): the
// unsubscribe route goes to unsubscribe, everything else to callback.
func CallbackRoutes(callback, unsubscribePage handler) handler {
	return func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		if req.RawPath == unsubscribe.Path || strings.HasSuffix(req.RouteKey, " "+unsubscribe.Path) {
			return unsubscribePage(ctx, req)
		}
		return callback(ctx, req)
	}
}
