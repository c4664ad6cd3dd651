package xoauth1

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/dghubble/oauth1"

	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/xapi"
	"github.com/twitter-sessions/twitter-sessions/shared/xid"
)

// Options configure the protocol.
type Options struct {
	ConsumerKey    string
	ConsumerSecret string
	BaseURL        *url.URL     // https://api.x.com, or the sandbox
	CallbackURL    string       // our callback route, as registered with the X app
	HTTPClient     *http.Client // required (xapi.NewHTTPClient): its Timeout bounds one call
	Retry          xapi.Retry
	Noncer         oauth1.Noncer // nil: 32 random bytes
}

// Protocol is OAuth 1.0a with X. Build it once; it is safe for concurrent use.
type Protocol struct {
	cfg   oauth1.Config
	http  *http.Client
	retry xapi.Retry
}

var _ signin.Protocol = (*Protocol)(nil)

// New returns the protocol for one X app. Every step uses the same host
// (mixing api.twitter.com and api.x.com between the steps breaks sign-in for
// some users).
func New(o Options) *Protocol {
	base := strings.TrimRight(o.BaseURL.String(), "/")
	noncer := o.Noncer
	if noncer == nil {
		// Set it here: dghubble's auther writes a default Noncer into the
		// shared Config on every request otherwise, a data race under load.
		noncer = oauth1.Base64Noncer{}
	}
	return &Protocol{
		cfg: oauth1.Config{
			ConsumerKey:    o.ConsumerKey,
			ConsumerSecret: o.ConsumerSecret,
			CallbackURL:    o.CallbackURL,
			Endpoint: oauth1.Endpoint{
				RequestTokenURL: base + "/oauth/request_token",
				// authenticate, not authorize: a visitor who already authorized
				// the app goes straight back ("Sign in with X").
				AuthorizeURL:   base + "/oauth/authenticate",
				AccessTokenURL: base + "/oauth/access_token",
			},
			Noncer: noncer,
		},
		http:  o.HTTPClient,
		retry: o.Retry,
	}
}

// stepClient returns a client for one call: bound to ctx (dghubble's token
// calls build their requests without one) and turning X's error answers into
// *xapi.Error.
func (p *Protocol) stepClient(ctx context.Context, step string) *http.Client {
	base := p.http.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	return &http.Client{
		Timeout:   p.http.Timeout,
		Transport: ctxTransport{ctx: ctx, base: xapi.ErrorTransport{Base: base, Step: step}},
	}
}

type ctxTransport struct {
	ctx  context.Context
	base http.RoundTripper
}

func (t ctxTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return t.base.RoundTrip(r.WithContext(t.ctx))
}

// AccessType is the x_auth_access_type a sign-in's request token carries:
// OAuth 1.0a has no scopes, but X lets a request token ask the visitor for
// less than the app's own level. "read" for a sign-up that only names the
// visitor, "write" for one that follows or posts with their token; "" (the
// parameter left out) for the brand's start, which needs the app's own
// level: only it includes Direct Messages.
func AccessType(a signin.Access) string {
	switch {
	case a.Brand:
		return ""
	case a.Follow || a.Post:
		return "write"
	}
	return "read"
}

// Start gets a request token (RFC 5849 2.1) asking for a's access level
// (AccessType) and the authenticate URL. x_auth_access_type travels in the
// request token URL's query, so the signature covers it (RFC 5849
// 3.4.1.3.1).
func (p *Protocol) Start(ctx context.Context, a signin.Access) (signin.Authorization, error) {
	endpoint := p.cfg.Endpoint
	if t := AccessType(a); t != "" {
		endpoint.RequestTokenURL += "?" + url.Values{"x_auth_access_type": {t}}.Encode()
	}
	var token, secret string
	err := p.retry.Do(ctx, func(ctx context.Context) error {
		cfg := p.cfg // a copy per try: its HTTPClient is bound to this call
		cfg.Endpoint = endpoint
		cfg.HTTPClient = p.stepClient(ctx, "request_token")
		var err error
		token, secret, err = cfg.RequestToken()
		return classify("request_token", err)
	})
	if err != nil {
		return signin.Authorization{}, err
	}
	u, err := p.cfg.AuthorizationURL(token)
	if err != nil {
		return signin.Authorization{}, fmt.Errorf("xoauth1: building the authenticate URL: %w", err)
	}
	return signin.Authorization{URL: u.String(), Key: token, Secret: secret}, nil
}

