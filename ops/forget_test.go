package ops

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/dghubble/oauth1"

	"github.com/twitter-sessions/twitter-sessions/shared/grants"
	"github.com/twitter-sessions/twitter-sessions/shared/seal"
	"github.com/twitter-sessions/twitter-sessions/shared/xapi"
	"github.com/twitter-sessions/twitter-sessions/shared/xoauth2"
	"github.com/twitter-sessions/twitter-sessions/tools/teststack"
	"github.com/twitter-sessions/twitter-sessions/tools/xsandbox"
)

const (
	aliceID = "1234567890123456789" // beyond 2^53
	bobID   = "9007199254740993"
)

// xApp is the X sandbox over HTTP with the app's OAuth 2.0 client and
// OAuth 1.0a consumer.
type xApp struct {
	sb      *xsandbox.Sandbox
	secrets Secrets
}

func newXApp(t *testing.T, s *stack) *xApp {
	sb := xsandbox.New(xsandbox.Options{ConsumerKey: "ops-key", ConsumerSecret: "ops-consumer-secret",
		ClientID: "ops-client", ClientSecret: "ops-client-secret", Users: xsandbox.DefaultUsers()})
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	base, _ := url.Parse(srv.URL)
	return &xApp{sb: sb, secrets: Secrets{Opener: s.sealer, RefKey: s.refKey, ClientID: "ops-client", ClientSecret: "ops-client-secret",
		ConsumerKey: "ops-key", ConsumerSecret: "ops-consumer-secret", APIBaseURL: base}}
}

// forget is the command as tws forget builds it for the stack and X.
func (x *xApp) forget(s *stack) *Forget {
	return &Forget{Target: s.Target, Opener: s.sealer, Grants: x.secrets.Grants(), RefKey: s.refKey}
}

// answered counts the calls of one endpoint X answered 200, and the others.
func (x *xApp) answered(endpoint string) (ok, failed int) {
	x.sb.WaitIdle(2 * time.Second)
	for _, c := range x.sb.Calls() {
		if c.Endpoint == endpoint {
			if c.Status == http.StatusOK {
				ok++
			} else {
				failed++
			}
		}
	}
	return ok, failed
}

