package signin_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/twitter-sessions/twitter-sessions/shared/app"
	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/shared/seal"
	"github.com/twitter-sessions/twitter-sessions/shared/web"
	"github.com/twitter-sessions/twitter-sessions/tools/ddblocal"
	"github.com/twitter-sessions/twitter-sessions/tools/teststack"
	"github.com/twitter-sessions/twitter-sessions/tools/xsandbox"
)

func TestSignInEndToEnd(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	begin := time.Now()
	st := s.mustStart("follow=true&tweet=true&utm_source=newsletter&utm_campaign=launch&return_to=%2Flanding%2Fthanks")

	sess := s.session(st.token)
	if sess == nil {
		t.Fatal("no session stored")
	}
	sealedSecret, _ := dynamo.GetS(sess, "request_secret")
	if _, ok := seal.KeyIDOf(sealedSecret); !ok {
		t.Fatalf("request_secret is not sealed: %q", sealedSecret)
	}
	exp, _ := dynamo.GetInt(sess, "expires_at")
	if d := time.Unix(exp, 0).Sub(begin); d < 14*time.Minute || d > 16*time.Minute {
		t.Fatalf("expires_at is %v ahead, want 15 minutes", d)
	}
	if !dynamo.GetBool(sess, "follow") || !dynamo.GetBool(sess, "tweet") || dynamo.GetStringMap(sess, "utm")["utm_campaign"] != "launch" {
		t.Fatalf("session lost the choices: %v", sess)
	}

	resp := s.callback(s.authorize(st, aliceUID), st.cookie)
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("callback status %d", resp.StatusCode)
	}
	q := result(t, resp)
	if !strings.HasPrefix(resp.Headers["Location"], siteURL+"/thanks?") {
		t.Fatalf("return_to not honoured: %s", resp.Headers["Location"])
	}
	if q.Get("result") != "success" || q.Get("type") != "twitter" || q.Get("screen_name") != "alice" {
		t.Fatalf("result = %v", q)
	}
	if q.Get("follow") != "intent" || q.Get("follow_user_id") != brandUID {
		t.Fatalf("intent mode: the page is not told to show a follow button: %v", q)
	}
	if len(resp.Cookies) != 1 || !strings.Contains(resp.Cookies[0], "Max-Age=0") {
		t.Fatalf("the binding cookie is not cleared: %v", resp.Cookies)
	}
	if resp.Headers["Referrer-Policy"] != "no-referrer" {
		t.Fatal("the callback's URL (token, verifier) could leak through Referer")
	}

	if s.session(st.token) != nil {
		t.Fatal("the session outlived its callback")
	}
	u := s.user(aliceUID)
	if uid, _ := dynamo.GetN(u, "uid"); uid != aliceUID {
		t.Fatalf("uid = %q, want exactly %s", uid, aliceUID)
	}
	if sn, _ := dynamo.GetS(u, "screen_name"); sn != "alice" {
		t.Fatalf("screen_name = %q", sn)
	}
	sealer, _ := seal.New(s.cfg.EncryptionKeys[0])
	tok, _ := dynamo.GetS(u, "token")
	plain, err := sealer.Open(tok, "token:"+aliceUID)
	if err != nil || plain == "" || plain == tok {
		t.Fatalf("the token is not sealed and bound to the uid: %v", err)
	}
	if _, err := sealer.Open(tok, "token:"+brandUID); err == nil {
		t.Fatal("a sealed token opens for another user")
	}
	if !dynamo.GetBool(u, "subscribed") || !dynamo.GetBool(u, "tweet") || dynamo.GetStringMap(u, "attribution")["utm_source"] != "newsletter" {
		t.Fatalf("user lost the sign-up's choices: %v", u)
	}
	for attr, want := range map[string]string{"a_welcome": "pending", "a_tweet": "pending"} {
		m, _ := dynamo.GetM(u, attr)
		if st, _ := dynamo.GetS(m, "state"); st != want {
			t.Errorf("%s state = %q, want %s", attr, st, want)
		}
	}
	if _, ok := u["a_follow"]; ok {
		t.Error("intent mode requested an API follow")
	}
	if s.calls("request_token") != 1 || s.calls("access_token") != 1 || len(s.sandbox.Calls()) != 2 {
		t.Fatalf("calls to X: %+v, want one request_token and one access_token", s.sandbox.Calls())
	}
}

