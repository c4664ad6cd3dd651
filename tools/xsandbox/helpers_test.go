package xsandbox

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/twitter-sessions/twitter-sessions/tools/testclock"
)

const (
	testConsumerKey    = "test-consumer-key"
	testConsumerSecret = "test consumer/secret&+~" // characters that must be percent-encoded in the key
	testCallback       = "https://app.example/api/twitter-callback"

	brandID = "1900000000000000001"
	aliceID = "1234567890123456789"
	bobID   = "9007199254740993"
	carolID = "1400000000000000003"
	daveID  = "1500000000000000004"
)

// harness is a sandbox on an httptest server, with a fake clock.
type harness struct {
	t     *testing.T
	sb    *Sandbox
	srv   *httptest.Server
	clock *testclock.Clock
}

func newHarness(t *testing.T, configure ...func(*Options)) *harness {
	t.Helper()
	clock := testclock.New(time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC))
	opts := Options{
		ConsumerKey:      testConsumerKey,
		ConsumerSecret:   testConsumerSecret,
		AllowedCallbacks: []string{testCallback, "https://other.example/cb?from=x"},
		Now:              clock.Now,
		Logf:             t.Logf,
	}
	for _, c := range configure {
		c(&opts)
	}
	sb := New(opts)
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	return &harness{t: t, sb: sb, srv: srv, clock: clock}
}

// signer is the test's own OAuth 1.0a client, written independently of
// signature.go (url.QueryEscape plus fix-ups, and its own sorting), so the
// sandbox's verification is checked against a second implementation.
type signer struct {
	consumerKey, consumerSecret string
	token, tokenSecret          string
	now                         func() time.Time
	nonce                       string // fixed nonce; a fresh one per request when empty
}

var nonceCounter atomic.Int64

func (h *harness) signer() signer {
	return signer{consumerKey: testConsumerKey, consumerSecret: testConsumerSecret, now: h.clock.Now}
}

func (s signer) withToken(token, secret string) signer {
	s.token, s.tokenSecret = token, secret
	return s
}

func enc(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

// sign adds an OAuth Authorization header to req, whose form body (if any)
// is given as form. extra holds more protocol parameters (oauth_callback,
// oauth_verifier). It returns the signature it computed.
func (s signer) sign(req *http.Request, form url.Values, extra map[string]string) string {
	nonce := s.nonce
	if nonce == "" {
		nonce = "nonce" + strconv.FormatInt(nonceCounter.Add(1), 10)
	}
	oauth := map[string]string{
		"oauth_consumer_key":     s.consumerKey,
		"oauth_nonce":            nonce,
		"oauth_signature_method": "HMAC-SHA1",
		"oauth_timestamp":        strconv.FormatInt(s.now().Unix(), 10),
		"oauth_version":          "1.0",
	}
	if s.token != "" {
		oauth["oauth_token"] = s.token
	}
	for k, v := range extra {
		oauth[k] = v
	}
	type kv struct{ k, v string }
	var all []kv
	for k, v := range oauth {
		all = append(all, kv{enc(k), enc(v)})
	}
	for _, src := range []url.Values{req.URL.Query(), form} {
		for k, vs := range src {
			for _, v := range vs {
				all = append(all, kv{enc(k), enc(v)})
			}
		}
	}
	sort.Slice(all, func(i, j int) bool {
		if all[i].k == all[j].k {
			return all[i].v < all[j].v
		}
		return all[i].k < all[j].k
	})
	pairs := make([]string, len(all))
	for i, p := range all {
		pairs[i] = p.k + "=" + p.v
	}
	baseURL := strings.ToLower(req.URL.Scheme) + "://" + strings.ToLower(req.URL.Host) + req.URL.EscapedPath()
	base := req.Method + "&" + enc(baseURL) + "&" + enc(strings.Join(pairs, "&"))
	mac := hmac.New(sha1.New, []byte(enc(s.consumerSecret)+"&"+enc(s.tokenSecret)))
	mac.Write([]byte(base))
	sig := base64.StdEncoding.EncodeToString(mac.Sum(nil))
	oauth["oauth_signature"] = sig

	var header []string
	for k, v := range oauth {
		header = append(header, enc(k)+`="`+enc(v)+`"`)
	}
	sort.Strings(header)
	req.Header.Set("Authorization", "OAuth "+strings.Join(header, ", "))
	return sig
}

// request describes one call of the test client.
type request struct {
	method, path string
	form         url.Values        // form-encoded body (signed)
	json         string            // JSON body (not signed)
	oauth        map[string]string // extra protocol parameters
	tamper       func(*http.Request)
}

type response struct {
	status int
	header http.Header
	body   string
}

// do sends req signed by s, without following redirects.
func (h *harness) do(s signer, req request) response {
	h.t.Helper()
	resp, err := h.try(s, req)
	if err != nil {
		h.t.Fatalf("%s %s: %v", req.method, req.path, err)
	}
	return resp
}

// try is do for use off the test goroutine: it returns errors.
func (h *harness) try(s signer, req request) (response, error) {
	var body io.Reader
	switch {
	case req.form != nil:
		body = strings.NewReader(req.form.Encode())
	case req.json != "":
		body = strings.NewReader(req.json)
	}
	r, err := http.NewRequest(req.method, h.srv.URL+req.path, body)
	if err != nil {
		return response{}, err
	}
	switch {
	case req.form != nil:
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	case req.json != "":
		r.Header.Set("Content-Type", "application/json")
	}
	s.sign(r, req.form, req.oauth)
	if req.tamper != nil {
		req.tamper(r)
	}
	return send(r)
}

// send does r without following redirects and reads the whole answer.
func send(r *http.Request) (response, error) {
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(r)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, err
	}
	return response{status: resp.StatusCode, header: resp.Header, body: string(b)}, nil
}