// classify keeps *xapi.Error and transport failures as they are and marks
// anything else dghubble reports (a 200 without the token, or without
// oauth_callback_confirmed=true) as a malformed answer.
func classify(step string, err error) error {
	if err == nil {
		return nil
	}
	var xe *xapi.Error
	var ue *url.Error
	if errors.As(err, &xe) || errors.As(err, &ue) {
		return xapi.Classify(step, err)
	}
	return fmt.Errorf("%w: %s: %v", xapi.ErrMalformed, step, err)
}

// ParseCallback reads X's redirect to our callback: oauth_token and
// oauth_verifier, or denied=<token> when the visitor cancelled.
func (p *Protocol) ParseCallback(q url.Values) (signin.Callback, error) {
	if d := q.Get("denied"); d != "" || q.Has("denied") {
		return signin.Callback{Key: d, Denied: true}, nil
	}
	token, verifier := q.Get("oauth_token"), q.Get("oauth_verifier")
	if token == "" || verifier == "" {
		return signin.Callback{}, fmt.Errorf("%w: oauth_token and oauth_verifier are required", signin.ErrBadCallback)
	}
	if len(token) > 200 || len(verifier) > 200 {
		return signin.Callback{}, fmt.Errorf("%w: parameter too long", signin.ErrBadCallback)
	}
	return signin.Callback{Key: token, Verifier: verifier}, nil
}

// Finish exchanges the verifier for the user's access token (RFC 5849 2.3).
// The request is signed with the consumer secret and the request token's
// secret; oauth_verifier travels in the query, as X documents it, and so is
// part of the signature base string (RFC 5849 3.4.1.3.1).
func (p *Protocol) Finish(ctx context.Context, s signin.Session, cb signin.Callback) (signin.Identity, error) {
	var id signin.Identity
	err := p.retry.Do(ctx, func(ctx context.Context) error {
		var err error
		id, err = p.accessToken(ctx, s, cb)
		return err
	})
	return id, err
}

func (p *Protocol) accessToken(ctx context.Context, s signin.Session, cb signin.Callback) (signin.Identity, error) {
	const step = "access_token"
	u := p.cfg.Endpoint.AccessTokenURL + "?" + url.Values{"oauth_verifier": {cb.Verifier}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, nil)
	if err != nil {
		return signin.Identity{}, fmt.Errorf("xoauth1: %w", err)
	}
	signing := oauth1.NewClient(
		context.WithValue(ctx, oauth1.HTTPClient, p.stepClient(ctx, step)),
		&p.cfg,
		oauth1.NewToken(s.Key, s.Secret),
	)
	signing.Timeout = p.http.Timeout
	resp, err := signing.Do(req)
	if err != nil {
		return signin.Identity{}, xapi.Classify(step, err)
	}
	defer resp.Body.Close()
	body, err := xapi.ReadBody(resp.Body)
	if err != nil {
		return signin.Identity{}, xapi.Classify(step, err)
	}
	v, err := url.ParseQuery(strings.TrimSpace(string(body)))
	if err != nil {
		return signin.Identity{}, fmt.Errorf("%w: %s: body is not form-encoded", xapi.ErrMalformed, step)
	}
	id := signin.Identity{
		UserID:      v.Get("user_id"),
		ScreenName:  v.Get("screen_name"),
		Credentials: signin.Credentials{Kind: signin.KindOAuth1, Token: v.Get("oauth_token"), Secret: v.Get("oauth_token_secret")},
	}
	if id.Token == "" || id.Secret == "" {
		return signin.Identity{}, fmt.Errorf("%w: %s: no oauth_token or oauth_token_secret", xapi.ErrMalformed, step)
	}
	if !xid.Valid(id.UserID) {
		return signin.Identity{}, fmt.Errorf("%w: %s: user_id is not an X id", xapi.ErrMalformed, step)
	}
	if !xid.ValidHandle(id.ScreenName) {
		return signin.Identity{}, fmt.Errorf("%w: %s: screen_name is not an X handle", xapi.ErrMalformed, step)
	}
	return id, nil
}
