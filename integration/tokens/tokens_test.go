package tokens_test

import (
	"bytes"
	"context"
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/twitter-sessions/twitter-sessions/shared/actionstore"
	"github.com/twitter-sessions/twitter-sessions/shared/seal"
	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/tokens"
	"github.com/twitter-sessions/twitter-sessions/shared/userstore"
	"github.com/twitter-sessions/twitter-sessions/shared/xapi"
	"github.com/twitter-sessions/twitter-sessions/shared/xoauth2"
	"github.com/twitter-sessions/twitter-sessions/tools/teststack"
	"github.com/twitter-sessions/twitter-sessions/tools/xsandbox"
)

const alice = "1234567890123456789"

// harness is the users table in DynamoDB Local, the X sandbox over HTTP,
// and the refresh as twitter_actions builds it (shorter waits).
type harness struct {
	t     *testing.T
	sb    *xsandbox.Sandbox
	store *actionstore.Store
	users *userstore.Store
	x     *xoauth2.Client
	logs  bytes.Buffer
	// at is the instant the last signIn's expiry was counted from: a
	// service whose Now reads it sees exactly expiresIn left.
	at time.Time
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	tables := teststack.NewTables(t)
	sb, xURL := teststack.NewSandbox(t)
	sealer, err := seal.New(teststack.NewKey(t))
	if err != nil {
		t.Fatal(err)
	}
	h := &harness{t: t, sb: sb,
		store: actionstore.New(tables.DB, tables.Users, sealer),
		users: userstore.New(tables.DB, tables.Users, sealer)}
	base, err := url.Parse(xURL)
	if err != nil {
		t.Fatal(err)
	}
	h.x = xoauth2.NewClient(xoauth2.Options{ClientID: teststack.ClientID, ClientSecret: teststack.ClientSecret, BaseURL: base, HTTPClient: xapi.NewHTTPClient(5 * time.Second)})
	return h
}

// service is one invocation's view: every invocation of a warm function
// shares one, and concurrent functions each have their own.
func (h *harness) service() *tokens.Service {
	return &tokens.Service{Store: h.store, X: h.x, Lease: 15 * time.Second, Wait: 2 * time.Second, Poll: 20 * time.Millisecond, WriteTimeout: 5 * time.Second,
		Retry: xapi.Retry{Attempts: 2, Backoff: 50 * time.Millisecond, MaxWait: time.Second}}
}

func (h *harness) log() zerolog.Logger { return zerolog.New(&h.logs) }

// signIn stores an OAuth 2.0 sign-in of alice whose token the item says
// expires in expiresIn (counted from h.at).
func (h *harness) signIn(expiresIn time.Duration) signin.Credentials {
	h.t.Helper()
	access, refresh := h.sb.IssueOAuth2Token(alice, "tweet.read", "tweet.write", "users.read", "offline.access")
	h.at = time.Now()
	c := signin.Credentials{Kind: signin.KindOAuth2, Token: access, Refresh: refresh, ExpiresAt: h.at.Add(expiresIn).UTC().Truncate(time.Millisecond)}
	if _, err := h.users.SaveSignIn(context.Background(), signin.User{Identity: signin.Identity{UserID: alice, ScreenName: "alice", Credentials: c}, SignedInAt: time.Now()}); err != nil {
		h.t.Fatal(err)
	}
	return c
}

func (h *harness) stored() tokens.Stored {
	h.t.Helper()
	st, err := h.store.ReadTokens(context.Background(), alice)
	if err != nil {
		h.t.Fatal(err)
	}
	return st
}

func TestFreshAndRenew(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	t.Run("a token that does not expire within a minute is used as it is", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		c := h.signIn(61 * time.Second)
		svc := h.service()
		svc.Now = func() time.Time { return h.at } // a minute and a second left, however slow the sign-in was
		got, err := svc.Fresh(ctx, h.log(), alice, c)
		if err != nil || got != c || len(h.sb.OAuth2Refreshes()) != 0 {
			t.Fatalf("%v, %d refreshes", err, len(h.sb.OAuth2Refreshes()))
		}
	})
	t.Run("OAuth 1.0a credentials never expire", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		c := signin.Credentials{Kind: signin.KindOAuth1, Token: "t", Secret: "s"}
		if got, err := h.service().Fresh(ctx, h.log(), alice, c); err != nil || got != c {
			t.Fatal(got, err)
		}
	})
	t.Run("a token about to expire is refreshed, and the new pair saved before it is returned", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		c := h.signIn(59 * time.Second)
		svc := h.service()
		svc.Now = func() time.Time { return h.at } // 59 seconds left
		got, err := svc.Fresh(ctx, h.log(), alice, c)
		if err != nil || got.Token == c.Token || got.Refresh == c.Refresh || got.ExpiresAt.Before(h.at.Add(time.Hour)) {
			t.Fatalf("%v", err)
		}
		if st := h.stored(); st.Credentials.Token != got.Token || st.Credentials.Refresh != got.Refresh || st.Lease.Owner != "" {
			t.Fatal("the new pair is not the stored one, or the lease is left")
		}
		if r := h.sb.OAuth2Refreshes(); len(r) != 1 || !r[0].OK {
			t.Fatalf("refreshes %+v", r)
		}
	})
	t.Run("a renewal finds the one another invocation made", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		c := h.signIn(time.Hour) // X answered 401 to c in two invocations
		first, err := h.service().Renew(ctx, h.log(), alice, c)
		if err != nil || first.Token == c.Token {
			t.Fatal(err)
		}
		second, err := h.service().Renew(ctx, h.log(), alice, c)
		if err != nil || second.Token != first.Token || len(h.sb.OAuth2Refreshes()) != 1 {
			t.Fatalf("%v; %d refreshes: want the first renewal's token, no second refresh", err, len(h.sb.OAuth2Refreshes()))
		}
	})
	t.Run("a user marked reconnect is not refreshed", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		c := h.signIn(0)
		if ok, err := h.store.MarkReconnect(ctx, alice, h.stored().Version, time.Now()); !ok || err != nil {
			t.Fatal(ok, err)
		}
		if _, err := h.service().Fresh(ctx, h.log(), alice, c); !errors.Is(err, tokens.ErrReconnect) || len(h.sb.OAuth2Refreshes()) != 0 {
			t.Fatalf("%v", err)
		}
	})
	t.Run("without an OAuth 2.0 client nothing is refreshed", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		c := h.signIn(0)
		svc := h.service()
		svc.X = nil
		if _, err := svc.Fresh(ctx, h.log(), alice, c); !errors.Is(err, tokens.ErrNoClient) || h.stored().Lease.Owner != "" {
			t.Fatalf("%v", err)
		}
	})
	t.Run("no token reaches the logs", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		c := h.signIn(0)
		got, err := h.service().Fresh(ctx, h.log(), alice, c)
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{c.Token, c.Refresh, got.Token, got.Refresh, teststack.ClientSecret} {
			if bytes.Contains(h.logs.Bytes(), []byte(secret)) {
				t.Fatal("a token is in the logs")
			}
		}
		if !bytes.Contains(h.logs.Bytes(), []byte("OAuth 2.0 token refreshed")) {
			t.Fatalf("logs: %s", h.logs.String())
		}
	})
}
