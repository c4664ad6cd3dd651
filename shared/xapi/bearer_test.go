package xapi_test

import (
	"context"
	"errors"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/xapi"
	"github.com/twitter-sessions/twitter-sessions/tools/xsandbox"
)

// An OAuth 2.0 user's calls carry their access token as a Bearer token; the
// sandbox checks each call's scope.
func TestBearerCalls(t *testing.T) {
	t.Parallel()
	sb := xsandbox.New(xsandbox.Options{ConsumerKey: ckey, ConsumerSecret: csecret, ClientID: "cid", ClientSecret: "csec"})
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	ctx := context.Background()
	// An OAuth 2.0-only stage: no consumer key.
	c := xapi.NewClient(xapi.ClientOptions{BaseURL: u, HTTPClient: xapi.NewHTTPClient(2 * time.Second)})
	bearer := func(uid string, scopes ...string) signin.Credentials {
		access, _ := sb.IssueOAuth2Token(uid, scopes...)
		return signin.Credentials{Token: access, Kind: signin.KindOAuth2}
	}

	t.Run("a DM, a follow and a post go through with their scopes", func(t *testing.T) {
		if _, err := c.SendDM(ctx, bearer(brand, "dm.write", "dm.read", "tweet.read", "users.read"), alice, "hi"); err != nil {
			t.Fatal(err)
		}
		if res, err := c.Follow(ctx, bearer(alice, "follows.write", "tweet.read", "users.read"), alice, brand); err != nil || !res.Following {
			t.Fatalf("res %+v err %v", res, err)
		}
		if res, err := c.Tweet(ctx, bearer(alice, "tweet.write", "tweet.read", "users.read"), "I just signed up!"); err != nil || res.ID == "" {
			t.Fatalf("res %+v err %v", res, err)
		}
		if len(sb.DMs()) != 1 || len(sb.Tweets()) != 1 || sb.DMs()[0].SenderID != brand {
			t.Fatalf("dms %+v tweets %+v", sb.DMs(), sb.Tweets())
		}
	})
	t.Run("a token without the call's scope is refused with 403", func(t *testing.T) {
		_, err := c.Tweet(ctx, bearer(alice, "users.read"), "x")
		var xe *xapi.Error
		if !errors.As(err, &xe) || xe.Status != 403 || xe.Revoked() {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("an expired access token is a 401 that reads as revoked", func(t *testing.T) {
		cr := bearer(dave, "tweet.write")
		sb.ExpireOAuth2Tokens(dave)
		_, err := c.Tweet(ctx, cr, "x")
		var xe *xapi.Error
		if !errors.As(err, &xe) || xe.Status != 401 || !xe.Revoked() {
			t.Fatalf("err = %v", err)
		}
		if strings.Contains(err.Error(), cr.Token) {
			t.Fatal("the error carries the token")
		}
	})
	t.Run("empty Bearer credentials are refused before any call", func(t *testing.T) {
		sb.ResetCalls()
		if _, err := c.Tweet(ctx, signin.Credentials{Kind: signin.KindOAuth2}, "x"); err == nil || len(sb.Calls()) != 0 {
			t.Fatalf("err = %v, calls %d", err, len(sb.Calls()))
		}
	})
	t.Run("an OAuth 1.0a user's call without the OAuth 1.0a app is not sent", func(t *testing.T) {
		sb.ResetCalls()
		tok, sec := sb.IssueAccessToken(alice)
		_, err := c.Tweet(ctx, signin.Credentials{Token: tok, Secret: sec}, "x")
		if !errors.Is(err, xapi.ErrNoOAuth1App) || len(sb.Calls()) != 0 {
			t.Fatalf("err = %v, calls %d", err, len(sb.Calls()))
		}
		if strings.Contains(err.Error(), tok) || strings.Contains(err.Error(), sec) {
			t.Fatal("the error carries the credentials")
		}
	})
}
