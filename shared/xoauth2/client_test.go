package xoauth2_test

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/xapi"
	"github.com/twitter-sessions/twitter-sessions/shared/xoauth2"
	"github.com/twitter-sessions/twitter-sessions/tools/xsandbox"
)

const (
	clientID     = "xoauth2-test-client"
	clientSecret = "xoauth2-test-secret-5b9c"
	callbackURL  = "https://api.brand.example/api/twitter-callback"
	alice        = "1234567890123456789" // beyond 2^53
	bob          = "9007199254740993"    // 2^53 + 1
)

var allScopes = []string{"users.read", "tweet.read", "offline.access", "dm.read", "dm.write", "follows.write", "tweet.write"}

// fixedNow is the clients' clock: expiries are exact.
var fixedNow = time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)

// sandbox serves an X sandbox whose app is this test's confidential client.
func sandbox(t *testing.T) (*xsandbox.Sandbox, *url.URL) {
	t.Helper()
	sb := xsandbox.New(xsandbox.Options{ClientID: clientID, ClientSecret: clientSecret, AllowedCallbacks: []string{callbackURL}})
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	return sb, u
}

func options(base *url.URL, timeout time.Duration) xoauth2.Options {
	authorize := *base
	authorize.Path = "/i/oauth2/authorize"
	return xoauth2.Options{
		ClientID: clientID, ClientSecret: clientSecret,
		AuthorizeURL: &authorize, BaseURL: base, CallbackURL: callbackURL,
		HTTPClient: xapi.NewHTTPClient(timeout),
		Retry:      xapi.Retry{Attempts: 3, Backoff: 10 * time.Millisecond, MaxWait: time.Second},
		Now:        func() time.Time { return fixedNow },
	}
}

func tokenCalls(sb *xsandbox.Sandbox) int {
	sb.WaitIdle(2 * time.Second)
	n := 0
	for _, c := range sb.Calls() {
		if c.Endpoint == xsandbox.EndpointOAuth2Token {
			n++
		}
	}
	return n
}

// status is X's HTTP status in err, 0 when X did not answer.
func status(err error) int {
	var xe *xapi.Error
	if errors.As(err, &xe) {
		return xe.Status
	}
	return 0
}

