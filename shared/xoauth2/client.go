package xoauth2

import (
	"context"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/twitter-sessions/twitter-sessions/shared/clock"

	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/xapi"
)

// Client calls X's OAuth 2.0 token and revoke endpoints as the app's
// confidential client. Every method makes exactly one request and never
// repeats it: whether a token request may be sent again is the caller's
// decision (a code or refresh token whose answer was lost may already be
// spent). Build it once; it is safe for concurrent use.
type Client struct {
	basic     string // the Authorization header's value
	clientID  string
	tokenURL  string
	revokeURL string
	http      *http.Client
	now       func() time.Time
}

// NewClient returns the client of one X app. o.HTTPClient is required
// (xapi.NewHTTPClient): its Timeout bounds one call.
func NewClient(o Options) *Client {
	base := strings.TrimRight(o.BaseURL.String(), "/")
	return &Client{
		basic:     basicAuth(o.ClientID, o.ClientSecret),
		clientID:  o.ClientID,
		tokenURL:  base + "/2/oauth2/token",
		revokeURL: base + "/2/oauth2/revoke",
		http:      o.HTTPClient,
		now:       o.Now,
	}
}

// basicAuth is the client's HTTP Basic credentials as RFC 6749 section
// 2.3.1 has them: id and secret each form-urlencoded (Appendix B) before
// they are joined and base64-encoded.
func basicAuth(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret)))
}

// Refresh exchanges a refresh token for new credentials (RFC 6749 section
// 6): one POST, never retried here. X's refresh tokens are single-use: on
// success the one given is spent and the answer holds its successor; a
// failure that may hide a success (xapi.OutcomeUnknown: a 5xx, no answer)
// may have spent it too, and presenting it again is reported to make X
// revoke the whole grant. A 2xx answer without a usable access token
// (xapi.ErrMalformed) has spent it as well. X's refusals are *xapi.Error
// (GrantInvalid: the user must sign in again).
func (c *Client) Refresh(ctx context.Context, refreshToken string) (signin.Credentials, error) {
	if refreshToken == "" {
		return signin.Credentials{}, fmt.Errorf("xoauth2: %s: no refresh token", StepRefresh)
	}
	return c.token(ctx, StepRefresh, url.Values{
		"grant_type":    {"refresh_token"},
		"refresh_token": {refreshToken},
		"client_id":     {c.clientID},
	})
}

// exchange trades an authorization code and its PKCE verifier for the
// user's first credentials (RFC 6749 4.1.3, RFC 7636 4.5).
func (c *Client) exchange(ctx context.Context, code, verifier, redirectURI string) (signin.Credentials, error) {
	return c.token(ctx, StepToken, url.Values{
		"grant_type":    {"authorization_code"},
		"code":          {code},
		"redirect_uri":  {redirectURI},
		"code_verifier": {verifier},
		"client_id":     {c.clientID},
	})
}

// Revoke revokes an access or a refresh token (RFC 7009 section 2.1); hint
// is "access_token" or "refresh_token" ("" for none). X revokes the whole
// grant with a refresh token. An unknown token is no error (RFC 7009 2.2).
func (c *Client) Revoke(ctx context.Context, token, hint string) error {
	if token == "" {
		return fmt.Errorf("xoauth2: %s: no token", StepRevoke)
	}
	form := url.Values{"token": {token}, "client_id": {c.clientID}}
	if hint != "" {
		form.Set("token_type_hint", hint)
	}
	_, err := c.post(ctx, StepRevoke, c.revokeURL, form)
	return err
}

// token posts a grant to the token endpoint and reads the credentials.
func (c *Client) token(ctx context.Context, step string, form url.Values) (signin.Credentials, error) {
	body, err := c.post(ctx, step, c.tokenURL, form)
	if err != nil {
		return signin.Credentials{}, err
	}
	return readToken(step, body, clock.Now(c.now))
}

// post sends one form-encoded request with the client's credentials and
// returns the body of a 2xx answer. Neither the form nor the credentials
// ever reach an error.
func (c *Client) post(ctx context.Context, step, endpoint string, form url.Values) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("xoauth2: %s: %w", step, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Authorization", c.basic)
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, xapi.Classify(step, err)
	}
	defer resp.Body.Close()
	body, err := xapi.ReadBody(resp.Body)
	if err != nil {
		return nil, xapi.Classify(step, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		// Never a revoked user token, whatever the body: the client or the
		// grant was refused.
		return nil, xapi.ParseOAuth2Error(step, resp.StatusCode, resp.Header, body)
	}
	return body, nil
}
