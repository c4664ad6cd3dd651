package xoauth1

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/twitter-sessions/twitter-sessions/shared/xapi"
	"github.com/twitter-sessions/twitter-sessions/tools/xsandbox"
)

func cannedApp(rt http.RoundTripper) App {
	base, _ := url.Parse("https://api.x.com/")
	return App{ConsumerKey: "ck", ConsumerSecret: "consumer-secret", BaseURL: base, HTTPClient: &http.Client{Transport: rt, Timeout: time.Second}}
}

func TestInvalidateTokenReadsXsAnswers(t *testing.T) {
	tests := []struct {
		name        string
		status      int
		body        string
		wantAlready bool
		wantErr     error // nil: success
		wantCode    int   // of the *xapi.Error
	}{
		{name: "a 200 naming the token is an invalidation", status: 200, body: `{"access_token":"at"}`},
		{name: "code 89 says the token was invalid already", status: 401, body: `{"errors":[{"code":89,"message":"Invalid or expired token."}]}`, wantAlready: true},
		{name: "code 32 is the app's credentials, an error", status: 401, body: `{"errors":[{"code":32,"message":"Could not authenticate you."}]}`, wantErr: &xapi.Error{}, wantCode: 32},
		{name: "a bare 401 is no confirmation", status: 401, body: ``, wantErr: &xapi.Error{}},
		{name: "a 503 is an error to try again later", status: 503, body: `{"errors":[{"code":131,"message":"Internal error."}]}`, wantErr: &xapi.Error{}, wantCode: 131},
		{name: "a 200 naming another token is malformed", status: 200, body: `{"access_token":"other"}`, wantErr: xapi.ErrMalformed},
		{name: "a 200 that is not JSON is malformed", status: 200, body: `ok`, wantErr: xapi.ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := &canned{status: tt.status, body: tt.body}
			already, err := cannedApp(rt).Invalidate(context.Background(), "at", "token-secret")
			if already != tt.wantAlready {
				t.Errorf("already = %v, want %v", already, tt.wantAlready)
			}
			checkInvalidateErr(t, err, tt.wantErr, tt.wantCode)
			checkInvalidateRequest(t, rt.last)
		})
	}
}

// checkInvalidateErr: err is what the case wants (nil, an *xapi.Error of
// that code, or that sentinel), with no secret in its text.
func checkInvalidateErr(t *testing.T, err, want error, code int) {
	t.Helper()
	var xe *xapi.Error
	switch want.(type) {
	case nil:
		if err != nil {
			t.Fatalf("err = %v", err)
		}
	case *xapi.Error:
		if !errors.As(err, &xe) || xe.Code != code || xe.Step != StepInvalidate {
			t.Fatalf("err = %v, want an *xapi.Error with code %d", err, code)
		}
	default:
		if !errors.Is(err, want) {
			t.Fatalf("err = %v, want %v", err, want)
		}
	}
	if err != nil && (strings.Contains(err.Error(), "token-secret") || strings.Contains(err.Error(), "consumer-secret")) {
		t.Errorf("the error holds a secret: %v", err)
	}
}

// checkInvalidateRequest: one POST to invalidate_token, signed in user
// context with the token, no secret in the clear.
func checkInvalidateRequest(t *testing.T, r *http.Request) {
	t.Helper()
	auth := r.Header.Get("Authorization")
	if r.Method != http.MethodPost || r.URL.String() != "https://api.x.com/1.1/oauth/invalidate_token" ||
		!strings.Contains(auth, `oauth_token="at"`) || !strings.Contains(auth, `oauth_consumer_key="ck"`) ||
		!strings.Contains(auth, `oauth_signature_method="HMAC-SHA1"`) || strings.Contains(auth, "secret") {
		t.Errorf("request %s %s, Authorization %q", r.Method, r.URL, auth)
	}
}

func TestInvalidateTokenSendsNothingWithoutCredentials(t *testing.T) {
	tests := []struct {
		name          string
		key, secret   string
		token, tokSec string
		wantErr       error
	}{
		{name: "a stage without the consumer key", secret: "cs", token: "at", tokSec: "as", wantErr: xapi.ErrNoOAuth1App},
		{name: "a stage without the consumer secret", key: "ck", token: "at", tokSec: "as", wantErr: xapi.ErrNoOAuth1App},
		{name: "a token without its secret", key: "ck", secret: "cs", token: "at"},
	}
	for _, tt := range tests {
		t.Run(tt.name+" sends nothing", func(t *testing.T) {
			rt := &canned{status: 200, body: `{"access_token":"at"}`}
			app := cannedApp(rt)
			app.ConsumerKey, app.ConsumerSecret = tt.key, tt.secret
			_, err := app.Invalidate(context.Background(), tt.token, tt.tokSec)
			if err == nil || (tt.wantErr != nil && !errors.Is(err, tt.wantErr)) || rt.last != nil {
				t.Errorf("err = %v, request sent: %v", err, rt.last != nil)
			}
		})
	}
}

// Against the sandbox, which checks the signature on its own: the token
// works until it is invalidated, and a second call finds it invalid already.
func TestInvalidateTokenAtTheSandbox(t *testing.T) {
	sb := xsandbox.New(xsandbox.Options{ConsumerKey: "ck", ConsumerSecret: "consumer secret&+~"})
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	base, _ := url.Parse(srv.URL)
	app := App{ConsumerKey: "ck", ConsumerSecret: "consumer secret&+~", BaseURL: base, HTTPClient: xapi.NewHTTPClient(5 * time.Second)}
	token, secret := sb.IssueAccessToken("1234567890123456789")
	for i, want := range []bool{false, true} {
		already, err := app.Invalidate(context.Background(), token, secret)
		if err != nil || already != want {
			t.Fatalf("call %d: already = %v, err = %v; want %v", i+1, already, err, want)
		}
	}
	wrong := app
	wrong.ConsumerSecret = "not it"
	t2, s2 := sb.IssueAccessToken("1234567890123456789")
	var xe *xapi.Error
	if _, err := wrong.Invalidate(context.Background(), t2, s2); !errors.As(err, &xe) || xe.Code != 32 {
		t.Errorf("a wrong consumer secret: %v, want code 32", err)
	}
	calls := sb.Calls()
	if len(calls) != 3 || calls[0].Status != 200 || calls[1].Status != 401 || calls[0].Endpoint != xsandbox.EndpointInvalidateToken {
		t.Errorf("calls %+v", calls)
	}
}