// oauth1Works reports whether X still takes an OAuth 1.0a token: GET
// /2/users/me signed with it.
func (x *xApp) oauth1Works(t *testing.T, token, secret string) bool {
	t.Helper()
	cfg := oauth1.NewConfig("ops-key", "ops-consumer-secret")
	resp, err := cfg.Client(context.Background(), oauth1.NewToken(token, secret)).Get(x.secrets.APIBaseURL.String() + "/2/users/me")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// forgetCase is one person, one stage and one X, and what forget must do.
type forgetCase struct {
	name       string
	cred       string // oauth2, oauth1, or "" (an item from before OAuth 2.0: OAuth 1.0a)
	noApp      bool   // the stage has no client (OAuth 2.0) or no consumer (OAuth 1.0a)
	noSecret   bool   // the OAuth 1.0a item lacks its token secret
	revokedAtX bool   // the person removed the app at X before
	fault      int    // status of X's answer to the revoke or invalidation
	otherKey   bool
	skipRevoke bool
	confirm    string
	wantErr    error
	wantText   string // in the error
	wantX      string
	wantErased bool
	wantOK     int // revoke or invalidate calls X answered 200
}

func TestForgetRevokesWhatXCanRevokeThenErases(t *testing.T) {
	tests := []forgetCase{
		{name: "an OAuth 2.0 user's grant is revoked at X and their item deleted", cred: "oauth2", confirm: "yes",
			wantX: "OAuth 2.0 grant revoked (refresh_token and access_token)", wantErased: true, wantOK: 2},
		{name: "an OAuth 1.0a user's token is invalidated at X and their item deleted", cred: "oauth1", confirm: "yes",
			wantX: oauth1Invalidated, wantErased: true, wantOK: 1},
		{name: "a user from before OAuth 2.0 holds an OAuth 1.0a token, invalidated too", cred: "",
			wantX: oauth1Invalidated, wantErased: true, wantOK: 1},
		{name: "an OAuth 1.0a token the person revoked at X is invalid already, and the item deleted", cred: "oauth1", revokedAtX: true,
			wantX: oauth1AlreadyInvalid, wantErased: true},
		{name: "a revoke X fails keeps the item for another try", cred: "oauth2", fault: 503, confirm: "yes", wantErr: ErrRevokeFailed},
		{name: "an invalidation X fails keeps the item for another try", cred: "oauth1", fault: 503, confirm: "yes", wantErr: ErrRevokeFailed,
			wantText: "X did not invalidate the OAuth 1.0a token: x: invalidate_token answered 503"},
		{name: "a revoke X fails erases anyway with SKIP_REVOKE", cred: "oauth2", fault: 503, skipRevoke: true, confirm: "yes",
			wantX: "NOT revoked", wantErased: true},
		{name: "an invalidation X fails erases anyway with SKIP_REVOKE", cred: "oauth1", fault: 503, skipRevoke: true,
			wantX: "NOT revoked (X did not invalidate the OAuth 1.0a token", wantErased: true},
		{name: "an OAuth 2.0 user on a stage without a client is kept", cred: "oauth2", noApp: true, confirm: "yes", wantErr: ErrRevokeFailed,
			wantText: "no OAuth 2.0 client (TWITTER_CLIENT_ID"},
		{name: "an OAuth 1.0a user on a stage without a consumer key is kept", cred: "oauth1", noApp: true, wantErr: ErrRevokeFailed,
			wantText: "no OAuth 1.0a app (TWITTER_CONSUMER_KEY"},
		{name: "an OAuth 1.0a user on a stage without a consumer key is erased with SKIP_REVOKE", cred: "oauth1", noApp: true, skipRevoke: true,
			wantX: "NOT revoked (the stage has no OAuth 1.0a app", wantErased: true},
		{name: "an OAuth 1.0a token stored without its secret is kept", cred: "oauth1", noSecret: true, wantErr: ErrRevokeFailed},
		{name: "a token the stage's keys do not open is kept", cred: "oauth2", otherKey: true, confirm: "yes", wantErr: ErrRevokeFailed},
		{name: "an OAuth 1.0a token the stage's keys do not open is kept", cred: "oauth1", otherKey: true, wantErr: ErrRevokeFailed},
		{name: "anything but yes erases nothing", cred: "oauth2", confirm: "y", wantErr: ErrNotConfirmed},
		{name: "no confirmation asked (YES=1) erases", cred: "oauth2", wantX: "OAuth 2.0 grant revoked", wantErased: true, wantOK: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStack(t)
			x := newXApp(t, s)
			g, endpoint := tt.arrange(t, s, x)
			f := x.forget(s)
			f.SkipRevoke = tt.skipRevoke
			if tt.noApp {
				f.Grants = grants.Revoker{}
			}
			var shown string
			if tt.confirm != "" {
				f.Confirm = func(summary string) (bool, error) { shown = summary; return tt.confirm == "yes", nil }
			}
			res, err := f.Run(context.Background(), aliceID)
			if !errors.Is(err, tt.wantErr) || !strings.Contains(errText(err), tt.wantText) {
				t.Fatalf("Run = %v, want %v saying %q", err, tt.wantErr, tt.wantText)
			}
			creds := nonEmpty([]string{g.access, g.refresh, g.token, g.secret})
			if tt.confirm != "" && (!strings.Contains(shown, "@alice, first signed in") || containsAny(shown, creds)) {
				t.Errorf("the confirmation showed %q", shown)
			}
			assertNamesNobody(t, []string{res.Line(s.Stage), errText(err)}, creds...)
			tt.check(t, s, x, res, endpoint)
			tt.checkAtX(t, x, g)
		})
	}
}

// arrange stores alice with credentials X issued (and bob), and sets the
// stage and X up as the case says. It returns alice's credentials and the
// endpoint that revokes them.
func (tt forgetCase) arrange(t *testing.T, s *stack, x *xApp) (grant, string) {
	g := x.newGrant(t, tt.cred, grant{})
	endpoint := xsandbox.EndpointInvalidateToken
	if tt.cred == "oauth2" {
		endpoint = xsandbox.EndpointOAuth2Revoke
	}
	u := g.user()
	if tt.noSecret {
		u.secret = ""
	}
	s.put(t, u, user{uid: bobID, name: "bob", token: "t", secret: "s", created: time.Now()})
	if tt.otherKey { // the stage's keys no longer include the one that sealed alice's tokens
		s.sealer, _ = seal.New(teststack.NewKey(t))
	}
	if tt.revokedAtX {
		x.sb.Revoke(aliceID)
	}
	if tt.fault != 0 {
		x.sb.InjectFault(xsandbox.Fault{Endpoint: endpoint, Status: tt.fault})
	}
	return g, endpoint
}

