package signin_test

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/tools/teststack"
)

// The sign-in over OAuth 2.0 (SIGNIN_PROTOCOL=oauth2): the same handlers,
// stores and redirects as the OAuth 1.0a tests, with X's OAuth 2.0 played by
// the sandbox (teststack registers its confidential client).

func newOAuth2Stack(t *testing.T, opts ...teststack.Option) *stack {
	t.Helper()
	return newStack(t, append([]teststack.Option{teststack.WithEnv("SIGNIN_PROTOCOL", "oauth2")}, opts...)...)
}

// started2 is an OAuth 2.0 sign-in sent to X: the authorize URL, its state
// (the session's key) and the browser's cookie.
type started2 struct {
	url, state, cookie string
}

func (s *stack) mustStartOAuth2(form string) started2 {
	s.t.Helper()
	resp := s.start(form)
	loc := resp.Headers["Location"]
	if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, s.xURL+"/i/oauth2/authorize?") {
		s.t.Fatalf("start: status %d, location %q, want X's OAuth 2.0 consent page", resp.StatusCode, loc)
	}
	if len(resp.Cookies) != 1 {
		s.t.Fatalf("start set cookies %v, want the binding cookie", resp.Cookies)
	}
	u, _ := url.Parse(loc)
	nameValue, _, _ := strings.Cut(resp.Cookies[0], ";")
	return started2{url: loc, state: u.Query().Get("state"), cookie: nameValue}
}

// approveOAuth2 is the visitor approving the app at X as userID: the
// callback's raw query.
func (s *stack) approveOAuth2(st started2, userID string) string {
	s.t.Helper()
	cb, err := s.sandbox.ApproveOAuth2(st.url, userID)
	if err != nil {
		s.t.Fatal(err)
	}
	if !strings.HasPrefix(cb, callbackURL+"?") {
		s.t.Fatalf("sandbox called back %q", cb)
	}
	return cb[len(callbackURL)+1:]
}

// open opens a sealed attribute of item under context.
func (s *stack) open(item dynamo.Item, attr, context string) string {
	s.t.Helper()
	v, _ := dynamo.GetS(item, attr)
	plain, err := mustSealer(s.t, s).Open(v, context)
	if err != nil || plain == "" || plain == v {
		s.t.Fatalf("%s is not sealed for %s: %v", attr, context, err)
	}
	return plain
}

func TestOAuth2SignInEndToEnd(t *testing.T) {
	t.Parallel()
	s := newOAuth2Stack(t, teststack.WithEnv("FOLLOW_MODE", "api"))
	began := time.Now()
	st := s.mustStartOAuth2("follow=true&tweet=true&utm_source=newsletter")
	if len(s.sandbox.Calls()) != 0 {
		t.Fatalf("starting an OAuth 2.0 sign-in called X: %+v", s.sandbox.Calls())
	}

	// The session is keyed by the state and keeps the PKCE verifier sealed:
	// the verifier is the one whose S256 challenge went to X.
	sess := s.session(st.state)
	if sess == nil {
		t.Fatal("no session stored under the state")
	}
	verifier := s.open(sess, "request_secret", "session:"+st.state)
	sum := sha256.Sum256([]byte(verifier))
	u, _ := url.Parse(st.url)
	if u.Query().Get("code_challenge") != base64.RawURLEncoding.EncodeToString(sum[:]) || len(verifier) != 43 {
		t.Fatal("the session's verifier is not the one the code challenge was made of")
	}
	if got := u.Query().Get("scope"); got != "users.read tweet.read follows.write tweet.write" {
		t.Fatalf("scope %q", got)
	}

	query := s.approveOAuth2(st, aliceUID)
	resp := s.callback(query, st.cookie)
	q := result(t, resp)
	if q.Get("result") != "success" || q.Get("screen_name") != "alice" {
		t.Fatalf("result %v", q)
	}
	if len(resp.Cookies) != 1 || !strings.Contains(resp.Cookies[0], "Max-Age=0") || resp.Headers["Referrer-Policy"] != "no-referrer" {
		t.Fatalf("cookies %v headers %v: the binding cookie is not cleared, or the code could leak through Referer", resp.Cookies, resp.Headers)
	}
	if s.session(st.state) != nil {
		t.Fatal("the session outlived its callback")
	}

	user := s.user(aliceUID)
	if k, _ := dynamo.GetS(user, "cred"); k != "oauth2" {
		t.Fatalf("cred = %q, want oauth2", k)
	}
	access := s.open(user, "token", "token:"+aliceUID)
	if _, ok := user["refresh"]; ok {
		t.Fatal("a visitor's grant holds a refresh token: they were asked for offline access")
	}
	if exp := dynamo.GetTime(user, "token_expires_at"); exp.Before(began.Add(2*time.Hour-time.Minute)) || exp.After(time.Now().Add(2*time.Hour+time.Minute)) {
		t.Fatalf("token_expires_at %v, want two hours on", exp)
	}
	if _, ok := user["secret"]; ok {
		t.Fatal("an OAuth 2.0 user has an OAuth 1.0a secret")
	}
	for _, a := range []string{"a_follow", "a_welcome", "a_tweet"} {
		m, _ := dynamo.GetM(user, a)
		if state, _ := dynamo.GetS(m, "state"); state != "pending" {
			t.Errorf("%s = %v, want pending", a, m)
		}
	}
	if s.calls("oauth2_token") != 1 || s.calls("users_me") != 1 || len(s.sandbox.Calls()) != 2 {
		t.Fatalf("calls to X %+v, want one token exchange and one users/me", s.sandbox.Calls())
	}

	logs := s.logs.String()
	if !strings.Contains(logs, `"protocol":"oauth2"`) || !strings.Contains(logs, `"visitor_scopes":"users.read tweet.read"`) ||
		!strings.Contains(logs, `"brand_scopes":"users.read tweet.read dm.read dm.write offline.access"`) {
		t.Fatalf("the cold start does not log the protocol and its scopes:\n%s", logs)
	}
	_, binding, _ := strings.Cut(st.cookie, "=")
	code, _ := url.ParseQuery(query)
	for name, secret := range map[string]string{
		"client secret": teststack.ClientSecret, "access token": access,
		"verifier": verifier, "code": code.Get("code"), "state": st.state, "binding cookie": binding, "encryption key": s.key,
	} {
		if secret == "" || strings.Contains(logs, secret) {
			t.Errorf("the logs contain the %s (or it is empty)", name)
		}
	}
}

