package xoauth1

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/dghubble/oauth1"

	"github.com/twitter-sessions/twitter-sessions/shared/xapi"
)

// StepInvalidate names the invalidate_token call in its errors.
const StepInvalidate = "invalidate_token"

// App is the X app's OAuth 1.0a client credentials, for Invalidate.
type App struct {
	ConsumerKey    string
	ConsumerSecret string
	BaseURL        *url.URL      // https://api.x.com, or the sandbox
	HTTPClient     *http.Client  // required (xapi.NewHTTPClient): its Timeout bounds the call
	Noncer         oauth1.Noncer // nil: 32 random bytes
}

// Invalidate revokes a user's OAuth 1.0a access token at X: one POST
// to /1.1/oauth/invalidate_token, signed (HMAC-SHA1, user context) with the
// app's consumer credentials and the very token and secret it invalidates.
// already is true when X answered 401 code 89 ("Invalid or expired token"):
// the token was invalid before (the person removed the app, or an earlier
// call invalidated it), so nothing is left to revoke. Any other failure is
// an *xapi.Error, xapi.ErrTimeout, xapi.ErrUnreachable or xapi.ErrMalformed,
// with no credential in its text. The call is never repeated here.
//
// It is apart from Protocol: shared/grants calls it for the callback (an
// impostor's grant on the brand's start), twitter_actions (a visitor's token
// once its work is done) and tws forget.
func (app App) Invalidate(ctx context.Context, token, secret string) (already bool, err error) {
	if token == "" || secret == "" {
		return false, fmt.Errorf("xoauth1: %s: no token or token secret", StepInvalidate)
	}
	if app.ConsumerKey == "" || app.ConsumerSecret == "" {
		return false, fmt.Errorf("%w: %s", xapi.ErrNoOAuth1App, StepInvalidate)
	}
	u := strings.TrimRight(app.BaseURL.String(), "/") + "/1.1/oauth/invalidate_token"
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u, nil)
	if err != nil {
		return false, fmt.Errorf("xoauth1: %s: %w", StepInvalidate, err)
	}
	noncer := app.Noncer
	if noncer == nil {
		noncer = oauth1.Base64Noncer{}
	}
	cfg := &oauth1.Config{ConsumerKey: app.ConsumerKey, ConsumerSecret: app.ConsumerSecret, Noncer: noncer}
	signing := oauth1.NewClient(context.WithValue(ctx, oauth1.HTTPClient, app.HTTPClient), cfg, oauth1.NewToken(token, secret))
	signing.Timeout = app.HTTPClient.Timeout
	resp, err := signing.Do(req)
	if err != nil {
		return false, xapi.Classify(StepInvalidate, err)
	}
	defer resp.Body.Close()
	body, err := xapi.ReadBody(resp.Body)
	switch {
	case errors.Is(err, xapi.ErrMalformed):
		return false, err
	case err != nil:
		return false, xapi.Classify(StepInvalidate, err)
	case resp.StatusCode < 200 || resp.StatusCode > 299:
		xe := xapi.ParseError(StepInvalidate, resp.StatusCode, resp.Header, body)
		return xe.Code == 89, errorUnless89(xe)
	}
	// X names the token it invalidated: anything else is no confirmation.
	var ans struct {
		AccessToken string `json:"access_token"`
	}
	if json.Unmarshal(body, &ans) != nil || ans.AccessToken != token {
		return false, fmt.Errorf("%w: %s: the answer does not name the token it invalidated", xapi.ErrMalformed, StepInvalidate)
	}
	return false, nil
}

// errorUnless89 is X's refusal, nil when it is code 89: the token is
// already invalid, which is what the call was for.
func errorUnless89(xe *xapi.Error) error {
	if xe.Code == 89 {
		return nil
	}
	return xe
}
