package xsandbox

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dghubble/oauth1"
)

// The whole sign-in, with github.com/dghubble/oauth1 (the library the service
// uses) as the client and a browser's clicks on the authorize page: a second,
// independent implementation of RFC 5849 against the sandbox's.
func TestThreeLeggedFlowWithTheDghubbleClient(t *testing.T) {
	sb := New(Options{ConsumerKey: testConsumerKey, ConsumerSecret: testConsumerSecret, AllowedCallbacks: []string{testCallback}})
	srv := httptest.NewServer(sb)
	defer srv.Close()

	config := &oauth1.Config{
		ConsumerKey:    testConsumerKey,
		ConsumerSecret: testConsumerSecret,
		CallbackURL:    testCallback,
		Endpoint: oauth1.Endpoint{
			RequestTokenURL: srv.URL + "/oauth/request_token",
			AuthorizeURL:    srv.URL + "/oauth/authenticate",
			AccessTokenURL:  srv.URL + "/oauth/access_token",
		},
		HTTPClient: srv.Client(),
	}
	requestToken, requestSecret, err := config.RequestToken()
	if err != nil {
		t.Fatalf("RequestToken: %v", err)
	}
	authorizeURL, err := config.AuthorizationURL(requestToken)
	if err != nil {
		t.Fatal(err)
	}

	// The browser opens the page and clicks "Authorize as @alice".
	page, err := http.Get(authorizeURL.String())
	if err != nil {
		t.Fatal(err)
	}
	html, _ := io.ReadAll(page.Body)
	page.Body.Close()
	if page.StatusCode != http.StatusOK || !bytes.Contains(html, []byte(`id="authorize-alice"`)) {
		t.Fatalf("authorize page: %d, has no authorize-alice button:\n%s", page.StatusCode, html)
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	click, err := noRedirect.PostForm(authorizeURL.String(), url.Values{"oauth_token": {requestToken}, "user": {"alice"}})
	if err != nil {
		t.Fatal(err)
	}
	click.Body.Close()
	if click.StatusCode != http.StatusFound {
		t.Fatalf("authorize click: status %d, want 302", click.StatusCode)
	}
	callback, err := http.NewRequest("GET", click.Header.Get("Location"), nil)
	if err != nil {
		t.Fatal(err)
	}
	gotToken, verifier, err := oauth1.ParseAuthorizationCallback(callback)
	if err != nil || gotToken != requestToken {
		t.Fatalf("callback %s: token %q, err %v", callback.URL, gotToken, err)
	}

	accessToken, accessSecret, err := config.AccessToken(requestToken, requestSecret, verifier)
	if err != nil {
		t.Fatalf("AccessToken: %v", err)
	}

	client := config.Client(context.Background(), oauth1.NewToken(accessToken, accessSecret))
	resp, err := client.Get(srv.URL + "/2/users/me")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), `"id":"`+aliceID+`"`) {
		t.Fatalf("users/me: %d %s", resp.StatusCode, body)
	}

	resp, err = client.Post(srv.URL+"/2/tweets", "application/json", strings.NewReader(`{"text":"I signed up!"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("tweet: status %d, want 201", resp.StatusCode)
	}
	if tweets := sb.Tweets(); len(tweets) != 1 || tweets[0].AuthorID != aliceID {
		t.Fatalf("tweets = %+v", tweets)
	}
}

func TestAccessTokenAnswerNamesTheUserExactly(t *testing.T) {
	h := newHarness(t)
	got := h.signIn(aliceID)
	if got.Get("user_id") != aliceID || got.Get("screen_name") != "alice" {
		t.Errorf("access_token answer = %v, want user_id %s and screen_name alice", got, aliceID)
	}
	if !strings.HasPrefix(got.Get("oauth_token"), aliceID+"-") || got.Get("oauth_token_secret") == "" {
		t.Errorf("access token %q / secret %q, want X's <user id>-... shape and a secret", got.Get("oauth_token"), got.Get("oauth_token_secret"))
	}
	if call := h.lastCall(); call.Endpoint != EndpointAccessToken || call.UserID != aliceID || call.Status != http.StatusOK {
		t.Errorf("recorded call = %+v", call)
	}
}

func TestAReturningUserGetsANewTokenAndTheOldOneKeepsWorking(t *testing.T) {
	h := newHarness(t)
	first := h.signIn(bobID)
	second := h.signIn(bobID)
	if first.Get("oauth_token") == second.Get("oauth_token") {
		t.Fatal("the second sign-in returned the same access token")
	}
	for name, v := range map[string]url.Values{"first": first, "second": second} {
		s := h.signer().withToken(v.Get("oauth_token"), v.Get("oauth_token_secret"))
		if resp := h.do(s, request{method: "GET", path: "/2/users/me"}); resp.status != http.StatusOK {
			t.Errorf("%s token: users/me answered %d %s", name, resp.status, resp.body)
		}
	}
}

// dropParam removes a protocol parameter from the Authorization header.
func dropParam(name string) func(*http.Request) {
	re := regexp.MustCompile(`,?\s*` + name + `="[^"]*"`)
	return func(r *http.Request) {
		r.Header.Set("Authorization", re.ReplaceAllString(r.Header.Get("Authorization"), ""))
	}
}