func TestSignInAsJSONForSinglePageFrontends(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	resp, err := s.h.StartSignIn(teststack.LambdaContext(t, 10*time.Second), formRequest("follow=false", map[string]string{"accept": "application/json"}))
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d err %v", resp.StatusCode, err)
	}
	var body struct {
		AuthorizeURL string `json:"authorize_url"`
	}
	if err := json.Unmarshal([]byte(resp.Body), &body); err != nil || !strings.HasPrefix(body.AuthorizeURL, s.xURL+"/oauth/authenticate?oauth_token=") {
		t.Fatalf("body %q", resp.Body)
	}
	if len(resp.Cookies) != 1 || resp.Headers["Content-Type"] != "application/json" {
		t.Fatalf("headers %v cookies %v", resp.Headers, resp.Cookies)
	}
}

func TestFollowModeAPIRequestsTheFollowAction(t *testing.T) {
	t.Parallel()
	s := newStack(t, teststack.WithEnv("FOLLOW_MODE", "api"))
	st := s.mustStart("follow=true")
	q := result(t, s.callback(s.authorize(st, aliceUID), st.cookie))
	if q.Get("result") != "success" || q.Has("follow") {
		t.Fatalf("result %v", q)
	}
	m, _ := dynamo.GetM(s.user(aliceUID), "a_follow")
	if state, _ := dynamo.GetS(m, "state"); state != "pending" {
		t.Fatalf("a_follow = %v", m)
	}
	if _, ok := s.user(aliceUID)["a_tweet"]; ok {
		t.Fatal("a tweet was requested without the opt-in")
	}
}

func TestTheBrandSigningInReleasesWaitingMessages(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	st := s.mustStart("brand=true&follow=true")
	result(t, s.callback(s.authorize(st, brandUID), st.cookie))
	u := s.user(brandUID)
	if !dynamo.GetBool(u, "brand") {
		t.Fatal("the brand is not marked")
	}
	if _, ok := u["a_welcome"]; ok {
		t.Fatal("the brand would welcome itself")
	}
	m, _ := dynamo.GetM(u, "a_release")
	if state, _ := dynamo.GetS(m, "state"); state != "pending" {
		t.Fatalf("a_release = %v", m)
	}
}

func TestDenied(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	st := s.mustStart("follow=true")
	q := result(t, s.callback("denied="+st.token, st.cookie))
	if q.Get("result") != "denied" || q.Has("reason") {
		t.Fatalf("result %v", q)
	}
	if s.session(st.token) != nil || s.count(s.cfg.TwitterTable) != 0 {
		t.Fatal("a cancelled sign-in left a session or a user behind")
	}
}

func TestReplayedCallbackFindsNothing(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	st := s.mustStart("follow=true")
	query := s.authorize(st, aliceUID)
	if q := result(t, s.callback(query, st.cookie)); q.Get("result") != "success" {
		t.Fatalf("first callback: %v", q)
	}
	q := result(t, s.callback(query, st.cookie))
	if q.Get("result") != "fail" || q.Get("reason") != "session_not_found" {
		t.Fatalf("replay: %v", q)
	}
	if s.calls("access_token") != 1 {
		t.Fatal("a replayed callback reached X")
	}
}

func TestConcurrentCallbacksCompleteOnce(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	st := s.mustStart("follow=true")
	query := s.authorize(st, aliceUID)
	const n = 8
	results := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := s.h.Callback(teststack.LambdaContext(t, 10*time.Second), callbackRequest(query, st.cookie))
			if err != nil || resp.StatusCode != http.StatusFound {
				results[i] = "error"
				return
			}
			results[i] = resp.Headers["Location"]
		}()
	}
	wg.Wait()
	ok, notFound := 0, 0
	for _, r := range results {
		switch {
		case strings.Contains(r, "result=success"):
			ok++
		case strings.Contains(r, "reason=session_not_found"):
			notFound++
		}
	}
	if ok != 1 || notFound != n-1 {
		t.Fatalf("%d successes, %d session_not_found: %v", ok, notFound, results)
	}
	if s.calls("access_token") != 1 || s.count(s.cfg.TwitterTable) != 1 {
		t.Fatalf("access_token calls %d, users %d", s.calls("access_token"), s.count(s.cfg.TwitterTable))
	}
}

func TestExpiredSession(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	st := s.mustStart("follow=true")
	query := s.authorize(st, aliceUID)
	s.clock.Advance(15*time.Minute + time.Second)
	q := result(t, s.callback(query, st.cookie))
	if q.Get("reason") != "session_expired" {
		t.Fatalf("result %v", q)
	}
	if s.calls("access_token") != 0 || s.count(s.cfg.TwitterTable) != 0 {
		t.Fatal("an expired session reached X or stored a user")
	}
}

