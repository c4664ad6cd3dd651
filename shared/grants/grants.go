package grants

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/twitter-sessions/twitter-sessions/shared/config"
	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/xoauth1"
	"github.com/twitter-sessions/twitter-sessions/shared/xoauth2"
)

// OAuth2 is X's OAuth 2.0 revocation endpoint (xoauth2.Client).
type OAuth2 interface {
	Revoke(ctx context.Context, token, hint string) error
}

// Revoker revokes credentials of either kind, with the apps the stage has.
// Build it once; it is safe for concurrent use.
type Revoker struct {
	OAuth1 *xoauth1.App // nil: the stage has no OAuth 1.0a app
	OAuth2 OAuth2       // nil: the stage has no OAuth 2.0 client
}

// ForStage is the Revoker of the apps c configures, calling X with hc
// (xapi.NewHTTPClient: its timeout bounds each call).
func ForStage(c *config.Config, hc *http.Client) Revoker {
	var r Revoker
	if c.ConsumerKey != "" {
		r.OAuth1 = &xoauth1.App{ConsumerKey: c.ConsumerKey, ConsumerSecret: c.ConsumerSecret.Reveal(), BaseURL: c.APIBaseURL, HTTPClient: hc}
	}
	if c.ClientID != "" {
		r.OAuth2 = xoauth2.NewClient(xoauth2.Options{
			ClientID: c.ClientID, ClientSecret: c.ClientSecret.Reveal(), BaseURL: c.APIBaseURL, HTTPClient: hc,
		})
	}
	return r
}

// ErrNoApp: the credentials are of a kind the stage has no app for.
var ErrNoApp = errors.New("grants: no X app of the credentials' kind to revoke them with")

// Revoke ends c's grant at X. Credentials X already took back (an OAuth
// 1.0a token answered with code 89; an unknown OAuth 2.0 token, RFC 7009
// 2.2) are no error. The error never holds a credential.
func (r Revoker) Revoke(ctx context.Context, c signin.Credentials) error {
	if !c.OAuth2() {
		if r.OAuth1 == nil {
			return fmt.Errorf("%w (OAuth 1.0a)", ErrNoApp)
		}
		_, err := xoauth1.InvalidateToken(ctx, *r.OAuth1, c.Token, c.Secret)
		return err
	}
	if r.OAuth2 == nil {
		return fmt.Errorf("%w (OAuth 2.0)", ErrNoApp)
	}
	// The refresh token first: it is the lasting part of the grant, and
	// revoking it ends the grant's access tokens at X too (RFC 7009 2.1).
	if c.Refresh != "" {
		if err := r.OAuth2.Revoke(ctx, c.Refresh, "refresh_token"); err != nil {
			return err
		}
	}
	if c.Token == "" {
		return nil
	}
	return r.OAuth2.Revoke(ctx, c.Token, "access_token")
}

var _ signin.Revoker = Revoker{}
