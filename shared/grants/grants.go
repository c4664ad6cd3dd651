package grants

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"

	"github.com/twitter-sessions/twitter-sessions/shared/config"
	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/xoauth1"
	"github.com/twitter-sessions/twitter-sessions/shared/xoauth2"
)

// OAuth1 is X's invalidation of an OAuth 1.0a access token (xoauth1.App);
// already reports a token X held invalid before the call (code 89).
type OAuth1 interface {
	Invalidate(ctx context.Context, token, secret string) (already bool, err error)
}

// OAuth2 is X's OAuth 2.0 revocation endpoint (xoauth2.Client).
type OAuth2 interface {
	Revoke(ctx context.Context, token, hint string) error
}

// Revoker revokes credentials of either kind, with the apps the stage has.
// Build it once; it is safe for concurrent use.
type Revoker struct {
	OAuth1 OAuth1 // nil: the stage has no OAuth 1.0a app
	OAuth2 OAuth2 // nil: the stage has no OAuth 2.0 client
}

// Apps are the X app's credentials a Revoker revokes with; a protocol
// whose key or secret is "" has no app.
type Apps struct {
	ConsumerKey, ConsumerSecret string // OAuth 1.0a
	ClientID, ClientSecret      string // OAuth 2.0
	BaseURL                     *url.URL
}

// New is the Revoker of apps, calling X with hc (xapi.NewHTTPClient: its
// timeout bounds each call).
func New(apps Apps, hc *http.Client) Revoker {
	var r Revoker
	if apps.ConsumerKey != "" && apps.ConsumerSecret != "" {
		r.OAuth1 = &xoauth1.App{ConsumerKey: apps.ConsumerKey, ConsumerSecret: apps.ConsumerSecret, BaseURL: apps.BaseURL, HTTPClient: hc}
	}
	if apps.ClientID != "" && apps.ClientSecret != "" {
		r.OAuth2 = xoauth2.NewClient(xoauth2.Options{
			ClientID: apps.ClientID, ClientSecret: apps.ClientSecret, BaseURL: apps.BaseURL, HTTPClient: hc,
		})
	}
	return r
}

// ForStage is the Revoker of the apps c configures.
func ForStage(c *config.Config, hc *http.Client) Revoker {
	return New(Apps{
		ConsumerKey: c.ConsumerKey, ConsumerSecret: c.ConsumerSecret.Reveal(),
		ClientID: c.ClientID, ClientSecret: c.ClientSecret.Reveal(),
		BaseURL: c.APIBaseURL,
	}, hc)
}

// ErrNoApp: the credentials are of a kind the stage has no app for.
var ErrNoApp = errors.New("grants: no X app of the credentials' kind to revoke them with")

// Done is what End did at X.
type Done struct {
	// Revoked names the OAuth 2.0 tokens revoked, in order:
	// "refresh_token", "access_token".
	Revoked []string
	// AlreadyInvalid: X held the OAuth 1.0a token invalid before the call
	// (code 89: the person removed the app, or it was invalidated before).
	AlreadyInvalid bool
}

// Revoke ends c's grant at X. Credentials X already took back (an OAuth
// 1.0a token answered with code 89; an unknown OAuth 2.0 token, RFC 7009
// 2.2) are no error. The error never holds a credential.
func (r Revoker) Revoke(ctx context.Context, c signin.Credentials) error {
	_, err := r.End(ctx, c)
	return err
}

// End is Revoke, saying what it did; an error from X names the token it
// was about (the hint), never its value.
func (r Revoker) End(ctx context.Context, c signin.Credentials) (Done, error) {
	var done Done
	if !c.OAuth2() {
		if r.OAuth1 == nil {
			return done, fmt.Errorf("%w (OAuth 1.0a)", ErrNoApp)
		}
		var err error
		done.AlreadyInvalid, err = r.OAuth1.Invalidate(ctx, c.Token, c.Secret)
		return done, err
	}
	if r.OAuth2 == nil {
		return done, fmt.Errorf("%w (OAuth 2.0)", ErrNoApp)
	}
	// The refresh token first: it is the lasting part of the grant, and
	// revoking it ends the grant's access tokens at X too (RFC 7009 2.1).
	for _, tk := range []struct{ value, hint string }{{c.Refresh, "refresh_token"}, {c.Token, "access_token"}} {
		if tk.value == "" {
			continue
		}
		if err := r.OAuth2.Revoke(ctx, tk.value, tk.hint); err != nil {
			return done, fmt.Errorf("the %s: %w", tk.hint, err)
		}
		done.Revoked = append(done.Revoked, tk.hint)
	}
	return done, nil
}

var _ signin.Revoker = Revoker{}
