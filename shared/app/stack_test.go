package app_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/twitter-sessions/twitter-sessions/shared/app"
	"github.com/twitter-sessions/twitter-sessions/shared/config"
	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/shared/logging"
	"github.com/twitter-sessions/twitter-sessions/shared/seal"
	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/web"
	"github.com/twitter-sessions/twitter-sessions/tools/ddblocal"
	"github.com/twitter-sessions/twitter-sessions/tools/ddbproxy"
	"github.com/twitter-sessions/twitter-sessions/tools/xsandbox"
)

// Test values. The key is random per run so that "no key in the logs" means
// something; the consumer secret is the sandbox's.
const (
	consumerKey    = "test-consumer-key"
	consumerSecret = "test-consumer-secret-0d6f"
	siteURL        = "https://brand.example/landing"
	callbackURL    = "https://api.brand.example/api/twitter-callback"
	brandUID       = "1900000000000000001"
	aliceUID       = "1234567890123456789"
)

// stack is one service instance wired as a Lambda is (app.Deps.SignIn), on
// tables of its own in DynamoDB Local and an X sandbox served over HTTP.
type stack struct {
	t       *testing.T
	sandbox *xsandbox.Sandbox
	xURL    string
	db      *dynamodb.Client
	cfg     *config.Config
	h       *web.Handlers
	svc     *signin.Service
	logs    *logging.Buffer
	key     string
	clock   *clock
	proxy   *ddbproxy.Proxy // with viaProxy
	deps    *app.Deps
}

type clock struct {
	mu     sync.Mutex
	offset time.Duration
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
}

type stackSettings struct {
	env   map[string]string
	proxy bool
	users []xsandbox.User
}

type stackOption func(*stackSettings)

func newStack(t *testing.T, opts ...stackOption) *stack {
	t.Helper()
	stage := ddblocal.RandomStage()
	endpoint, db := ddblocal.ForTest(t, stage)

	set := &stackSettings{env: map[string]string{}}
	for _, o := range opts {
		o(set)
	}
	users := append(xsandbox.DefaultUsers(), set.users...)
	sb := xsandbox.New(xsandbox.Options{
		ConsumerKey:      consumerKey,
		ConsumerSecret:   consumerSecret,
		AllowedCallbacks: []string{callbackURL},
		Users:            users,
	})
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)

	key := newTestKey(t)
	env := map[string]string{
		"STAGE":                   stage,
		"SESSION_TABLE":           stage + "_session",
		"TWITTER_TABLE":           stage + "_twitter",
		"TWITTER_CONSUMER_KEY":    consumerKey,
		"TWITTER_CONSUMER_SECRET": consumerSecret,
		"TWITTER_API_BASE_URL":    srv.URL,
		"TWITTER_CALLBACK_URL":    callbackURL,
		"SITE_CALLBACK_URL":       siteURL,
		"FOLLOW_UID":              brandUID,
		"FOLLOW_MODE":             "intent",
		"TOKEN_ENCRYPTION_KEY":    key,
		"LINK_SIGNING_KEY":        newTestKey(t),
		"LOG_LEVEL":               "debug",
	}
	for k, v := range set.env {
		env[k] = v
	}
	var proxy *ddbproxy.Proxy
	fnDB := db // what the functions use; db stays direct for the test's own reads
	if set.proxy {
		// The functions' own DynamoDB client (config.AWS: timeouts, retries),
		// through a proxy that counts calls and injects faults.
		proxy, fnDB = ddbproxy.ForTest(t, endpoint)
	}
	cfg, err := config.Load(context.Background(), func(k string) string { return env[k] }, nil)
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := seal.New(cfg.EncryptionKeys[0])
	if err != nil {
		t.Fatal(err)
	}
	logs := &logging.Buffer{}
	deps := &app.Deps{Config: cfg, Log: logging.New(logs, cfg.LogLevel, "test", stage), DB: fnDB, Sealer: sealer}
	h := deps.SignIn()
	clk := &clock{}
	svc := h.Service.(*signin.Service)
	svc.Now = clk.Now
	return &stack{t: t, sandbox: sb, xURL: srv.URL, db: db, cfg: cfg, h: h, svc: svc, logs: logs, key: key, clock: clk, proxy: proxy, deps: deps}
}

// withUsers replaces the sandbox's test users.
func withUsers(u []xsandbox.User) stackOption { return func(s *stackSettings) { s.users = u } }

func withEnv(k, v string) stackOption { return func(s *stackSettings) { s.env[k] = v } }

// viaProxy puts a counting, fault-injecting proxy between the functions and
// DynamoDB Local (stack.proxy).
func viaProxy() stackOption { return func(s *stackSettings) { s.proxy = true } }

// lambdaCtx is what the Lambda runtime gives a handler: a deadline and a
// request id.
func lambdaCtx(t *testing.T, timeout time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	t.Cleanup(cancel)
	return lambdacontext.NewContext(ctx, &lambdacontext.LambdaContext{AwsRequestID: "req-" + t.Name()})
}

// siteOrigin is the origin of siteURL: the page the form is posted from.
const siteOrigin = "https://brand.example"