// replaceParam changes a protocol parameter in the Authorization header after
// signing.
func replaceParam(name, value string) func(*http.Request) {
	re := regexp.MustCompile(name + `="[^"]*"`)
	return func(r *http.Request) {
		r.Header.Set("Authorization", re.ReplaceAllString(r.Header.Get("Authorization"), name+`="`+enc(value)+`"`))
	}
}

func TestRequestToken(t *testing.T) {
	callbackParam := map[string]string{"oauth_callback": testCallback}
	tests := []struct {
		name        string
		signer      func(signer) signer
		clockOffset time.Duration // of the client's clock from the sandbox's
		req         request
		wantStatus  int
		wantCode    int
	}{
		{name: "a correctly signed request with an allowed callback gets a token",
			req: request{oauth: callbackParam}, wantStatus: 200},
		{name: "an allowed callback that has its own query string is accepted",
			req: request{oauth: map[string]string{"oauth_callback": "https://other.example/cb?from=x"}}, wantStatus: 200},
		{name: "a callback in the query string is accepted, as X does",
			req: request{path: "/oauth/request_token?oauth_callback=" + url.QueryEscape(testCallback)}, wantStatus: 200},
		{name: "a callback in the form body is accepted, as X does",
			req: request{form: url.Values{"oauth_callback": {testCallback}}}, wantStatus: 200},
		{name: "a callback is compared after trimming spaces",
			req: request{oauth: map[string]string{"oauth_callback": " " + testCallback + " "}}, wantStatus: 200},
		{name: "a timestamp four minutes off is still accepted",
			clockOffset: -4 * time.Minute,
			req:         request{oauth: callbackParam}, wantStatus: 200},
		{name: "a callback not on the allowlist answers 403 code 415",
			req: request{oauth: map[string]string{"oauth_callback": "https://evil.example/cb"}}, wantStatus: 403, wantCode: 415},
		{name: "a callback that differs only by a trailing slash answers 415",
			req: request{oauth: map[string]string{"oauth_callback": testCallback + "/"}}, wantStatus: 403, wantCode: 415},
		{name: "a missing callback answers 415",
			req: request{}, wantStatus: 403, wantCode: 415},
		{name: "the oob callback answers 403 code 417",
			req: request{oauth: map[string]string{"oauth_callback": "oob"}}, wantStatus: 403, wantCode: 417},
		{name: "a signature made with the wrong consumer secret answers 401 code 32",
			signer: func(s signer) signer { s.consumerSecret = "wrong"; return s },
			req:    request{oauth: callbackParam}, wantStatus: 401, wantCode: 32},
		{name: "a tampered signature answers 401 code 32",
			req: request{oauth: callbackParam, tamper: replaceParam("oauth_signature", "hCtSmYh+iHYCEqBWrE7C7hYmtUk=")}, wantStatus: 401, wantCode: 32},
		{name: "a parameter added after signing answers 401 code 32",
			req: request{oauth: callbackParam, tamper: func(r *http.Request) { r.URL.RawQuery = "x=1" }}, wantStatus: 401, wantCode: 32},
		{name: "a signature over another host answers 401 code 32",
			req: request{oauth: callbackParam, tamper: func(r *http.Request) { r.Host = "api.x.com" }}, wantStatus: 401, wantCode: 32},
		{name: "an unknown consumer key answers 401 code 32",
			signer: func(s signer) signer { s.consumerKey = "someone-else"; return s },
			req:    request{oauth: callbackParam}, wantStatus: 401, wantCode: 32},
		{name: "a signature method other than HMAC-SHA1 answers 401 code 32",
			req: request{oauth: callbackParam, tamper: replaceParam("oauth_signature_method", "PLAINTEXT")}, wantStatus: 401, wantCode: 32},
		{name: "a timestamp six minutes old answers 401 code 135",
			clockOffset: -6 * time.Minute,
			req:         request{oauth: callbackParam}, wantStatus: 401, wantCode: 135},
		{name: "a timestamp six minutes ahead answers 401 code 135",
			clockOffset: 6 * time.Minute,
			req:         request{oauth: callbackParam}, wantStatus: 401, wantCode: 135},
		{name: "no Authorization header answers 400 code 215",
			req: request{oauth: callbackParam, tamper: func(r *http.Request) { r.Header.Del("Authorization") }}, wantStatus: 400, wantCode: 215},
		{name: "a missing nonce answers 400 code 215",
			req: request{oauth: callbackParam, tamper: dropParam("oauth_nonce")}, wantStatus: 400, wantCode: 215},
		{name: "a missing signature answers 400 code 215",
			req: request{oauth: callbackParam, tamper: dropParam("oauth_signature")}, wantStatus: 400, wantCode: 215},
		{name: "a protocol parameter given twice answers 400 code 215",
			req: request{path: "/oauth/request_token?oauth_callback=" + url.QueryEscape(testCallback), oauth: callbackParam}, wantStatus: 400, wantCode: 215},
		{name: "a malformed Authorization header answers 400 code 215",
			req: request{tamper: func(r *http.Request) { r.Header.Set("Authorization", `OAuth oauth_nonce="unterminated`) }}, wantStatus: 400, wantCode: 215},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			s := h.signer()
			s.now = func() time.Time { return h.clock.Now().Add(tt.clockOffset) }
			if tt.signer != nil {
				s = tt.signer(s)
			}
			req := tt.req
			req.method = "POST"
			if req.path == "" {
				req.path = "/oauth/request_token"
			}
			resp := h.do(s, req)
			if resp.status != tt.wantStatus {
				t.Fatalf("status %d, want %d; body %s; recorded error %q", resp.status, tt.wantStatus, resp.body, h.lastCall().Error)
			}
			if tt.wantCode != 0 {
				if got := xCode(t, resp.body); got != tt.wantCode {
					t.Errorf("X code %d, want %d (%s)", got, tt.wantCode, resp.body)
				}
				if h.lastCall().Error == "" {
					t.Error("the refused call was recorded without a reason")
				}
				return
			}
			v := mustParseForm(t, resp.body)
			if v.Get("oauth_token") == "" || v.Get("oauth_token_secret") == "" || v.Get("oauth_callback_confirmed") != "true" {
				t.Errorf("answer %q lacks oauth_token, oauth_token_secret or oauth_callback_confirmed=true", resp.body)
			}
		})
	}
}

