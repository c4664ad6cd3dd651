package signin_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/twitter-sessions/twitter-sessions/shared/app"
	"github.com/twitter-sessions/twitter-sessions/shared/config"
	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/shared/logging"
	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/web"
	"github.com/twitter-sessions/twitter-sessions/tools/ddbproxy"
	"github.com/twitter-sessions/twitter-sessions/tools/teststack"
	"github.com/twitter-sessions/twitter-sessions/tools/xsandbox"
)

// Test values: the harness's (tools/teststack), whose keys are random per
// run (crypto/rand) so that "no key in the logs" means something.
const (
	consumerKey    = teststack.ConsumerKey
	consumerSecret = teststack.ConsumerSecret
	siteURL        = teststack.SiteURL
	callbackURL    = teststack.CallbackURL
	brandUID       = teststack.BrandUID
	aliceUID       = "1234567890123456789"
)

// stack is one service instance wired as a Lambda is (app.Deps.SignIn), on
// the harness's stack (tools/teststack): tables of its own in DynamoDB
// Local and an X sandbox served over HTTP.
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
	clock   *teststack.Clock
	proxy   *ddbproxy.Proxy // with teststack.ViaProxy
	deps    *app.Deps
	ts      *teststack.Stack
}

func newStack(t *testing.T, opts ...teststack.Option) *stack {
	t.Helper()
	ts := teststack.New(t, "test", opts...)
	h := ts.Deps.SignIn()
	svc := h.Service.(*signin.Service)
	svc.Now = ts.Clock.Now
	return &stack{t: t, sandbox: ts.Sandbox, xURL: ts.XURL, db: ts.DB, cfg: ts.Config, h: h, svc: svc, logs: ts.Logs,
		key: ts.Key, clock: ts.Clock, proxy: ts.Proxy, deps: ts.Deps, ts: ts}
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
	resp, err := s.h.StartSignIn(teststack.LambdaContext(s.t, 10*time.Second), formRequest(form, nil))
	if err != nil {
		s.t.Fatalf("StartSignIn returned an error (a 5xx for API Gateway): %v", err)
	}
	return resp
}

// callback calls the callback route.
func (s *stack) callback(rawQuery string, cookies ...string) events.APIGatewayV2HTTPResponse {
	s.t.Helper()
	resp, err := s.h.Callback(teststack.LambdaContext(s.t, 10*time.Second), callbackRequest(rawQuery, cookies...))
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

func (s *stack) user(uid string) dynamo.Item { return s.ts.User(uid) }

func (s *stack) session(token string) dynamo.Item {
	return s.ts.Item(s.cfg.SessionTable, dynamo.Item{"request_token": dynamo.S(token)})
}

func (s *stack) count(table string) int { return s.ts.Count(table) }

func (s *stack) calls(endpoint string) int { return s.ts.Calls(endpoint) }

// useCase is the sign-in use case as the handlers call it; it records the
// deadline of the context the last call got and why that context had ended
// when the call returned (nil: it had not).
type useCase struct {
	web.Service
	mu       sync.Mutex
	deadline time.Time
	bounded  bool
	ended    error
}

func (u *useCase) Start(ctx context.Context, c signin.Choices) (signin.Started, error) {
	st, err := u.Service.Start(ctx, c)
	u.record(ctx)
	return st, err
}

func (u *useCase) Finish(ctx context.Context, cb signin.Callback, binding string) (signin.Finished, error) {
	f, err := u.Service.Finish(ctx, cb, binding)
	u.record(ctx)
	return f, err
}

func (u *useCase) record(ctx context.Context) {
	u.mu.Lock()
	defer u.mu.Unlock()
	u.deadline, u.bounded = ctx.Deadline()
	u.ended = ctx.Err()
}

// budget runs the use case Budget before the end of an invocation that has
// slack more than Lambda would give it (invocation, say): the use case
// keeps the deadline it would have, and the handler's answer after it has
// the slack too, so that a stalled machine cannot make that answer late. It
// returns the recorder of the use case's calls.
func (s *stack) budget(slack time.Duration) *useCase {
	u := &useCase{Service: s.h.Service}
	s.h.Service = u
	s.h.Budget += slack
	return u
}

// wantUseCaseDeadline fails the test unless the use case's last call ran
// on a context ending Budget before the invocation's deadline.
func (s *stack) wantUseCaseDeadline(u *useCase, invocation context.Context) {
	s.t.Helper()
	dl, _ := invocation.Deadline()
	u.mu.Lock()
	defer u.mu.Unlock()
	if want := dl.Add(-s.h.Budget); !u.bounded || !u.deadline.Equal(want) {
		s.t.Errorf("the use case's deadline is %v (bounded %v), want the invocation's less the budget, %v", u.deadline, u.bounded, want)
	}
}