func TestCallbackFromAnotherBrowser(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	st := s.mustStart("follow=true")
	query := s.authorize(st, aliceUID)
	name, _, _ := strings.Cut(st.cookie, "=")

	for _, tc := range []struct{ name, cookie string }{
		{"without the binding cookie", ""},
		{"with another browser's cookie", name + "=someone-elses-binding"},
	} {
		t.Run(tc.name+" the sign-in is refused and kept for the right browser", func(t *testing.T) {
			var cookies []string
			if tc.cookie != "" {
				cookies = []string{tc.cookie}
			}
			q := result(t, s.callback(query, cookies...))
			if q.Get("reason") != "session_mismatch" {
				t.Fatalf("result %v", q)
			}
			if s.session(st.token) == nil {
				t.Fatal("a callback without the right cookie destroyed the session")
			}
		})
	}
	if q := result(t, s.callback(query, st.cookie)); q.Get("result") != "success" {
		t.Fatalf("the right browser could not finish: %v", q)
	}
}

func TestReturningUserGetsNewTokensInOneItem(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	sealer, _ := seal.New(s.cfg.EncryptionKeys[0])
	var tokens []string
	var created []string
	for i := range 2 {
		// The opt-in post is work for the visitor's own token: it is kept.
		st := s.mustStart("tweet=true&utm_source=visit" + string(rune('1'+i)))
		if q := result(t, s.callback(s.authorize(st, aliceUID), st.cookie)); q.Get("result") != "success" {
			t.Fatalf("sign-in %d: %v", i, q)
		}
		u := s.user(aliceUID)
		tok, _ := dynamo.GetS(u, "token")
		plain, err := sealer.Open(tok, "token:"+aliceUID)
		if err != nil {
			t.Fatal(err)
		}
		tokens = append(tokens, plain)
		c, _ := dynamo.GetS(u, "created_at")
		created = append(created, c)
	}
	u := s.user(aliceUID)
	if tokens[0] == tokens[1] {
		t.Fatal("the returning user's new token did not replace the old one")
	}
	if created[0] != created[1] {
		t.Fatal("created_at changed on a returning sign-in")
	}
	if n, _ := dynamo.GetInt(u, "logins"); n != 2 {
		t.Fatalf("logins = %d", n)
	}
	if dynamo.GetStringMap(u, "attribution")["utm_source"] != "visit1" || dynamo.GetStringMap(u, "last_attribution")["utm_source"] != "visit2" {
		t.Fatalf("attribution %v / %v", u["attribution"], u["last_attribution"])
	}
	if s.count(s.cfg.TwitterTable) != 1 {
		t.Fatal("a returning user became two items")
	}
}

func TestIDsBeyond2To53StayExact(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	// 9007199254740993 = 2^53 + 1: a float64 rounds it to ...992.
	for _, uid := range []string{aliceUID, "9007199254740993"} {
		st := s.mustStart("")
		result(t, s.callback(s.authorize(st, uid), st.cookie))
		got, _ := dynamo.GetN(s.user(uid), "uid")
		if got != uid {
			t.Fatalf("uid stored as %q, want %q", got, uid)
		}
	}
	if s.user("9007199254740992") != nil {
		t.Fatal("an id went through a float64")
	}
}

func TestLogsOfAFullRunCarryNoSecret(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	st := s.mustStart("follow=true&tweet=true")
	query := s.authorize(st, aliceUID)
	result(t, s.callback(query, st.cookie))
	result(t, s.callback(query, st.cookie)) // a failure path logs too
	s.sandbox.InjectFault(xsandbox.Fault{Endpoint: "request_token", XCode: 415})
	s.start("follow=true")

	sealer, _ := seal.New(s.cfg.EncryptionKeys[0])
	u := s.user(aliceUID)
	tok, _ := dynamo.GetS(u, "token")
	sec, _ := dynamo.GetS(u, "secret")
	token, _ := sealer.Open(tok, "token:"+aliceUID)
	secret, _ := sealer.Open(sec, "secret:"+aliceUID)
	_, binding, _ := strings.Cut(st.cookie, "=")
	verifier := strings.TrimPrefix(query[strings.Index(query, "oauth_verifier="):], "oauth_verifier=")

	logs := s.logs.String()
	if !strings.Contains(logs, `"outcome":"success"`) || !strings.Contains(logs, `"request_id":"req-`) {
		t.Fatalf("the logs do not show the run:\n%s", logs)
	}
	for name, secretValue := range map[string]string{
		"consumer secret": consumerSecret, "encryption key": s.key, "access token": token,
		"access token secret": secret, "binding cookie": binding, "request token": st.token, "verifier": verifier,
	} {
		if secretValue == "" {
			t.Fatalf("%s is empty: the test would prove nothing", name)
		}
		if strings.Contains(logs, secretValue) {
			t.Errorf("the logs contain the %s", name)
		}
	}
}

