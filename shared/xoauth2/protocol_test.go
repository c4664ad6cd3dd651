package xoauth2_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/xapi"
	"github.com/twitter-sessions/twitter-sessions/shared/xoauth2"
	"github.com/twitter-sessions/twitter-sessions/tools/xsandbox"
)

// signIn starts a sign-in, has userID approve it at the sandbox and returns
// the session and the parsed callback.
func signIn(t *testing.T, sb *xsandbox.Sandbox, p *xoauth2.Protocol, userID string) (signin.Session, signin.Callback) {
	t.Helper()
	auth, err := p.Start(context.Background(), everything)
	if err != nil {
		t.Fatal(err)
	}
	back, err := sb.ApproveOAuth2(auth.URL, userID)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(back)
	cb, err := p.ParseCallback(u.Query())
	if err != nil {
		t.Fatal(err)
	}
	return signin.Session{Key: auth.Key, Secret: auth.Secret}, cb
}

// everything is a visitor's sign-up that follows and posts.
var everything = signin.Access{Follow: true, Post: true}

func TestStartCallsNothingAndAsksForS256(t *testing.T) {
	t.Parallel()
	sb, base := sandbox(t)
	p := xoauth2.New(options(base, 2*time.Second))
	a, err := p.Start(context.Background(), everything)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := p.Start(context.Background(), everything)
	if len(sb.Calls()) != 0 {
		t.Fatalf("Start called X: %+v", sb.Calls())
	}
	u, _ := url.Parse(a.URL)
	q := u.Query()
	sum := sha256.Sum256([]byte(a.Secret))
	want := map[string]string{
		"response_type": "code", "client_id": clientID, "redirect_uri": callbackURL,
		"scope": "users.read tweet.read follows.write tweet.write", "state": a.Key,
		"code_challenge": base64.RawURLEncoding.EncodeToString(sum[:]), "code_challenge_method": "S256",
	}
	for k, v := range want {
		if q.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, q.Get(k), v)
		}
	}
	if len(q) != len(want) || u.Path != "/i/oauth2/authorize" || strings.Contains(u.RawQuery, "+") {
		t.Errorf("authorize URL %s: want exactly the parameters above, spaces as %%20", a.URL)
	}
	if len(a.Key) != 43 || len(a.Secret) != 43 || a.Key == b.Key || a.Secret == b.Secret || a.Key == a.Secret {
		t.Fatal("state and verifier are not fresh 256-bit values (43 base64url characters)")
	}
	if strings.Contains(a.URL, a.Secret) {
		t.Fatal("the verifier is in the authorize URL")
	}
}

func TestStartFailsWithoutRandomness(t *testing.T) {
	_, base := sandbox(t)
	o := options(base, time.Second)
	o.Rand = bytes.NewReader(make([]byte, 40)) // enough for the state, not the verifier
	if _, err := xoauth2.New(o).Start(context.Background(), everything); err == nil {
		t.Fatal("a short read of randomness was ignored")
	}
}

func TestFinishNamesTheUserWithTwoCalls(t *testing.T) {
	t.Parallel()
	sb, base := sandbox(t)
	p := xoauth2.New(options(base, 2*time.Second))
	for _, uid := range []string{alice, bob} {
		sess, cb := signIn(t, sb, p, uid)
		sb.ResetCalls()
		id, err := p.Finish(context.Background(), sess, cb)
		if err != nil {
			t.Fatal(err)
		}
		if id.UserID != uid || id.ScreenName == "" || id.Kind != signin.KindOAuth2 || id.Refresh != "" ||
			!id.ExpiresAt.Equal(fixedNow.Add(2*time.Hour)) || !id.Complete() {
			t.Fatalf("identity %s %q kind %s expires %v (a visitor grants no offline access: no refresh token)", id.UserID, id.ScreenName, id.Kind, id.ExpiresAt)
		}
		if usersMe(t, base, id.Token) != http.StatusOK {
			t.Fatal("the access token does not work")
		}
		calls := sb.Calls()
		if len(calls) != 3 || calls[0].Endpoint != xsandbox.EndpointOAuth2Token || calls[1].Endpoint != xsandbox.EndpointUsersMe {
			t.Fatalf("calls %+v, want the token exchange and users/me (then the test's own users/me)", calls)
		}
	}
}

