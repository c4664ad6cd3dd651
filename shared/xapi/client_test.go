package xapi_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/xapi"
	"github.com/twitter-sessions/twitter-sessions/shared/xid"
	"github.com/twitter-sessions/twitter-sessions/tools/xsandbox"
)

const (
	ckey    = "client-test-key"
	csecret = "client-test-secret"
	brand   = "1900000000000000001"
	alice   = "1234567890123456789" // beyond 2^53
	carol   = "1400000000000000003" // accepts no DMs
	dave    = "1500000000000000004" // protected
)

func newSandbox(t *testing.T) (*xsandbox.Sandbox, *xapi.Client) {
	t.Helper()
	sb := xsandbox.New(xsandbox.Options{ConsumerKey: ckey, ConsumerSecret: csecret})
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	return sb, xapi.NewClient(xapi.ClientOptions{ConsumerKey: ckey, ConsumerSecret: csecret, BaseURL: u, HTTPClient: xapi.NewHTTPClient(2 * time.Second)})
}

func creds(sb *xsandbox.Sandbox, uid string) signin.Credentials {
	tok, sec := sb.IssueAccessToken(uid)
	return signin.Credentials{Token: tok, Secret: sec}
}

func TestClientCallsAreSignedAndAnswered(t *testing.T) {
	t.Parallel()
	sb, c := newSandbox(t)
	ctx := context.Background()

	t.Run("a follow reaches X signed by the follower", func(t *testing.T) {
		res, err := c.Follow(ctx, creds(sb, alice), alice, brand)
		if err != nil || !res.Following || res.PendingFollow {
			t.Fatalf("res %+v err %v", res, err)
		}
		if !res.Limit.Known || res.Limit.Remaining <= 0 {
			t.Fatalf("rate limit of a success not returned: %+v", res.Limit)
		}
	})
	t.Run("a follow of a protected account is pending", func(t *testing.T) {
		res, err := c.Follow(ctx, creds(sb, alice), alice, dave)
		if err != nil || res.Following || !res.PendingFollow {
			t.Fatalf("res %+v err %v", res, err)
		}
	})
	t.Run("a DM is sent by the signing user", func(t *testing.T) {
		res, err := c.SendDM(ctx, creds(sb, brand), alice, "hello & welcome, 100% ✓")
		if err != nil || res.EventID == "" || res.ConversationID == "" {
			t.Fatalf("res %+v err %v", res, err)
		}
		dms := sb.DMs()
		if len(dms) != 1 || dms[0].SenderID != brand || dms[0].RecipientID != alice || dms[0].Text != "hello & welcome, 100% ✓" {
			t.Fatalf("dms %+v", dms)
		}
	})
	t.Run("a tweet is posted", func(t *testing.T) {
		res, err := c.Tweet(ctx, creds(sb, alice), "I just signed up!")
		if err != nil || res.ID == "" {
			t.Fatalf("res %+v err %v", res, err)
		}
	})
	for _, call := range sb.Calls() {
		if call.Status >= 300 {
			t.Errorf("call %s answered %d: %s", call.Endpoint, call.Status, call.Error)
		}
	}
}

func TestClientErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	tests := []struct {
		name   string
		setup  func(sb *xsandbox.Sandbox)
		call   func(c *xapi.Client, sb *xsandbox.Sandbox) error
		status int
		check  func(e *xapi.Error) bool
	}{
		{"a DM to a user who refuses DMs is a 403", nil,
			func(c *xapi.Client, sb *xsandbox.Sandbox) error {
				_, err := c.SendDM(ctx, creds(sb, brand), carol, "hi")
				return err
			}, 403, func(e *xapi.Error) bool { return !e.Retryable() && !e.Revoked() }},
		{"a revoked token is a 401 that reads as revoked",
			func(sb *xsandbox.Sandbox) {},
			func(c *xapi.Client, sb *xsandbox.Sandbox) error {
				cr := creds(sb, alice)
				sb.Revoke(alice)
				_, err := c.Follow(ctx, cr, alice, brand)
				return err
			}, 401, func(e *xapi.Error) bool { return e.Revoked() }},
		{"a usage-capped 429 says so",
			func(sb *xsandbox.Sandbox) {
				sb.InjectFault(xsandbox.Fault{Endpoint: xsandbox.EndpointDM, ProblemType: xsandbox.ProblemUsageCapped})
			},
			func(c *xapi.Client, sb *xsandbox.Sandbox) error {
				_, err := c.SendDM(ctx, creds(sb, brand), alice, "hi")
				return err
			}, 429, func(e *xapi.Error) bool { return e.UsageCapped() && !e.Retryable() }},
		{"an exhausted window is a retryable 429 with its reset",
			func(sb *xsandbox.Sandbox) { sb.SetRateLimit(xsandbox.EndpointTweet, 1, time.Minute) },
			func(c *xapi.Client, sb *xsandbox.Sandbox) error {
				cr := creds(sb, alice)
				if _, err := c.Tweet(ctx, cr, "one"); err != nil {
					return err
				}
				_, err := c.Tweet(ctx, cr, "two")
				return err
			}, 429, func(e *xapi.Error) bool {
				return e.Retryable() && e.Limit.Known && e.Limit.Remaining == 0 && e.Limit.Reset.After(time.Now())
			}},
		{"a 503 is retryable", func(sb *xsandbox.Sandbox) {
			sb.InjectFault(xsandbox.Fault{Endpoint: xsandbox.EndpointFollow, Status: 503})
		},
			func(c *xapi.Client, sb *xsandbox.Sandbox) error {
				_, err := c.Follow(ctx, creds(sb, alice), alice, brand)
				return err
			}, 503, func(e *xapi.Error) bool { return e.Retryable() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sb, c := newSandbox(t)
			if tt.setup != nil {
				tt.setup(sb)
			}
			err := tt.call(c, sb)
			var xe *xapi.Error
			if !errors.As(err, &xe) || xe.Status != tt.status || !tt.check(xe) {
				t.Fatalf("err = %#v", err)
			}
		})
	}
}

func TestClientTransportFailures(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("no answer in time is ErrTimeout", func(t *testing.T) {
		sb := xsandbox.New(xsandbox.Options{ConsumerKey: ckey, ConsumerSecret: csecret})
		sb.InjectFault(xsandbox.Fault{Endpoint: xsandbox.EndpointDM, Delay: time.Second})
		srv := httptest.NewServer(sb)
		defer srv.Close()
		u, _ := url.Parse(srv.URL)
		c := xapi.NewClient(xapi.ClientOptions{ConsumerKey: ckey, ConsumerSecret: csecret, BaseURL: u, HTTPClient: xapi.NewHTTPClient(100 * time.Millisecond)})
		_, err := c.SendDM(ctx, creds(sb, brand), alice, "hi")
		if !errors.Is(err, xapi.ErrTimeout) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("a malformed success is ErrMalformed", func(t *testing.T) {
		sb := xsandbox.New(xsandbox.Options{ConsumerKey: ckey, ConsumerSecret: csecret})
		sb.InjectFault(xsandbox.Fault{Endpoint: xsandbox.EndpointTweet, Status: 201, Body: "{not json"})
		srv := httptest.NewServer(sb)
		defer srv.Close()
		u, _ := url.Parse(srv.URL)
		c := xapi.NewClient(xapi.ClientOptions{ConsumerKey: ckey, ConsumerSecret: csecret, BaseURL: u, HTTPClient: xapi.NewHTTPClient(2 * time.Second)})
		_, err := c.Tweet(ctx, creds(sb, alice), "x")
		if !errors.Is(err, xapi.ErrMalformed) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("ids are checked before any call", func(t *testing.T) {
		c := xapi.NewClient(xapi.ClientOptions{BaseURL: &url.URL{Scheme: "http", Host: "127.0.0.1:1"}, HTTPClient: xapi.NewHTTPClient(2 * time.Second)})
		_, err := c.SendDM(ctx, signin.Credentials{Token: "t", Secret: "s"}, "1.5e18", "hi")
		if !errors.Is(err, xid.ErrBad) {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("an error never carries the token or its secret", func(t *testing.T) {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(http.StatusUnauthorized)
			_, _ = w.Write([]byte(`{"title":"Unauthorized","status":401,"detail":"Unauthorized","type":"about:blank"}`))
		}))
		defer srv.Close()
		u, _ := url.Parse(srv.URL)
		c := xapi.NewClient(xapi.ClientOptions{ConsumerKey: ckey, ConsumerSecret: csecret, BaseURL: u, HTTPClient: xapi.NewHTTPClient(2 * time.Second)})
		_, err := c.Tweet(ctx, signin.Credentials{Token: "tok-SECRETISH", Secret: "sec-SECRETISH"}, "x")
		if err == nil || strings.Contains(err.Error(), "SECRETISH") || strings.Contains(err.Error(), csecret) {
			t.Fatalf("err = %v", err)
		}
	})
}