func TestXFailuresEndInAClearRedirect(t *testing.T) {
	t.Parallel()
	rateReset := func() map[string]string {
		return map[string]string{"x-rate-limit-remaining": "0", "x-rate-limit-reset": itoa(time.Now().Add(10 * time.Minute).Unix())}
	}
	tests := []struct {
		name   string
		step   string // "request_token" or "access_token"
		fault  xsandbox.Fault
		reason string
		ok     bool // the retry absorbs it
		fix    bool // the log names what to fix
	}{
		{"a single 503 is retried and the sign-in succeeds", "request_token", xsandbox.Fault{Status: 503}, "", true, false},
		{"a lasting 503 ends in x_unavailable", "request_token", xsandbox.Fault{Status: 503, Times: 5}, "x_unavailable", false, false},
		{"a 429 that resets in minutes is not waited for", "request_token", xsandbox.Fault{Status: 429, Headers: rateReset()}, "x_rate_limited", false, false},
		{"a callback URL the app has not approved (415)", "request_token", xsandbox.Fault{XCode: 415}, "x_callback_not_approved", false, true},
		{"an app without access to the endpoint (453)", "request_token", xsandbox.Fault{XCode: 453}, "x_access_level", false, true},
		{"a desktop-only app (417)", "request_token", xsandbox.Fault{XCode: 417}, "x_app_not_web", false, true},
		{"bad authentication data (215)", "request_token", xsandbox.Fault{XCode: 215}, "x_bad_auth_data", false, true},
		{"a dropped connection is retried", "request_token", xsandbox.Fault{CloseConn: true}, "", true, false},
		{"an answer that is not a token", "request_token", xsandbox.Fault{Status: 200, Body: "<html>hello</html>"}, "x_malformed", false, false},
		{"a single 503 on the access token is retried", "access_token", xsandbox.Fault{Status: 503}, "", true, false},
		{"a lasting 500 on the access token ends in x_unavailable", "access_token", xsandbox.Fault{Status: 500, Times: 5}, "x_unavailable", false, false},
		{"a 429 on the access token", "access_token", xsandbox.Fault{Status: 429, Headers: rateReset()}, "x_rate_limited", false, false},
		{"an invalid verifier (89)", "access_token", xsandbox.Fault{XCode: 89}, "x_token_invalid", false, false},
		{"a bad signature on the access token (32)", "access_token", xsandbox.Fault{XCode: 32}, "x_auth_failed", false, true},
		{"an access token answer without the user", "access_token", xsandbox.Fault{Status: 200, Body: "oauth_token=a&oauth_token_secret=b"}, "x_malformed", false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := newStack(t)
			tt.fault.Endpoint = tt.step
			var q url.Values
			if tt.step == "request_token" {
				s.sandbox.InjectFault(tt.fault)
				resp := s.start("follow=true")
				if tt.ok {
					if resp.StatusCode != http.StatusSeeOther || !strings.HasPrefix(resp.Headers["Location"], s.xURL) {
						t.Fatalf("not retried: %d %v", resp.StatusCode, resp.Headers)
					}
					return
				}
				if resp.StatusCode != http.StatusSeeOther {
					t.Fatalf("status %d", resp.StatusCode)
				}
				q = result(t, resp)
				if s.count(s.cfg.SessionTable) != 0 {
					t.Fatal("a failed start stored a session")
				}
			} else {
				st := s.mustStart("follow=true")
				query := s.authorize(st, aliceUID)
				s.sandbox.InjectFault(tt.fault)
				q = result(t, s.callback(query, st.cookie))
				if tt.ok {
					if q.Get("result") != "success" {
						t.Fatalf("not retried: %v", q)
					}
					return
				}
				if s.count(s.cfg.TwitterTable) != 0 {
					t.Fatal("a failed callback left a user behind")
				}
			}
			if q.Get("result") != "fail" || q.Get("reason") != tt.reason {
				t.Fatalf("result %v, want fail/%s", q, tt.reason)
			}
			if hasFix := strings.Contains(s.logs.String(), `"fix":"`); hasFix != tt.fix {
				t.Fatalf("operator hint logged = %v, want %v:\n%s", hasFix, tt.fix, s.logs.String())
			}
		})
	}
}