func TestASignatureMismatchRecordsTheSandboxBaseString(t *testing.T) {
	h := newHarness(t)
	s := h.signer()
	s.consumerSecret = "wrong"
	h.do(s, request{method: "POST", path: "/oauth/request_token", oauth: map[string]string{"oauth_callback": testCallback}})
	if e := h.lastCall().Error; !strings.Contains(e, "POST&http%3A%2F%2F127.0.0.1") {
		t.Errorf("recorded error %q, want the base string the sandbox computed", e)
	}
}

func TestNonceReplay(t *testing.T) {
	tests := []struct {
		name       string
		advance    time.Duration
		wantStatus int
		wantCode   int
	}{
		{"a nonce used again within the window answers 401 code 32", time.Minute, 401, 32},
		{"a replay after the window has passed answers 135 because of the timestamp", 6 * time.Minute, 401, 135},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			s := h.signer()
			s.nonce = "the-same-nonce"
			fixed := h.clock.Now()
			s.now = func() time.Time { return fixed }
			req := request{method: "POST", path: "/oauth/request_token", oauth: map[string]string{"oauth_callback": testCallback}}
			if resp := h.do(s, req); resp.status != 200 {
				t.Fatalf("first request: %d %s", resp.status, resp.body)
			}
			h.clock.Advance(tt.advance)
			resp := h.do(s, req)
			if resp.status != tt.wantStatus || xCode(t, resp.body) != tt.wantCode {
				t.Errorf("replay: %d %s, want %d code %d", resp.status, resp.body, tt.wantStatus, tt.wantCode)
			}
		})
	}
}