func TestOAuth2DeniedAndReplayedAndFromAnotherBrowser(t *testing.T) {
	t.Parallel()
	s := newOAuth2Stack(t)

	t.Run("a visitor who cancels at X is sent back denied and leaves nothing", func(t *testing.T) {
		st := s.mustStartOAuth2("follow=true")
		cb, err := s.sandbox.DenyOAuth2(st.url)
		if err != nil {
			t.Fatal(err)
		}
		if q := result(t, s.callback(cb[len(callbackURL)+1:], st.cookie)); q.Get("result") != "denied" || q.Has("reason") {
			t.Fatalf("result %v", q)
		}
		if s.session(st.state) != nil || s.count(s.cfg.TwitterTable) != 0 || s.calls("oauth2_token") != 0 {
			t.Fatal("a cancelled sign-in left a session or a user, or reached the token endpoint")
		}
	})
	t.Run("another browser is refused and the sign-in stays the right browser's", func(t *testing.T) {
		st := s.mustStartOAuth2("follow=true")
		query := s.approveOAuth2(st, aliceUID)
		name, _, _ := strings.Cut(st.cookie, "=")
		for _, cookies := range [][]string{nil, {name + "=someone-elses-binding"}} {
			if q := result(t, s.callback(query, cookies...)); q.Get("reason") != "session_mismatch" {
				t.Fatalf("cookies %v: result %v", cookies, q)
			}
		}
		if s.session(st.state) == nil || s.calls("oauth2_token") != 0 {
			t.Fatal("a callback from another browser destroyed the session or reached X")
		}
		if q := result(t, s.callback(query, st.cookie)); q.Get("result") != "success" {
			t.Fatalf("the right browser could not finish: %v", q)
		}
		t.Run("and a replay of its callback finds nothing", func(t *testing.T) {
			if q := result(t, s.callback(query, st.cookie)); q.Get("reason") != "session_not_found" {
				t.Fatalf("replay: %v", q)
			}
			if s.calls("oauth2_token") != 1 {
				t.Fatal("a replayed callback reached X")
			}
		})
	})
}

func TestOAuth2IDsBeyond2To53StayExact(t *testing.T) {
	t.Parallel()
	s := newOAuth2Stack(t)
	for _, uid := range []string{aliceUID, bobUID, brandUID} {
		form := "follow=true"
		if uid == brandUID {
			form = "brand=true" // the brand connects through its own start
		}
		st := s.mustStartOAuth2(form)
		if q := result(t, s.callback(s.approveOAuth2(st, uid), st.cookie)); q.Get("result") != "success" {
			t.Fatalf("%s: %v", uid, q)
		}
		if got, _ := dynamo.GetN(s.user(uid), "uid"); got != uid {
			t.Fatalf("uid stored as %q, want %q", got, uid)
		}
	}
	if s.user("9007199254740992") != nil {
		t.Fatal("an id went through a float64")
	}
	brand := s.user(brandUID)
	m, _ := dynamo.GetM(brand, "a_release")
	if state, _ := dynamo.GetS(m, "state"); !dynamo.GetBool(brand, "brand") || state != "pending" {
		t.Fatalf("the brand's OAuth 2.0 sign-in does not release waiting DMs: %v", brand)
	}
}