func TestBadConsumerSecretIsReportedAsAuthFailure(t *testing.T) {
	t.Parallel()
	s := newStack(t, teststack.WithEnv("TWITTER_CONSUMER_SECRET", "not-the-apps-secret"))
	q := result(t, s.start("follow=true"))
	if q.Get("reason") != "x_auth_failed" {
		t.Fatalf("result %v", q)
	}
	if !strings.Contains(s.logs.String(), "check TWITTER_CONSUMER_KEY") {
		t.Fatalf("no fix in the log:\n%s", s.logs.String())
	}
}

func TestCallbackURLNotApprovedByTheApp(t *testing.T) {
	t.Parallel()
	s := newStack(t, teststack.WithEnv("TWITTER_CALLBACK_URL", "https://other.example/api/twitter-callback"))
	q := result(t, s.start("follow=true"))
	if q.Get("reason") != "x_callback_not_approved" {
		t.Fatalf("result %v", q)
	}
}

func TestXTooSlowEndsWithinTheBudget(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	s.sandbox.InjectFault(xsandbox.Fault{Endpoint: "request_token", Delay: time.Minute, Times: 3})
	// The invocation leaves the use case 1.5 s: less than the 3 s the HTTP
	// client gives X, so only the budget can end the wait.
	u := s.budget(answerSlack)
	ctx, cancel := context.WithTimeout(context.Background(), s.h.Budget+1500*time.Millisecond)
	defer cancel()
	resp, err := s.h.StartSignIn(ctx, formRequest("follow=true", nil))
	if err != nil {
		t.Fatal(err)
	}
	// X answers after a minute: the function must give up on X when the
	// budget ends and answer while its invocation still runs (Lambda would
	// kill it).
	if ctx.Err() != nil {
		t.Fatalf("answered after the invocation's deadline (%v): the function waited for X", ctx.Err())
	}
	s.wantUseCaseDeadline(u, ctx)
	if !errors.Is(u.ended, context.DeadlineExceeded) {
		t.Fatalf("the use case returned with its context %v: X's wait did not last until the budget ended", u.ended)
	}
	if q := result(t, resp); q.Get("reason") != "x_timeout" {
		t.Fatalf("result %v", q)
	}
}

func TestDynamoDBUnavailable(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	down, err := ddblocal.Client(context.Background(), "http://127.0.0.1:9")
	if err != nil {
		t.Fatal(err)
	}
	broken := app.New(s.cfg, s.h.Log, down, mustSealer(t, s)).SignIn()

	t.Run("starting a sign-in redirects with store_unavailable", func(t *testing.T) {
		resp, err := broken.StartSignIn(teststack.LambdaContext(t, 10*time.Second), formRequest("follow=true", nil))
		if err != nil {
			t.Fatal(err)
		}
		if q := result(t, resp); q.Get("reason") != "store_unavailable" {
			t.Fatalf("result %v", q)
		}
	})
	t.Run("finishing a sign-in redirects with store_unavailable and keeps the session", func(t *testing.T) {
		st := s.mustStart("follow=true")
		query := s.authorize(st, aliceUID)
		resp, err := broken.Callback(teststack.LambdaContext(t, 10*time.Second), callbackRequest(query, st.cookie))
		if err != nil {
			t.Fatal(err)
		}
		if q := result(t, resp); q.Get("reason") != "store_unavailable" {
			t.Fatalf("result %v", q)
		}
		if s.session(st.token) == nil {
			t.Fatal("the session was lost")
		}
		// Once DynamoDB is back the same callback completes.
		if q := result(t, s.callback(query, st.cookie)); q.Get("result") != "success" {
			t.Fatalf("after recovery: %v", q)
		}
	})
}

func mustSealer(t *testing.T, s *stack) *seal.Sealer {
	t.Helper()
	sealer, err := seal.New(s.cfg.EncryptionKeys[0])
	if err != nil {
		t.Fatal(err)
	}
	return sealer
}