func TestANonceIsNotSpentByAForgedRequest(t *testing.T) {
	h := newHarness(t)
	forger := h.signer()
	forger.consumerSecret, forger.nonce = "guess", "n-1"
	req := request{method: "POST", path: "/oauth/request_token", oauth: map[string]string{"oauth_callback": testCallback}}
	if resp := h.do(forger, req); resp.status != 401 {
		t.Fatalf("forged request: %d", resp.status)
	}
	real := h.signer()
	real.nonce = "n-1"
	if resp := h.do(real, req); resp.status != 200 {
		t.Errorf("genuine request with the forger's nonce: %d %s", resp.status, resp.body)
	}
}

func TestAccessToken(t *testing.T) {
	type setup struct {
		token, secret, verifier string
	}
	tests := []struct {
		name string
		// prepare runs after the request token was issued and approved for
		// alice; it returns what the exchange should send.
		prepare    func(h *harness, s setup) (setup, request)
		wantStatus int
		wantCode   int
	}{
		{name: "the verifier from the callback gets an access token",
			prepare: func(h *harness, s setup) (setup, request) { return s, request{} }, wantStatus: 200},
		{name: "the token and verifier in the form body are accepted",
			prepare: func(h *harness, s setup) (setup, request) {
				tok, ver := s.token, s.verifier
				s.token, s.verifier = "", ""
				return s, request{form: url.Values{"oauth_token": {tok}, "oauth_verifier": {ver}}}
			}, wantStatus: 200},
		{name: "the verifier in the query string is accepted",
			prepare: func(h *harness, s setup) (setup, request) {
				ver := s.verifier
				s.verifier = ""
				return s, request{path: "/oauth/access_token?oauth_verifier=" + ver}
			}, wantStatus: 200},
		{name: "a wrong verifier answers 401 code 89",
			prepare: func(h *harness, s setup) (setup, request) { s.verifier = "not-the-verifier"; return s, request{} }, wantStatus: 401, wantCode: 89},
		{name: "a missing verifier answers 401 code 89",
			prepare: func(h *harness, s setup) (setup, request) { s.verifier = ""; return s, request{} }, wantStatus: 401, wantCode: 89},
		{name: "an unknown request token answers 401 code 89",
			prepare: func(h *harness, s setup) (setup, request) { s.token = "unknown"; return s, request{} }, wantStatus: 401, wantCode: 89},
		{name: "a missing request token answers 400 code 215",
			prepare: func(h *harness, s setup) (setup, request) { s.token = ""; return s, request{} }, wantStatus: 400, wantCode: 215},
		{name: "a request token used a second time answers 401 code 89",
			prepare: func(h *harness, s setup) (setup, request) {
				first := h.do(h.signer().withToken(s.token, s.secret), request{method: "POST", path: "/oauth/access_token", oauth: map[string]string{"oauth_verifier": s.verifier}})
				if first.status != 200 {
					h.t.Fatalf("first exchange: %d %s", first.status, first.body)
				}
				return s, request{}
			}, wantStatus: 401, wantCode: 89},
		{name: "an expired request token answers 401 code 89",
			prepare: func(h *harness, s setup) (setup, request) { h.clock.Advance(15 * time.Minute); return s, request{} }, wantStatus: 401, wantCode: 89},
		{name: "a signature made with the wrong request token secret answers 401 code 32",
			prepare: func(h *harness, s setup) (setup, request) { s.secret = "wrong"; return s, request{} }, wantStatus: 401, wantCode: 32},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			token, secret := h.requestToken()
			callback, err := h.sb.Approve(token, aliceID)
			if err != nil {
				t.Fatal(err)
			}
			s, req := tt.prepare(h, setup{token, secret, mustParseURL(t, callback).Query().Get("oauth_verifier")})
			req.method = "POST"
			if req.path == "" {
				req.path = "/oauth/access_token"
			}
			if req.oauth == nil {
				req.oauth = map[string]string{}
			}
			if s.verifier != "" {
				req.oauth["oauth_verifier"] = s.verifier
			}
			signer := h.signer().withToken(s.token, s.secret)
			resp := h.do(signer, req)
			if resp.status != tt.wantStatus {
				t.Fatalf("status %d, want %d; body %s; recorded error %q", resp.status, tt.wantStatus, resp.body, h.lastCall().Error)
			}
			if tt.wantCode != 0 {
				if got := xCode(t, resp.body); got != tt.wantCode {
					t.Errorf("X code %d, want %d", got, tt.wantCode)
				}
				return
			}
			if v := mustParseForm(t, resp.body); v.Get("user_id") != aliceID {
				t.Errorf("answer %q, want user_id %s", resp.body, aliceID)
			}
		})
	}
}

