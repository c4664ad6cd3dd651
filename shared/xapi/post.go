package xapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/dghubble/oauth1"
	"github.com/twitter-sessions/twitter-sessions/shared/signin"
)

// ErrNoOAuth1App is the failure of a call for a user holding OAuth 1.0a
// credentials on a stage configured without the OAuth 1.0a app (no
// TWITTER_CONSUMER_KEY and secret, an OAuth 2.0-only stage): such a call
// cannot be signed, so it is not sent (X would only answer 401, which reads
// as the user having revoked the app).
var ErrNoOAuth1App = errors.New("xapi: no OAuth 1.0a app configured (TWITTER_CONSUMER_KEY and secret) to sign an OAuth 1.0a user's call")

// post sends one JSON request on the user's behalf: with an OAuth 2.0 user
// access token in "Authorization: Bearer" (RFC 6750 section 2.1), or signed
// with OAuth 1.0a. A JSON body is not part of the OAuth 1.0a signature base
// string (RFC 5849 3.4.1.3.1 only takes form-encoded bodies), so the
// signature covers the method, URL and oauth_* parameters. The answer's
// rate-limit headers are returned on success and failure alike (on failure
// inside the *Error).
func (c *Client) post(ctx context.Context, step string, creds signin.Credentials, path string, body map[string]string, out *answer) (RateLimit, error) {
	if err := c.check(step, creds); err != nil {
		return RateLimit{}, err
	}
	b, err := json.Marshal(body)
	if err != nil {
		return RateLimit{}, fmt.Errorf("xapi: %s: %w", step, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, bytes.NewReader(b))
	if err != nil {
		return RateLimit{}, fmt.Errorf("xapi: %s: %w", step, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.send(ctx, req, creds)
	if err != nil {
		return RateLimit{}, Classify(step, err)
	}
	defer resp.Body.Close()
	rl := ParseRateLimit(resp.Header)
	data, err := ReadBody(resp.Body)
	if errors.Is(err, ErrMalformed) {
		return rl, err
	}
	if err != nil {
		return rl, Classify(step, err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return rl, ParseError(step, resp.StatusCode, resp.Header, data)
	}
	if err := json.Unmarshal(data, out); err != nil {
		return rl, fmt.Errorf("%w: %s: %v", ErrMalformed, step, err)
	}
	return rl, nil
}

// check refuses, before any request, credentials a call cannot be made
// with. The errors never carry a credential.
func (c *Client) check(step string, creds signin.Credentials) error {
	switch {
	case creds.OAuth2() && creds.Token == "":
		return fmt.Errorf("xapi: %s: no credentials", step)
	case creds.OAuth2():
		return nil
	case creds.Token == "" || creds.Secret == "":
		return fmt.Errorf("xapi: %s: no credentials", step)
	case c.cfg.ConsumerKey == "" || c.cfg.ConsumerSecret == "":
		return fmt.Errorf("%w: %s", ErrNoOAuth1App, step)
	}
	return nil
}

// send makes the one request, authorized as creds say.
func (c *Client) send(ctx context.Context, req *http.Request, creds signin.Credentials) (*http.Response, error) {
	if creds.OAuth2() {
		req.Header.Set("Authorization", "Bearer "+creds.Token)
		return c.http.Do(req)
	}
	signing := oauth1.NewClient(context.WithValue(ctx, oauth1.HTTPClient, c.http), &c.cfg, oauth1.NewToken(creds.Token, creds.Secret))
	signing.Timeout = c.http.Timeout
	return signing.Do(req)
}
