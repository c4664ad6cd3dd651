package xapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"

	"github.com/dghubble/oauth1"
)

// post sends one signed JSON request. A JSON body is not part of the OAuth
// signature base string (RFC 5849 3.4.1.3.1 only takes form-encoded bodies),
// so the signature covers the method, URL and oauth_* parameters. The answer's
// rate-limit headers are returned on success and failure alike (on failure
// inside the *Error).
func (c *Client) post(ctx context.Context, step string, creds Credentials, path string, body map[string]string, out *answer) (RateLimit, error) {
	if creds.Token == "" || creds.Secret == "" {
		return RateLimit{}, fmt.Errorf("xapi: %s: no credentials", step)
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
	signing := oauth1.NewClient(context.WithValue(ctx, oauth1.HTTPClient, c.http), &c.cfg, oauth1.NewToken(creds.Token, creds.Secret))
	signing.Timeout = c.http.Timeout
	resp, err := signing.Do(req)
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