// check: alice erased or kept, bob kept, the line, the calls X answered.
func (tt forgetCase) check(t *testing.T, s *stack, x *xApp, res Forgotten, endpoint string) {
	t.Helper()
	if s.exists(t, aliceID) == tt.wantErased || !s.exists(t, bobID) {
		t.Errorf("alice kept %v, bob kept %v; want alice erased %v, bob kept", s.exists(t, aliceID), s.exists(t, bobID), tt.wantErased)
	}
	if !strings.HasPrefix(res.X, tt.wantX) {
		t.Errorf("X: %q, want %q...", res.X, tt.wantX)
	}
	if ok, _ := x.answered(endpoint); ok != tt.wantOK {
		t.Errorf("%d %s calls answered 200, want %d", ok, endpoint, tt.wantOK)
	}
}

// checkAtX: what X revoked takes nothing any more; what it did not still
// works.
func (tt forgetCase) checkAtX(t *testing.T, x *xApp, g grant) {
	t.Helper()
	switch {
	case tt.cred == "oauth2" && tt.wantOK > 0:
		assertGrantDead(t, x, g.access, g.refresh)
	case tt.cred != "oauth2" && !tt.revokedAtX:
		if works := x.oauth1Works(t, g.token, g.secret); works != (tt.wantOK == 0) {
			t.Errorf("after forget the OAuth 1.0a token works: %v, want %v", works, tt.wantOK == 0)
		}
	}
}

func containsAny(text string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(text, sub) {
			return true
		}
	}
	return false
}

// assertNamesNobody: what forget prints holds neither the person's id nor
// their name nor any of their credentials.
func assertNamesNobody(t *testing.T, texts []string, credentials ...string) {
	t.Helper()
	for _, text := range texts {
		for _, personal := range append([]string{aliceID, "alice"}, credentials...) {
			if strings.Contains(text, personal) {
				t.Errorf("%q names the person (%s)", text, personal)
			}
		}
	}
}

// assertGrantDead: after the revoke, X takes neither token any more.
func assertGrantDead(t *testing.T, x *xApp, access, refresh string) {
	t.Helper()
	c := xoauth2.NewClient(xoauth2.Options{ClientID: "ops-client", ClientSecret: "ops-client-secret", BaseURL: x.secrets.APIBaseURL, HTTPClient: xapi.NewHTTPClient(5 * time.Second)})
	if _, err := c.Refresh(context.Background(), refresh); err == nil {
		t.Error("the revoked refresh token still refreshes")
	}
	req, _ := http.NewRequest(http.MethodGet, x.secrets.APIBaseURL.String()+"/2/users/me", nil)
	req.Header.Set("Authorization", "Bearer "+access)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("users/me with the revoked access token answered %d, want 401", resp.StatusCode)
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestForgetRefusesWhatItCannotFind(t *testing.T) {
	s := newStack(t)
	f := &Forget{Target: s.Target, Opener: s.sealer, RefKey: s.refKey}
	if _, err := f.Run(context.Background(), "42"); !errors.Is(err, ErrNoSuchUser) {
		t.Errorf("an unknown id: %v", err)
	}
	if _, err := f.Run(context.Background(), "@alice"); err == nil || errors.Is(err, ErrNoSuchUser) {
		t.Errorf("a handle instead of an id: %v", err)
	}
}

// The line's reference is the same for the same person and key, and tells
// nothing without the key.
func TestTheReferenceIsAKeyedHash(t *testing.T) {
	k1, k2 := teststack.NewKey(t), teststack.NewKey(t)
	a := Ref(k1, aliceID)
	if len(a) != 16 || a != Ref(k1, aliceID) || a == Ref(k2, aliceID) || a == Ref(k1, bobID) {
		t.Errorf("refs %s %s %s %s", a, Ref(k1, aliceID), Ref(k2, aliceID), Ref(k1, bobID))
	}
}