// usersMe is X's who-am-I with an OAuth 2.0 access token: the status only.
func usersMe(t *testing.T, base *url.URL, token string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, base.String()+"/2/users/me", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestRefreshRotatesTheTokens(t *testing.T) {
	t.Parallel()
	sb, base := sandbox(t)
	c := xoauth2.NewClient(options(base, 2*time.Second))
	access, refresh := sb.IssueOAuth2Token(alice, allScopes...)

	got, err := c.Refresh(context.Background(), refresh)
	if err != nil {
		t.Fatal(err)
	}
	if got.Kind != signin.KindOAuth2 || got.Token == "" || got.Token == access || got.Refresh == "" || got.Refresh == refresh {
		t.Fatal("the refresh did not return a new access and refresh token of kind oauth2")
	}
	if !got.ExpiresAt.Equal(fixedNow.Add(2 * time.Hour)) {
		t.Fatalf("ExpiresAt = %v, want now + expires_in (7200 s)", got.ExpiresAt)
	}
	if usersMe(t, base, got.Token) != http.StatusOK || usersMe(t, base, access) != http.StatusUnauthorized {
		t.Fatal("the new access token does not work, or the old one still does")
	}
	refreshes := sb.OAuth2Refreshes()
	if len(refreshes) != 1 || !refreshes[0].OK || tokenCalls(sb) != 1 {
		t.Fatalf("X saw %+v, want exactly one successful refresh", refreshes)
	}

	t.Run("a spent refresh token is refused as an invalid grant, which is no revoked user token", func(t *testing.T) {
		_, err := c.Refresh(context.Background(), refresh)
		var xe *xapi.Error
		if !errors.As(err, &xe) || xe.Status != http.StatusBadRequest || !xe.GrantInvalid() || xe.Revoked() || xe.Reason() != "x_oauth2_invalid_grant" {
			t.Fatalf("err = %v", err)
		}
		if xapi.OutcomeUnknown(err) {
			t.Fatal("a refusal read as an unknown outcome")
		}
	})
}

func TestRefreshIsNeverRetriedInside(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		fault   xsandbox.Fault
		timeout time.Duration
		check   func(error) bool
	}{
		{"a 503 is returned as an unknown outcome", xsandbox.Fault{Status: 503, Times: 3}, 2 * time.Second,
			func(err error) bool { return xapi.OutcomeUnknown(err) && status(err) == 503 }},
		{"a 500 is returned as an unknown outcome", xsandbox.Fault{Status: 500, Times: 3}, 2 * time.Second,
			func(err error) bool { return xapi.OutcomeUnknown(err) && status(err) == 500 }},
		{"no answer in time is ErrTimeout", xsandbox.Fault{Delay: time.Second, Times: 3}, 100 * time.Millisecond,
			func(err error) bool { return errors.Is(err, xapi.ErrTimeout) && xapi.OutcomeUnknown(err) }},
		{"a dropped connection is ErrUnreachable", xsandbox.Fault{CloseConn: true, Times: 3}, 2 * time.Second,
			func(err error) bool { return errors.Is(err, xapi.ErrUnreachable) && xapi.OutcomeUnknown(err) }},
		{"a 429 is a refusal X made before acting", xsandbox.Fault{Status: 429, Times: 3}, 2 * time.Second,
			func(err error) bool { return !xapi.OutcomeUnknown(err) && status(err) == 429 }},
		{"a 2xx without tokens is ErrMalformed", xsandbox.Fault{Status: 200, Body: `{"token_type":"bearer"}`, Times: 3}, 2 * time.Second,
			func(err error) bool { return errors.Is(err, xapi.ErrMalformed) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sb, base := sandbox(t)
			c := xoauth2.NewClient(options(base, tt.timeout))
			_, refresh := sb.IssueOAuth2Token(alice, allScopes...)
			tt.fault.Endpoint = xsandbox.EndpointOAuth2Token
			sb.InjectFault(tt.fault)
			_, err := c.Refresh(context.Background(), refresh)
			if err == nil || !tt.check(err) {
				t.Fatalf("err = %v", err)
			}
			if n := tokenCalls(sb); n != 1 {
				t.Fatalf("%d token requests, want exactly one", n)
			}
			if strings.Contains(err.Error(), refresh) || strings.Contains(err.Error(), clientSecret) {
				t.Fatal("the error carries the refresh token or the client secret")
			}
		})
	}
}

