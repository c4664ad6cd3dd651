package actions

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"html"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/rs/zerolog"

	"github.com/twitter-sessions/twitter-sessions/shared/logging"
	"github.com/twitter-sessions/twitter-sessions/shared/web"
	"github.com/twitter-sessions/twitter-sessions/shared/xapi"
)

// UnsubscribePath is the route of the unsubscribe link.
const UnsubscribePath = "/api/unsubscribe"

// legacyLinkKeyLabel is the label of the first scheme, in which the link key
// was derived from the token encryption key: HMAC-SHA256(encryption key,
// label). Links signed that way are still in people's inboxes, so the
// derivation is kept, for verifying only.
const legacyLinkKeyLabel = "twitter-sessions/unsubscribe-link/v1"

// LegacyLinkKey is the link key that was derived from a token encryption key
// before links had a key of their own (LINK_SIGNING_KEY). make secrets stores
// these in LINK_SIGNING_OLD_KEYS so that old links outlive the encryption
// keys they came from.
func LegacyLinkKey(encryptionKey []byte) []byte {
	m := hmac.New(sha256.New, encryptionKey)
	m.Write([]byte(legacyLinkKeyLabel))
	return m.Sum(nil)
}

// Links signs and checks unsubscribe links:
// <base>?uid=<uid>&sig=<base64url(HMAC-SHA256(k, "unsubscribe:"+uid))[:16 bytes]>.
// The links never expire (a DM stays in the inbox for years); they can only
// unsubscribe, and only the user they name. Their key is independent of the
// token encryption keys: rotating and dropping those never breaks a link.
type Links struct {
	base *url.URL
	keys [][]byte // [0] signs; all verify
}

// NewLinks returns links signed with signKey (LINK_SIGNING_KEY) that also
// verify under each of verifyOnly (earlier link keys, and the legacy keys
// derived from token encryption keys). base is the unsubscribe route's
// absolute URL.
func NewLinks(base *url.URL, signKey []byte, verifyOnly ...[]byte) *Links {
	return &Links{base: base, keys: append([][]byte{signKey}, verifyOnly...)}
}

// BaseFromCallback is the unsubscribe route on the host of our callback URL
// (TWITTER_CALLBACK_URL with its path replaced).
func BaseFromCallback(callback *url.URL) *url.URL {
	u := *callback
	u.Path, u.RawPath, u.RawQuery, u.Fragment = UnsubscribePath, "", "", ""
	return &u
}

func sign(key []byte, uid string) string {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("unsubscribe:" + uid))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// URL is uid's unsubscribe link.
func (l *Links) URL(uid string) string {
	u := *l.base
	u.RawQuery = url.Values{"uid": {uid}, "sig": {sign(l.keys[0], uid)}}.Encode()
	return u.String()
}

// Verify checks a link's signature in constant time.
func (l *Links) Verify(uid, sig string) bool {
	if _, err := xapi.ParseID(uid); err != nil || sig == "" {
		return false
	}
	ok := false
	for _, k := range l.keys {
		if hmac.Equal([]byte(sign(k, uid)), []byte(sig)) {
			ok = true
		}
	}
	return ok
}

// Footer appends the unsubscribe line to a DM's text (X's automation rules: automated DMs
// must carry a visible way to stop them).
func (l *Links) Footer(text, uid string) string {
	return text + "\n\nStop these messages: " + l.URL(uid)
}

// Unsubscriber is the store method the unsubscribe page needs.
type Unsubscriber interface {
	Unsubscribe(ctx context.Context, uid string, now time.Time) (bool, error)
}

// UnsubscribePage serves the link. GET shows a page with one button; the
// button POSTs to the same URL, which unsubscribes. A GET alone must not
// unsubscribe: X fetches links in DMs to build previews, and mail and chat
// scanners follow links, which would unsubscribe people who never clicked.
type UnsubscribePage struct {
	Links *Links
	Users Unsubscriber
	Log   zerolog.Logger
	Now   func() time.Time
}

// Handle answers GET and POST /api/unsubscribe?uid=..&sig=.. (HTTP API,
// payload format 2.0).
func (p *UnsubscribePage) Handle(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
	log := logging.ForInvocation(ctx, p.Log)
	if err := web.CheckEvent(log, &req); err != nil {
		return events.APIGatewayV2HTTPResponse{}, err
	}
	method := web.Method(&req)
	if method != http.MethodGet && method != http.MethodPost && method != http.MethodHead {
		r := page(http.StatusMethodNotAllowed, "Not allowed", "Open the link from the message.", "")
		r.Headers["Allow"] = "GET, POST"
		return r, nil
	}
	q, prob := web.ParseQuery(&req)
	uid, sig := "", ""
	if prob == nil {
		uid, sig = q.Get("uid"), q.Get("sig")
	}
	if !p.Links.Verify(uid, sig) {
		log.Info().Str("outcome", "bad_signature").Msg("unsubscribe refused")
		return page(http.StatusBadRequest, "This link is not valid",
			"The unsubscribe link is incomplete or was changed. Open it again from the message.", ""), nil
	}
	if method != http.MethodPost {
		action := UnsubscribePath + "?" + url.Values{"uid": {uid}, "sig": {sig}}.Encode()
		return page(http.StatusOK, "Stop promotional messages?",
			"You will no longer receive our promotional direct messages on X.", action), nil
	}
	now := time.Now().UTC()
	if p.Now != nil {
		now = p.Now().UTC()
	}
	found, err := p.Users.Unsubscribe(ctx, uid, now)
	if err != nil {
		log.Error().Err(err).Str("uid", uid).Msg("unsubscribe failed")
		// Not a 5xx: the visitor gets a clear page with the button to try again.
		action := UnsubscribePath + "?" + url.Values{"uid": {uid}, "sig": {sig}}.Encode()
		return page(http.StatusOK, "Please try again",
			"We could not record your choice just now. Please press the button again in a minute.", action), nil
	}
	log.Info().Str("uid", uid).Bool("known_user", found).Str("outcome", "unsubscribed").Msg("unsubscribe")
	return page(http.StatusOK, "You are unsubscribed",
		"You will no longer receive our promotional direct messages on X.", ""), nil
}

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
	return events.APIGatewayV2HTTPResponse{
		StatusCode: status,
		Headers: map[string]string{
			"Content-Type":            "text/html; charset=utf-8",
			"Cache-Control":           "no-store",
			"Referrer-Policy":         "no-referrer",
			"X-Content-Type-Options":  "nosniff",
			"X-Robots-Tag":            "noindex",
			"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
		},
		Body: b.String(),
	}
}