// get fetches path on the sandbox without signing, like a browser.
func (h *harness) get(path string) response {
	h.t.Helper()
	resp, err := http.Get(h.srv.URL + path)
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		h.t.Fatal(err)
	}
	return response{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

// postForm posts a form like a browser, without following redirects.
func (h *harness) postForm(path string, form url.Values) response {
	h.t.Helper()
	r, err := http.NewRequest("POST", h.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		h.t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := send(r)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp
}

// requestToken runs the first leg and returns the request token and secret.
func (h *harness) requestToken() (token, secret string) {
	h.t.Helper()
	resp := h.do(h.signer(), request{method: "POST", path: "/oauth/request_token", oauth: map[string]string{"oauth_callback": testCallback}})
	if resp.status != http.StatusOK {
		h.t.Fatalf("request_token: %d %s", resp.status, resp.body)
	}
	v := mustParseForm(h.t, resp.body)
	return v.Get("oauth_token"), v.Get("oauth_token_secret")
}

// signIn runs the whole three-legged flow for userID and returns the
// access_token answer.
func (h *harness) signIn(userID string) url.Values {
	h.t.Helper()
	token, secret := h.requestToken()
	callback, err := h.sb.Approve(token, userID)
	if err != nil {
		h.t.Fatalf("Approve: %v", err)
	}
	verifier := mustParseURL(h.t, callback).Query().Get("oauth_verifier")
	resp := h.do(h.signer().withToken(token, secret), request{method: "POST", path: "/oauth/access_token", oauth: map[string]string{"oauth_verifier": verifier}})
	if resp.status != http.StatusOK {
		h.t.Fatalf("access_token: %d %s", resp.status, resp.body)
	}
	return mustParseForm(h.t, resp.body)
}

// userSigner returns a signer holding a fresh access token of userID.
func (h *harness) userSigner(userID string) signer {
	token, secret := h.sb.IssueAccessToken(userID)
	return h.signer().withToken(token, secret)
}

func mustParseForm(t *testing.T, s string) url.Values {
	t.Helper()
	v, err := url.ParseQuery(s)
	if err != nil {
		t.Fatalf("parsing form %q: %v", s, err)
	}
	return v
}

func mustParseURL(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatalf("parsing URL %q: %v", s, err)
	}
	return u
}

// xCode returns the code of a v1 error body, or 0.
func xCode(t *testing.T, body string) int {
	t.Helper()
	var e struct {
		Errors []struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"errors"`
	}
	if err := json.Unmarshal([]byte(body), &e); err != nil || len(e.Errors) == 0 {
		t.Fatalf("not an X v1 error body: %q", body)
	}
	return e.Errors[0].Code
}

type problemDoc struct {
	Title  string `json:"title"`
	Detail string `json:"detail"`
	Type   string `json:"type"`
	Status int    `json:"status"`
}

// requireStatus stops the test unless resp has the status want.
func requireStatus(t *testing.T, resp response, want int) {
	t.Helper()
	if resp.status != want {
		t.Fatalf("status %d, want %d: %s", resp.status, want, resp.body)
	}
}

// checkProblem checks that resp is a problem document of type want, and
// returns it.
func checkProblem(t *testing.T, resp response, want string) problemDoc {
	t.Helper()
	p := parseProblem(t, resp)
	if p.Type != want {
		t.Errorf("problem type %q, want %q", p.Type, want)
	}
	return p
}

func parseProblem(t *testing.T, resp response) problemDoc {
	t.Helper()
	if ct := resp.header.Get("Content-Type"); ct != "application/problem+json" {
		t.Errorf("Content-Type = %q, want application/problem+json", ct)
	}
	var p problemDoc
	if err := json.Unmarshal([]byte(resp.body), &p); err != nil {
		t.Fatalf("not a problem document: %q", resp.body)
	}
	if p.Status != resp.status {
		t.Errorf("problem status %d, HTTP status %d", p.Status, resp.status)
	}
	return p
}

// lastCall returns the most recent recorded call.
func (h *harness) lastCall() Call {
	h.t.Helper()
	calls := h.sb.Calls()
	if len(calls) == 0 {
		h.t.Fatal("no call recorded")
	}
	return calls[len(calls)-1]
}