func TestTheClientAuthenticatesWithBasic(t *testing.T) {
	t.Parallel()
	t.Run("a wrong secret is invalid_client with a hint, and not a revoked user", func(t *testing.T) {
		sb, base := sandbox(t)
		o := options(base, 2*time.Second)
		o.ClientSecret = "not-the-secret"
		_, refresh := sb.IssueOAuth2Token(alice, allScopes...)
		_, err := xoauth2.NewClient(o).Refresh(context.Background(), refresh)
		var xe *xapi.Error
		if !errors.As(err, &xe) || xe.Status != http.StatusUnauthorized || xe.Reason() != "x_oauth2_invalid_client" || xe.Revoked() {
			t.Fatalf("err = %v", err)
		}
		if !strings.Contains(xe.OperatorHint(), "TWITTER_CLIENT_ID") {
			t.Fatalf("hint %q", xe.OperatorHint())
		}
		if strings.Contains(err.Error(), "not-the-secret") {
			t.Fatal("the error carries the secret")
		}
	})
	t.Run("id and secret are form-encoded before base64 (RFC 6749 2.3.1)", func(t *testing.T) {
		var got string
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got = r.Header.Get("Authorization")
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"token_type":"bearer","expires_in":60,"access_token":"a","refresh_token":"r"}`))
		}))
		defer srv.Close()
		base, _ := url.Parse(srv.URL)
		o := options(base, 2*time.Second)
		o.ClientID, o.ClientSecret = "id:1", "s e/c+ret"
		creds, err := xoauth2.NewClient(o).Refresh(context.Background(), "r0")
		if err != nil || !creds.ExpiresAt.Equal(fixedNow.Add(time.Minute)) {
			t.Fatalf("creds %+v err %v", creds, err)
		}
		if want := "Basic " + base64.StdEncoding.EncodeToString([]byte("id%3A1:s+e%2Fc%2Bret")); got != want {
			t.Fatalf("Authorization %q, want %q", got, want)
		}
	})
}

func TestRevoke(t *testing.T) {
	t.Parallel()
	sb, base := sandbox(t)
	c := xoauth2.NewClient(options(base, 2*time.Second))
	ctx := context.Background()

	t.Run("a revoked access token stops working", func(t *testing.T) {
		access, _ := sb.IssueOAuth2Token(alice, allScopes...)
		if err := c.Revoke(ctx, access, "access_token"); err != nil {
			t.Fatal(err)
		}
		if usersMe(t, base, access) != http.StatusUnauthorized {
			t.Fatal("the access token still works")
		}
	})
	t.Run("a revoked refresh token takes its grant with it", func(t *testing.T) {
		access, refresh := sb.IssueOAuth2Token(bob, allScopes...)
		if err := c.Revoke(ctx, refresh, "refresh_token"); err != nil {
			t.Fatal(err)
		}
		if usersMe(t, base, access) != http.StatusUnauthorized {
			t.Fatal("the grant's access token still works")
		}
		if _, err := c.Refresh(ctx, refresh); err == nil {
			t.Fatal("a revoked refresh token refreshed")
		}
	})
	t.Run("an unknown token is no error", func(t *testing.T) {
		if err := c.Revoke(ctx, "never-issued", ""); err != nil {
			t.Fatal(err)
		}
	})
	t.Run("X's refusal is an *xapi.Error", func(t *testing.T) {
		sb.InjectFault(xsandbox.Fault{Endpoint: xsandbox.EndpointOAuth2Revoke, Status: 503})
		var xe *xapi.Error
		if err := c.Revoke(ctx, "t", "access_token"); !errors.As(err, &xe) || xe.Status != 503 {
			t.Fatalf("err = %v", err)
		}
	})
}

// TestEveryRefusalOfTheTokenEndpointsIsAnOAuth2Error: whatever body X's
// token or revoke endpoint sends with a 4xx, the error says the app's
// client or the grant was refused, never that a user revoked the app.
func TestEveryRefusalOfTheTokenEndpointsIsAnOAuth2Error(t *testing.T) {
	t.Parallel()
	problem := `{"title":"Unauthorized","type":"about:blank","status":401,"detail":"Unauthorized"}`
	tests := []struct {
		name     string
		endpoint string
		fault    xsandbox.Fault
		reason   xapi.Reason
	}{
		{"a 401 problem document on a refresh is invalid_client", xsandbox.EndpointOAuth2Token, xsandbox.Fault{Status: 401, Body: problem}, "x_oauth2_invalid_client"},
		{"a 401 in plain text on a refresh is invalid_client", xsandbox.EndpointOAuth2Token, xsandbox.Fault{Status: 401, Body: "Unauthorized"}, "x_oauth2_invalid_client"},
		{"a 401 with X's code 89 on a refresh is invalid_client", xsandbox.EndpointOAuth2Token, xsandbox.Fault{Status: 401, XCode: 89}, "x_oauth2_invalid_client"},
		{"a 403 problem document on a refresh is invalid_request", xsandbox.EndpointOAuth2Token, xsandbox.Fault{Status: 403, Body: `{"title":"Forbidden","detail":"Forbidden"}`}, "x_oauth2_invalid_request"},
		{"a 401 problem document on a revoke is invalid_client", xsandbox.EndpointOAuth2Revoke, xsandbox.Fault{Status: 401, Body: problem}, "x_oauth2_invalid_client"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sb, base := sandbox(t)
			c := xoauth2.NewClient(options(base, 2*time.Second))
			_, refresh := sb.IssueOAuth2Token(alice, allScopes...)
			tt.fault.Endpoint = tt.endpoint
			sb.InjectFault(tt.fault)
			var err error
			if tt.endpoint == xsandbox.EndpointOAuth2Revoke {
				err = c.Revoke(context.Background(), refresh, "refresh_token")
			} else {
				_, err = c.Refresh(context.Background(), refresh)
			}
			var xe *xapi.Error
			if !errors.As(err, &xe) || xe.Revoked() || xe.Reason() != tt.reason || xe.GrantInvalid() || xapi.OutcomeUnknown(err) {
				t.Fatalf("err = %v, want an OAuth 2.0 refusal with reason %s and no revoked user", err, tt.reason)
			}
			if tt.reason == "x_oauth2_invalid_client" && !strings.Contains(xe.OperatorHint(), "TWITTER_CLIENT_ID") {
				t.Fatalf("hint %q", xe.OperatorHint())
			}
		})
	}
}