func TestFinishNeverRepeatsTheCodeExchange(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		endpoint string
		fault    xsandbox.Fault
		ok       bool
		reason   signin.Reason
		calls    int // requests to the endpoint
	}{
		{"a 503 on the exchange ends it", xsandbox.EndpointOAuth2Token, xsandbox.Fault{Status: 503}, false, "x_unavailable", 1},
		{"a dropped exchange ends it", xsandbox.EndpointOAuth2Token, xsandbox.Fault{CloseConn: true}, false, "x_unavailable", 1},
		{"a 429 on the exchange is tried again", xsandbox.EndpointOAuth2Token, xsandbox.Fault{Status: 429}, true, "", 2},
		{"a 503 on users/me is tried again", xsandbox.EndpointUsersMe, xsandbox.Fault{Status: 503}, true, "", 2},
		{"a lasting 503 on users/me ends in x_unavailable", xsandbox.EndpointUsersMe, xsandbox.Fault{Status: 503, Times: 3}, false, "x_unavailable", 3},
		{"a users/me without an X id is malformed", xsandbox.EndpointUsersMe, xsandbox.Fault{Body: `{"data":{"id":1.2345678901234568e18,"username":"alice"}}`}, false, "x_malformed", 1},
		{"a users/me with an odd handle is malformed", xsandbox.EndpointUsersMe, xsandbox.Fault{Body: `{"data":{"id":"1234567890123456789","username":"a<b>"}}`}, false, "x_malformed", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			sb, base := sandbox(t)
			p := xoauth2.New(options(base, 2*time.Second))
			sess, cb := signIn(t, sb, p, alice)
			tt.fault.Endpoint = tt.endpoint
			sb.InjectFault(tt.fault)
			id, err := p.Finish(context.Background(), sess, cb)
			if (err == nil) != tt.ok || signin.ReasonOf(err) != tt.reason {
				t.Fatalf("err = %v (reason %q), want ok=%v reason %q", err, signin.ReasonOf(err), tt.ok, tt.reason)
			}
			if tt.ok && id.UserID != alice {
				t.Fatalf("identity %+v", id.UserID)
			}
			sb.WaitIdle(2 * time.Second)
			n := 0
			for _, c := range sb.Calls() {
				if c.Endpoint == tt.endpoint {
					n++
				}
			}
			if n != tt.calls {
				t.Fatalf("%d calls to %s, want %d", n, tt.endpoint, tt.calls)
			}
		})
	}
}

func TestTheCodeIsRefusedWhenUsedOrNotMatched(t *testing.T) {
	t.Parallel()
	sb, base := sandbox(t)
	p := xoauth2.New(options(base, 2*time.Second))
	tests := []struct {
		name   string
		change func(s *signin.Session, cb *signin.Callback)
	}{
		{"a used code", func(s *signin.Session, cb *signin.Callback) {
			if _, err := p.Finish(context.Background(), *s, *cb); err != nil {
				t.Fatal(err)
			}
		}},
		{"another sign-in's verifier", func(s *signin.Session, _ *signin.Callback) { s.Secret = strings.Repeat("v", 43) }},
		{"an unknown code", func(_ *signin.Session, cb *signin.Callback) { cb.Verifier = "forged" }},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is an invalid grant", func(t *testing.T) {
			sess, cb := signIn(t, sb, p, alice)
			tt.change(&sess, &cb)
			_, err := p.Finish(context.Background(), sess, cb)
			var xe *xapi.Error
			if !errors.As(err, &xe) || xe.Reason() != "x_oauth2_invalid_grant" || !xe.GrantInvalid() || xe.OperatorHint() == "" {
				t.Fatalf("err = %v", err)
			}
		})
	}
}