func TestAccessTokenBeforeTheUserDecidesAnswers89(t *testing.T) {
	for _, decide := range []struct {
		name string
		do   func(h *harness, token string)
	}{
		{"nobody has clicked yet", func(*harness, string) {}},
		{"the user cancelled", func(h *harness, token string) {
			if _, err := h.sb.Deny(token); err != nil {
				h.t.Fatal(err)
			}
		}},
	} {
		t.Run("an exchange answers 89 when "+decide.name, func(t *testing.T) {
			h := newHarness(t)
			token, secret := h.requestToken()
			decide.do(h, token)
			resp := h.do(h.signer().withToken(token, secret), request{method: "POST", path: "/oauth/access_token", oauth: map[string]string{"oauth_verifier": "anything"}})
			if resp.status != 401 || xCode(t, resp.body) != 89 {
				t.Errorf("got %d %s, want 401 code 89", resp.status, resp.body)
			}
		})
	}
}

func TestConcurrentExchangesOfOneRequestTokenSucceedOnce(t *testing.T) {
	h := newHarness(t)
	token, secret := h.requestToken()
	callback, err := h.sb.Approve(token, aliceID)
	if err != nil {
		t.Fatal(err)
	}
	verifier := mustParseURL(t, callback).Query().Get("oauth_verifier")
	const n = 12
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		statuses = map[int]int{}
	)
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, err := h.try(h.signer().withToken(token, secret), request{method: "POST", path: "/oauth/access_token", oauth: map[string]string{"oauth_verifier": verifier}})
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			statuses[resp.status]++
			mu.Unlock()
		}()
	}
	wg.Wait()
	if statuses[200] != 1 || statuses[401] != n-1 {
		t.Errorf("statuses = %v, want one 200 and %d 401s", statuses, n-1)
	}
}

func TestApproveAndDeny(t *testing.T) {
	tests := []struct {
		name     string
		callback string
		decide   func(h *harness, token string) (string, error)
		want     func(token string) string // expected callback URL prefix/whole; "" when an error is expected
		wantErr  error
	}{
		{name: "approving returns the callback with the token and a verifier",
			callback: testCallback,
			decide:   func(h *harness, tok string) (string, error) { return h.sb.Approve(tok, aliceID) },
			want:     func(tok string) string { return testCallback + "?oauth_token=" + tok + "&oauth_verifier=" }},
		{name: "approving appends with & when the callback already has a query",
			callback: "https://other.example/cb?from=x",
			decide:   func(h *harness, tok string) (string, error) { return h.sb.Approve(tok, aliceID) },
			want: func(tok string) string {
				return "https://other.example/cb?from=x&oauth_token=" + tok + "&oauth_verifier="
			}},
		{name: "denying returns the callback with denied and no verifier",
			callback: testCallback,
			decide:   func(h *harness, tok string) (string, error) { return h.sb.Deny(tok) },
			want:     func(tok string) string { return testCallback + "?denied=" + tok }},
		{name: "approving for an unknown user fails",
			callback: testCallback,
			decide:   func(h *harness, tok string) (string, error) { return h.sb.Approve(tok, "42") },
			wantErr:  ErrUnknownUser},
		{name: "approving an unknown token fails",
			callback: testCallback,
			decide:   func(h *harness, tok string) (string, error) { return h.sb.Approve("nope", aliceID) },
			wantErr:  ErrUnknownRequestToken},
		{name: "approving a token twice fails",
			callback: testCallback,
			decide: func(h *harness, tok string) (string, error) {
				if _, err := h.sb.Approve(tok, aliceID); err != nil {
					h.t.Fatal(err)
				}
				return h.sb.Approve(tok, bobID)
			},
			wantErr: ErrRequestTokenUsed},
		{name: "denying a token after approving it fails",
			callback: testCallback,
			decide: func(h *harness, tok string) (string, error) {
				if _, err := h.sb.Approve(tok, aliceID); err != nil {
					h.t.Fatal(err)
				}
				return h.sb.Deny(tok)
			},
			wantErr: ErrRequestTokenUsed},
		{name: "approving an expired token fails",
			callback: testCallback,
			decide: func(h *harness, tok string) (string, error) {
				h.clock.Advance(15*time.Minute + time.Second)
				return h.sb.Approve(tok, aliceID)
			},
			wantErr: ErrRequestTokenExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			resp := h.do(h.signer(), request{method: "POST", path: "/oauth/request_token", oauth: map[string]string{"oauth_callback": tt.callback}})
			token := mustParseForm(t, resp.body).Get("oauth_token")
			got, err := tt.decide(h, token)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("err = %v, want %v", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if want := tt.want(token); !strings.HasPrefix(got, want) {
				t.Errorf("callback URL\n got %s\nwant %s...", got, want)
			}
		})
	}
}