func TestBadRequestsGetA4xxAndStoreNothing(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	form := func(body string) events.APIGatewayV2HTTPRequest { return formRequest(body, nil) }
	raw := func(body string, b64 bool, ct string) events.APIGatewayV2HTTPRequest {
		r := formRequest("", map[string]string{"content-type": ct})
		r.Body, r.IsBase64Encoded = body, b64
		return r
	}
	get := formRequest("follow=true", nil)
	get.RequestContext.HTTP.Method = http.MethodGet
	tests := []struct {
		name   string
		req    events.APIGatewayV2HTTPRequest
		status int
	}{
		{"a malformed body", form("follow=%zz"), http.StatusBadRequest},
		{"an oversized body", form("utm_source=" + strings.Repeat("x", 20000)), http.StatusRequestEntityTooLarge},
		{"undecodable base64", raw("@@@", true, "application/x-www-form-urlencoded"), http.StatusBadRequest},
		{"a duplicated parameter", form("follow=true&follow=false"), http.StatusBadRequest},
		{"a follow that is not a boolean", form("follow=yes please"), http.StatusBadRequest},
		{"a JSON body", raw(`{"follow":true}`, false, "application/json"), http.StatusUnsupportedMediaType},
		{"a GET", get, http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.name+" is refused with a message", func(t *testing.T) {
			resp, err := s.h.StartSignIn(teststack.LambdaContext(t, 10*time.Second), tt.req)
			if err != nil || resp.StatusCode != tt.status || strings.TrimSpace(resp.Body) == "" {
				t.Fatalf("status %d body %q err %v, want %d with a message", resp.StatusCode, resp.Body, err, tt.status)
			}
		})
	}
	if s.count(s.cfg.SessionTable) != 0 || len(s.sandbox.Calls()) != 0 {
		t.Fatal("a refused request stored a session or reached X")
	}

	for _, tt := range []struct{ name, query, reason string }{
		{"a callback without parameters", "", "bad_callback"},
		{"a callback without a verifier", "oauth_token=abc", "bad_callback"},
		{"a callback with a duplicated token", "oauth_token=a&oauth_token=b&oauth_verifier=v", "bad_callback"},
		{"a callback with broken encoding", "oauth_token=%zz&oauth_verifier=v", "bad_callback"},
		{"a callback for an unknown token", "oauth_token=unknown&oauth_verifier=v", "session_mismatch"},
	} {
		t.Run(tt.name+" redirects with a reason", func(t *testing.T) {
			if q := result(t, s.callback(tt.query)); q.Get("result") != "fail" || q.Get("reason") != tt.reason {
				t.Fatalf("result %v, want %s", q, tt.reason)
			}
		})
	}
	if s.count(s.cfg.TwitterTable) != 0 {
		t.Fatal("a bad callback stored a user")
	}
}

// An event that is no HTTP request (another function's event, a REST API
// payload, nothing) fails the invocation with a message saying so, in each
// HTTP function, instead of answering a visitor who is not there.
func TestAnEventThatIsNotAnHTTPRequestFailsTheInvocation(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	routes := s.deps.CallbackRoutes()
	handlers := map[string]func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error){
		"generate_session": s.h.StartSignIn,
		"twitter_callback": routes,
		"twitter_callback's unsubscribe route": func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
			req.RawPath = "/api/unsubscribe"
			return routes(ctx, req)
		},
	}
	for _, ev := range []struct{ name, json string }{
		{"an empty event", `{}`},
		{"a stream record", `{"Records":[{"eventName":"INSERT","dynamodb":{"Keys":{"uid":{"N":"1"}}}}]}`},
		{"a REST API (payload 1.0) request", `{"version":"1.0","httpMethod":"POST","path":"/api/twitter-session","body":"follow=true","requestContext":{"httpMethod":"POST"}}`},
	} {
		var req events.APIGatewayV2HTTPRequest
		if err := json.Unmarshal([]byte(ev.json), &req); err != nil {
			t.Fatal(err)
		}
		for name, h := range handlers {
			t.Run(ev.name+" to "+name, func(t *testing.T) {
				resp, err := h(teststack.LambdaContext(t, 10*time.Second), req)
				if !errors.Is(err, web.ErrNotHTTPEvent) || resp.StatusCode != 0 {
					t.Fatalf("status %d err %v, want a failed invocation with ErrNotHTTPEvent", resp.StatusCode, err)
				}
			})
		}
	}
	if s.count(s.cfg.SessionTable)+s.count(s.cfg.TwitterTable) != 0 || len(s.sandbox.Calls()) != 0 {
		t.Fatal("an event that is not a request stored something or reached X")
	}
	if !strings.Contains(s.logs.String(), "invocation refused") {
		t.Fatal("the refusal was not logged")
	}
}

func itoa(i int64) string { return strconv.FormatInt(i, 10) }
