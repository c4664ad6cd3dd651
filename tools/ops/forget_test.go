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

// xApp is the X sandbox over HTTP with the app's OAuth 2.0 client.
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
	return &xApp{sb: sb, secrets: Secrets{Opener: s.sealer, RefKey: s.refKey, ClientID: "ops-client", ClientSecret: "ops-client-secret", APIBaseURL: base}}
}

func (x *xApp) revokes() (ok, failed int) {
	x.sb.WaitIdle(2 * time.Second)
	for _, c := range x.sb.Calls() {
		if c.Endpoint == xsandbox.EndpointOAuth2Revoke {
			if c.Status == http.StatusOK {
				ok++
			} else {
				failed++
			}
		}
	}
	return ok, failed
}

func TestForgetRevokesWhatXCanRevokeThenErases(t *testing.T) {
	tests := []struct {
		name       string
		cred       string
		noClient   bool
		fault      int // status of X's revoke answer
		otherKey   bool
		skipRevoke bool
		confirm    string
		wantErr    error
		wantX      string
		wantErased bool
		wantOK     int // revoke calls X answered 200
	}{
		{name: "an OAuth 2.0 user's grant is revoked at X and their item deleted", cred: "oauth2", confirm: "yes",
			wantX: "OAuth 2.0 grant revoked (refresh_token and access_token)", wantErased: true, wantOK: 2},
		{name: "an OAuth 1.0a user is deleted without a call to X, which has no revoke for the token", cred: "oauth1", confirm: "yes",
			wantX: oauth1NoRevoke, wantErased: true},
		{name: "a revoke X fails keeps the item for another try", cred: "oauth2", fault: 503, confirm: "yes", wantErr: ErrRevokeFailed},
		{name: "a revoke X fails erases anyway with SKIP_REVOKE", cred: "oauth2", fault: 503, skipRevoke: true, confirm: "yes",
			wantX: "NOT revoked", wantErased: true},
		{name: "an OAuth 2.0 user on a stage without a client is kept", cred: "oauth2", noClient: true, confirm: "yes", wantErr: ErrRevokeFailed},
		{name: "a token the stage's keys do not open is kept", cred: "oauth2", otherKey: true, confirm: "yes", wantErr: ErrRevokeFailed},
		{name: "anything but yes erases nothing", cred: "oauth2", confirm: "y", wantErr: ErrNotConfirmed},
		{name: "no confirmation asked (YES=1) erases", cred: "oauth2", wantX: "OAuth 2.0 grant revoked", wantErased: true, wantOK: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStack(t)
			x := newXApp(t, s)
			u := user{uid: aliceID, name: "alice", cred: tt.cred, created: time.Now()}
			access, refresh := x.sb.IssueOAuth2Token(aliceID, "users.read", "tweet.read", "offline.access")
			if tt.cred == "oauth2" {
				u.token, u.refresh = access, refresh
			} else {
				u.token, u.secret = "alice-oauth1-token", "alice-oauth1-secret"
			}
			s.put(t, u, user{uid: bobID, name: "bob", token: "t", secret: "s", created: time.Now()})
			if tt.otherKey { // the stage's keys no longer include the one that sealed alice's tokens
				s.sealer, _ = seal.New(teststack.NewKey(t))
			}
			if tt.fault != 0 {
				x.sb.InjectFault(xsandbox.Fault{Endpoint: xsandbox.EndpointOAuth2Revoke, Status: tt.fault})
			}
			f := &Forget{Target: s.Target, Opener: s.sealer, Revoker: x.secrets.Revoker(), RefKey: s.refKey, SkipRevoke: tt.skipRevoke}
			if tt.noClient {
				f.Revoker = nil
			}
			var shown string
			if tt.confirm != "" {
				f.Confirm = func(summary string) (bool, error) { shown = summary; return tt.confirm == "yes", nil }
			}
			res, err := f.Run(context.Background(), aliceID)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Run = %v, want %v", err, tt.wantErr)
			}
			if s.exists(t, aliceID) == tt.wantErased || !s.exists(t, bobID) {
				t.Errorf("alice kept %v, bob kept %v; want alice erased %v, bob kept", s.exists(t, aliceID), s.exists(t, bobID), tt.wantErased)
			}
			if !strings.HasPrefix(res.X, tt.wantX) {
				t.Errorf("X: %q, want %q...", res.X, tt.wantX)
			}
			if ok, _ := x.revokes(); ok != tt.wantOK || (tt.cred == "oauth1" && len(x.sb.Calls()) != 0) {
				t.Errorf("%d revokes answered 200 (want %d), %d calls to X", ok, tt.wantOK, len(x.sb.Calls()))
			}
			if tt.confirm != "" && (!strings.Contains(shown, "@alice, first signed in") || strings.Contains(shown, access)) {
				t.Errorf("the confirmation showed %q", shown)
			}
			for _, text := range []string{res.Line(s.Stage), errText(err)} {
				for _, personal := range []string{aliceID, "alice", access, refresh} {
					if strings.Contains(text, personal) {
						t.Errorf("%q names the person (%s)", text, personal)
					}
				}
			}
			if tt.wantOK > 0 {
				assertGrantDead(t, x, access, refresh)
			}
		})
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