func TestParseCallback(t *testing.T) {
	p := xoauth2.New(options(&url.URL{Scheme: "https", Host: "api.x.com"}, time.Second))
	long := strings.Repeat("a", 201)
	tests := []struct {
		name   string
		query  string
		want   signin.Callback
		reason signin.Reason // "" for no error
	}{
		{"a code and a state are read", "state=s1&code=c1", signin.Callback{Key: "s1", Verifier: "c1"}, ""},
		{"access_denied is the visitor cancelling", "error=access_denied&state=s1", signin.Callback{Key: "s1", Denied: true}, ""},
		{"a code without a state is a bad callback", "code=c1", signin.Callback{}, "bad_callback"},
		{"a state without a code is a bad callback", "state=s1", signin.Callback{}, "bad_callback"},
		{"an OAuth 1.0a callback is a bad callback", "oauth_token=t&oauth_verifier=v", signin.Callback{}, "bad_callback"},
		{"an overlong state is a bad callback", "code=c&state=" + long, signin.Callback{}, "bad_callback"},
		{"an overlong code is a bad callback", "state=s&code=" + strings.Repeat("c", 1001), signin.Callback{}, "bad_callback"},
		{"invalid_scope is X's refusal with its reason", "error=invalid_scope&error_description=unknown+scope&state=s1", signin.Callback{Key: "s1"}, "x_oauth2_invalid_scope"},
		{"unauthorized_client is X's refusal with its reason", "error=unauthorized_client&state=s1", signin.Callback{Key: "s1"}, "x_oauth2_unauthorized_client"},
		{"invalid_request is X's refusal with its reason", "error=invalid_request&state=s1", signin.Callback{Key: "s1"}, "x_oauth2_invalid_request"},
		{"server_error is X unavailable", "error=server_error&state=s1", signin.Callback{Key: "s1"}, "x_unavailable"},
		{"an error that is no OAuth 2.0 code is a rejection", "error=%3Cscript%3E&state=s1", signin.Callback{Key: "s1"}, "x_rejected"},
		{"an error without a state is a bad callback: nothing can vouch for it", "error=invalid_client&error_description=fix+it", signin.Callback{}, "bad_callback"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q, _ := url.ParseQuery(tt.query)
			cb, err := p.ParseCallback(q)
			if cb.Refused != nil { // X's refusal, believed once the state matches a live session
				if err != nil {
					t.Fatalf("both a refusal and an error: %v, %v", cb.Refused, err)
				}
				err, cb.Refused = cb.Refused, nil
			}
			if signin.ReasonOf(err) != tt.reason || cb != tt.want {
				t.Fatalf("callback %+v err %v (reason %q), want %+v %q", cb, err, signin.ReasonOf(err), tt.want, tt.reason)
			}
			if err != nil && strings.Contains(err.Error(), "script") {
				t.Fatal("an odd error code is repeated in the error")
			}
		})
	}
}

// BenchmarkStart measures an OAuth 2.0 start: the state, the PKCE verifier
// and its S256 challenge, and the authorize URL (no call to X).
func BenchmarkStart(b *testing.B) {
	base, _ := url.Parse("https://api.x.invalid")
	p := xoauth2.New(options(base, time.Second))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Start(context.Background(), everything); err != nil {
			b.Fatal(err)
		}
	}
}

// TestScopesAreTheLeastEachSignInUses: a visitor is asked for what
// GET /2/users/me needs and what their own sign-up does with their token,
// never the DM scopes nor offline access; the brand's start for what the
// sender needs.
func TestScopesAreTheLeastEachSignInUses(t *testing.T) {
	tests := []struct {
		name string
		a    signin.Access
		want string
	}{
		{"a plain sign-up", signin.Access{}, "users.read tweet.read"},
		{"a follow through the API", signin.Access{Follow: true}, "users.read tweet.read follows.write"},
		{"an opt-in post", signin.Access{Post: true}, "users.read tweet.read tweet.write"},
		{"both", everything, "users.read tweet.read follows.write tweet.write"},
		{"the brand's start", signin.Access{Brand: true}, "users.read tweet.read dm.read dm.write offline.access"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := xoauth2.New(options(&url.URL{Scheme: "https", Host: "api.x.com"}, time.Second))
			a, err := p.Start(context.Background(), tt.a)
			if err != nil {
				t.Fatal(err)
			}
			u, _ := url.Parse(a.URL)
			if got := u.Query().Get("scope"); got != tt.want || strings.Join(xoauth2.Scopes(tt.a), " ") != tt.want {
				t.Fatalf("scope %q, want %q", got, tt.want)
			}
		})
	}
}
