package xoauth1

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/xapi"
)

// canned answers every request with one body, recording the last request.
type canned struct {
	status int
	body   string
	last   *http.Request
}

func (c *canned) RoundTrip(r *http.Request) (*http.Response, error) {
	c.last = r
	return &http.Response{StatusCode: c.status, Body: io.NopCloser(strings.NewReader(c.body)), Header: http.Header{}, Request: r}, nil
}

func newProto(rt http.RoundTripper) *Protocol {
	base, _ := url.Parse("https://api.x.com")
	return New(Options{
		ConsumerKey: "ck", ConsumerSecret: "cs", BaseURL: base,
		CallbackURL: "https://api.brand.example/api/twitter-callback",
		HTTPClient:  &http.Client{Transport: rt, Timeout: time.Second},
		Retry:       xapi.Retry{Attempts: 1},
	})
}

func TestStartSignsWithTheCallbackAndUsesAuthenticate(t *testing.T) {
	rt := &canned{status: 200, body: "oauth_token=rt&oauth_token_secret=rs&oauth_callback_confirmed=true"}
	a, err := newProto(rt).Start(context.Background(), signin.Access{})
	if err != nil {
		t.Fatal(err)
	}
	if a.URL != "https://api.x.com/oauth/authenticate?oauth_token=rt" || a.Key != "rt" || a.Secret != "rs" {
		t.Fatalf("%+v", a)
	}
	auth := rt.last.Header.Get("Authorization")
	if !strings.Contains(auth, `oauth_callback="https%3A%2F%2Fapi.brand.example%2Fapi%2Ftwitter-callback"`) || !strings.Contains(auth, "oauth_signature=") {
		t.Fatalf("Authorization %q", auth)
	}
}

// TestTheRequestTokenAsksForTheLeastAccess: x_auth_access_type rides in the
// request token URL's query (so the signature covers it): read for a
// sign-up that only names the visitor, write for one that follows or
// posts, and none for the brand's start (the app's own level, with DMs).
func TestTheRequestTokenAsksForTheLeastAccess(t *testing.T) {
	tests := []struct {
		name string
		a    signin.Access
		want string // the query of the request token call
	}{
		{"a plain sign-up reads", signin.Access{}, "x_auth_access_type=read"},
		{"a follow writes", signin.Access{Follow: true}, "x_auth_access_type=write"},
		{"a post writes", signin.Access{Post: true}, "x_auth_access_type=write"},
		{"the brand's start asks for the app's own level", signin.Access{Brand: true}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rt := &canned{status: 200, body: "oauth_token=rt&oauth_token_secret=rs&oauth_callback_confirmed=true"}
			if _, err := newProto(rt).Start(context.Background(), tt.a); err != nil {
				t.Fatal(err)
			}
			if rt.last.URL.RawQuery != tt.want || rt.last.URL.Path != "/oauth/request_token" {
				t.Fatalf("request token call %s, want the query %q", rt.last.URL, tt.want)
			}
		})
	}
}

func TestStartRefusesAnUnconfirmedCallback(t *testing.T) {
	_, err := newProto(&canned{status: 200, body: "oauth_token=rt&oauth_token_secret=rs"}).Start(context.Background(), signin.Access{})
	if !errors.Is(err, xapi.ErrMalformed) {
		t.Fatalf("err = %v, want a malformed answer (oauth_callback_confirmed missing)", err)
	}
}

func TestFinishReadsTheUserFromTheAccessTokenAnswer(t *testing.T) {
	rt := &canned{status: 200, body: "oauth_token=at&oauth_token_secret=as&user_id=1234567890123456789&screen_name=alice"}
	id, err := newProto(rt).Finish(context.Background(), signin.Session{Key: "rt", Secret: "rs"}, signin.Callback{Key: "rt", Verifier: "v 1"})
	if err != nil {
		t.Fatal(err)
	}
	if id.UserID != "1234567890123456789" || id.ScreenName != "alice" || id.Token != "at" || id.Secret != "as" {
		t.Fatalf("%+v", id)
	}
	if rt.last.URL.Query().Get("oauth_verifier") != "v 1" || !strings.Contains(rt.last.Header.Get("Authorization"), `oauth_token="rt"`) {
		t.Fatalf("request %s %v", rt.last.URL, rt.last.Header)
	}
}

func TestFinishRefusesOddIdentities(t *testing.T) {
	for _, body := range []string{
		"oauth_token=at&oauth_token_secret=as&user_id=12.5&screen_name=alice",
		"oauth_token=at&oauth_token_secret=as&user_id=1&screen_name=<script>",
		"oauth_token=&oauth_token_secret=as&user_id=1&screen_name=a",
	} {
		_, err := newProto(&canned{status: 200, body: body}).Finish(context.Background(), signin.Session{Key: "rt", Secret: "rs"}, signin.Callback{Verifier: "v"})
		if !errors.Is(err, xapi.ErrMalformed) {
			t.Errorf("%s: err = %v", body, err)
		}
	}
}

func TestParseCallback(t *testing.T) {
	p := newProto(&canned{})
	tests := []struct {
		name, query string
		want        signin.Callback
		bad         bool
	}{
		{"a verifier and a token are read", "oauth_token=t&oauth_verifier=v", signin.Callback{Key: "t", Verifier: "v"}, false},
		{"denied names the token", "denied=t", signin.Callback{Key: "t", Denied: true}, false},
		{"a missing verifier is a bad callback", "oauth_token=t", signin.Callback{}, true},
		{"an overlong token is a bad callback", "oauth_verifier=v&oauth_token=" + strings.Repeat("t", 201), signin.Callback{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, _ := url.ParseQuery(tt.query)
			got, err := p.ParseCallback(q)
			if tt.bad != errors.Is(err, signin.ErrBadCallback) || (!tt.bad && got != tt.want) {
				t.Fatalf("got %+v, %v", got, err)
			}
		})
	}
}

// BenchmarkFinish measures the access-token step without the network:
// signing (HMAC-SHA1 over the base string) and reading the answer.
func BenchmarkFinish(b *testing.B) {
	p := newProto(&canned{status: 200, body: "oauth_token=at&oauth_token_secret=as&user_id=1234567890123456789&screen_name=alice"})
	sess, cb := signin.Session{Key: "rt", Secret: "rs"}, signin.Callback{Key: "rt", Verifier: "v"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Finish(context.Background(), sess, cb); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkStart measures the request-token step without the network.
func BenchmarkStart(b *testing.B) {
	p := newProto(&canned{status: 200, body: "oauth_token=rt&oauth_token_secret=rs&oauth_callback_confirmed=true"})
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Start(context.Background(), signin.Access{}); err != nil {
			b.Fatal(err)
		}
	}
}