// formRequest is the form posted from the brand's page (Origin: siteOrigin,
// as a browser sends it) unless headers say otherwise; a header given as ""
// is left out.
func formRequest(form string, headers map[string]string) events.APIGatewayV2HTTPRequest {
	h := map[string]string{"content-type": "application/x-www-form-urlencoded", "origin": siteOrigin}
	for k, v := range headers {
		if v == "" {
			delete(h, k)
			continue
		}
		h[k] = v
	}
	req := events.APIGatewayV2HTTPRequest{
		RouteKey:        "POST /api/twitter-session",
		RawPath:         "/api/twitter-session",
		Headers:         h,
		Body:            base64.StdEncoding.EncodeToString([]byte(form)),
		IsBase64Encoded: true,
	}
	req.RequestContext.HTTP.Method = http.MethodPost
	req.RequestContext.HTTP.Path = "/api/twitter-session"
	return req
}

func callbackRequest(rawQuery string, cookies ...string) events.APIGatewayV2HTTPRequest {
	req := events.APIGatewayV2HTTPRequest{
		RouteKey:       "GET /api/twitter-callback",
		RawPath:        "/api/twitter-callback",
		RawQueryString: rawQuery,
		Cookies:        cookies,
		Headers:        map[string]string{},
	}
	req.RequestContext.HTTP.Method = http.MethodGet
	return req
}

// start posts the form and returns the answer.
func (s *stack) start(form string) events.APIGatewayV2HTTPResponse {
	s.t.Helper()
	resp, err := s.h.StartSignIn(lambdaCtx(s.t, 10*time.Second), formRequest(form, nil))
	if err != nil {
		s.t.Fatalf("StartSignIn returned an error (a 5xx for API Gateway): %v", err)
	}
	return resp
}

// callback calls the callback route.
func (s *stack) callback(rawQuery string, cookies ...string) events.APIGatewayV2HTTPResponse {
	s.t.Helper()
	resp, err := s.h.Callback(lambdaCtx(s.t, 10*time.Second), callbackRequest(rawQuery, cookies...))
	if err != nil {
		s.t.Fatalf("Callback returned an error (a 5xx for API Gateway): %v", err)
	}
	return resp
}

// started is a sign-in sent to X: its request token and the browser's cookie.
type started struct {
	token  string
	cookie string // "name=value", as the browser sends it back
}

func (s *stack) mustStart(form string) started {
	s.t.Helper()
	resp := s.start(form)
	if resp.StatusCode != http.StatusSeeOther {
		s.t.Fatalf("start: status %d, body %q, location %q", resp.StatusCode, resp.Body, resp.Headers["Location"])
	}
	loc, err := url.Parse(resp.Headers["Location"])
	if err != nil || !strings.HasPrefix(loc.String(), s.xURL+"/oauth/authenticate?") {
		s.t.Fatalf("start redirected to %q, want the sandbox's authenticate page", resp.Headers["Location"])
	}
	if len(resp.Cookies) != 1 {
		s.t.Fatalf("start set cookies %v, want the binding cookie", resp.Cookies)
	}
	nameValue, _, _ := strings.Cut(resp.Cookies[0], ";")
	return started{token: loc.Query().Get("oauth_token"), cookie: nameValue}
}

// authorize is the visitor clicking "Authorize" at X as userID: it returns the
// callback's raw query.
func (s *stack) authorize(st started, userID string) string {
	s.t.Helper()
	cb, err := s.sandbox.Approve(st.token, userID)
	if err != nil {
		s.t.Fatal(err)
	}
	u, err := url.Parse(cb)
	if err != nil || !strings.HasPrefix(cb, callbackURL+"?") {
		s.t.Fatalf("sandbox called back %q", cb)
	}
	return u.RawQuery
}

// result reads the site redirect's query.
func result(t *testing.T, resp events.APIGatewayV2HTTPResponse) url.Values {
	t.Helper()
	if resp.StatusCode >= 500 {
		t.Fatalf("a 5xx: %d %s", resp.StatusCode, resp.Body)
	}
	loc := resp.Headers["Location"]
	if !strings.HasPrefix(loc, siteURL) {
		t.Fatalf("status %d redirected to %q, want the site", resp.StatusCode, loc)
	}
	if resp.Headers["Cache-Control"] != "no-store" {
		t.Fatal("a redirect without Cache-Control: no-store")
	}
	u, _ := url.Parse(loc)
	return u.Query()
}

func (s *stack) getItem(table string, key dynamo.Item) dynamo.Item {
	s.t.Helper()
	out, err := s.db.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(table), Key: key, ConsistentRead: aws.Bool(true)})
	if err != nil {
		s.t.Fatal(err)
	}
	return out.Item
}

func (s *stack) user(uid string) dynamo.Item {
	return s.getItem(s.cfg.TwitterTable, dynamo.Item{"uid": dynamo.N(uid)})
}

func (s *stack) session(token string) dynamo.Item {
	return s.getItem(s.cfg.SessionTable, dynamo.Item{"request_token": dynamo.S(token)})
}

func (s *stack) count(table string) int {
	s.t.Helper()
	out, err := s.db.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(table), Select: "COUNT", ConsistentRead: aws.Bool(true)})
	if err != nil {
		s.t.Fatal(err)
	}
	return int(out.Count)
}

func (s *stack) calls(endpoint string) int {
	s.sandbox.WaitIdle(2 * time.Second) // a call the client gave up on is recorded once the sandbox notices
	n := 0
	for _, c := range s.sandbox.Calls() {
		if c.Endpoint == endpoint {
			n++
		}
	}
	return n
}

// newTestKey returns base64 of 32 random bytes (crypto/rand).
func newTestKey(t *testing.T) string {
	t.Helper()
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return base64.StdEncoding.EncodeToString(b)
}