func TestTheRequestTokenTTLIsConfigurable(t *testing.T) {
	h := newHarness(t, func(o *Options) { o.RequestTokenTTL = time.Minute })
	token, _ := h.requestToken()
	h.clock.Advance(61 * time.Second)
	if _, err := h.sb.Approve(token, aliceID); !errors.Is(err, ErrRequestTokenExpired) {
		t.Errorf("err = %v, want ErrRequestTokenExpired", err)
	}
}

func TestNoSecretIsRecordedOrLogged(t *testing.T) {
	var (
		logMu sync.Mutex
		logs  bytes.Buffer
	)
	h := newHarness(t, func(o *Options) {
		o.Logf = func(format string, args ...any) {
			logMu.Lock()
			defer logMu.Unlock()
			fmt.Fprintf(&logs, format+"\n", args...)
		}
	})
	secrets := []string{testConsumerSecret, enc(testConsumerSecret)}

	token, secret := h.requestToken()
	secrets = append(secrets, secret)
	callback, _ := h.sb.Approve(token, aliceID)
	verifier := mustParseURL(t, callback).Query().Get("oauth_verifier")
	// A failing exchange (wrong secret), then the real one.
	h.do(h.signer().withToken(token, "wrong"), request{method: "POST", path: "/oauth/access_token", oauth: map[string]string{"oauth_verifier": verifier}})
	resp := h.do(h.signer().withToken(token, secret), request{method: "POST", path: "/oauth/access_token", oauth: map[string]string{"oauth_verifier": verifier}})
	access := mustParseForm(t, resp.body)
	secrets = append(secrets, access.Get("oauth_token_secret"))
	user := h.signer().withToken(access.Get("oauth_token"), access.Get("oauth_token_secret"))
	h.do(user, request{method: "POST", path: "/2/tweets", json: `{"text":"hello"}`})
	bad := user
	bad.consumerSecret = "wrong"
	h.do(bad, request{method: "GET", path: "/2/users/me"})

	recorded, err := json.Marshal(h.sb.Calls())
	if err != nil {
		t.Fatal(err)
	}
	logMu.Lock()
	logged := logs.String()
	logMu.Unlock()
	for _, s := range secrets {
		if strings.Contains(string(recorded), s) {
			t.Errorf("a secret appears in the recorded calls: %s", recorded)
		}
		if strings.Contains(logged, s) {
			t.Errorf("a secret appears in the log: %s", logged)
		}
	}
	if len(h.sb.Calls()) != 5 || !strings.Contains(logged, "/2/tweets") {
		t.Errorf("want 5 calls recorded and logged, got %d calls and log:\n%s", len(h.sb.Calls()), logged)
	}
}

func TestUnknownPathsAnswer404AndAreRecorded(t *testing.T) {
	h := newHarness(t)
	resp := h.get("/1.1/statuses/update.json")
	if resp.status != 404 || xCode(t, resp.body) != 34 {
		t.Errorf("got %d %s, want 404 code 34", resp.status, resp.body)
	}
	if c := h.lastCall(); c.Endpoint != "" || c.Path != "/1.1/statuses/update.json" || c.Status != 404 {
		t.Errorf("recorded %+v", c)
	}
}

func TestNewRejectsAMalformedUserList(t *testing.T) {
	tests := []struct {
		name  string
		users []User
	}{
		{"an id with letters is refused", []User{{ID: "12a", Username: "x"}}},
		{"an id of 20 digits is refused", []User{{ID: "12345678901234567890", Username: "x"}}},
		{"a username used twice is refused", []User{{ID: "1", Username: "x"}, {ID: "2", Username: "X"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("New did not panic")
				}
			}()
			New(Options{Users: tt.users})
		})
	}
}
