package deploy

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambda"

	"github.com/twitter-sessions/twitter-sessions/shared/app/actionsfn"
	"github.com/twitter-sessions/twitter-sessions/shared/app/boot"
	"github.com/twitter-sessions/twitter-sessions/shared/metrics"
	"github.com/twitter-sessions/twitter-sessions/shared/web"
	"github.com/twitter-sessions/twitter-sessions/tools/teststack"
	"github.com/twitter-sessions/twitter-sessions/tools/xsandbox"
)

// flows are real runs of the functions' handlers, built as the Lambdas
// build them, on the harness's stack (tools/teststack: tables in DynamoDB
// Local, the X sandbox over HTTP): first sign-ins (the brand's too), a
// returning user's, sign-ins that fail, are denied and refused; the actions
// the stream then runs; two campaigns, one done and one stopped halfway. What they
// log is what CloudWatch would get: the dashboard and the saved queries are
// checked against it.
type flows struct {
	namespace string          // the stack's (its stage is random)
	points    []metrics.Point // every EMF point of the logs
	lines     []map[string]any
}

var (
	flowsOnce   sync.Once
	flowsResult *flows
)

// runFlows runs the flows once for the package's tests.
func runFlows(t *testing.T) *flows {
	t.Helper()
	flowsOnce.Do(func() { flowsResult = newFlows(t) })
	if flowsResult == nil {
		t.Skip("the flows did not run: see the first test that started them")
	}
	return flowsResult
}

const (
	aliceUID = "1234567890123456789"
	carolUID = "1400000000000000003" // accepts no DMs
)

func newFlows(t *testing.T) *flows {
	ts := teststack.New(t, "flows", teststack.WithEnv("FOLLOW_MODE", "api"),
		teststack.WithEnv("WELCOME_DM_TEXT", "Welcome!"), teststack.WithEnv("OPT_IN_TWEET_TEXT", "I just signed up!"))
	r := &runner{t: t, ts: ts, h: ts.Deps.SignIn()}

	r.signIn(teststack.BrandUID, "brand=true") // the brand connects through its own start
	aliceQuery, aliceCookie := r.signIn(aliceUID, "follow=true&tweet=true&utm_source=newsletter&utm_campaign=spring_sale")
	r.signIn(carolUID, "follow=false")
	r.signIn(carolUID, "follow=false")                        // a returning user: no sign-up
	r.wantResult(r.callback(aliceQuery, aliceCookie), "fail") // replayed: session_not_found
	r.wantResult(r.callback(""), "fail")                      // bad_callback
	token, cookie := r.start("follow=false")
	denied, err := ts.Sandbox.Deny(token)
	if err != nil {
		t.Fatal(err)
	}
	r.wantResult(r.callback(rawQuery(t, denied), cookie), "denied")
	if resp := r.post("follow=false", "https://evil.example"); resp.StatusCode != http.StatusForbidden {
		t.Fatalf("a start from another site: %d", resp.StatusCode)
	}
	if resp := r.post("follow=maybe", ""); resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("a malformed form: %d", resp.StatusCode)
	}
	ts.Sandbox.InjectFault(xsandbox.Fault{Endpoint: xsandbox.EndpointRequestToken, XCode: 415}) // a setup problem: a fix is logged
	r.wantResult(r.post("follow=false", ""), "fail")

	actions := actionsfn.New(ts.Deps.Deps, boot.TwitterActions)
	if _, err := ts.StreamRelay(lambda.NewHandler(actions.Handle)).Drain(teststack.LambdaContext(t, time.Minute)); err != nil {
		t.Fatal(err)
	}
	invoke := func(payload string) {
		if _, err := lambda.NewHandler(actions.Handle).Invoke(teststack.LambdaContext(t, 30*time.Second), []byte(payload)); err != nil {
			t.Fatalf("%s: %v", payload, err)
		}
	}
	invoke(`{"campaign":{"id":"flows-spring","text":"Spring sale"}}`) // sent, failed (carol), skipped (the brand)
	ts.Sandbox.InjectFault(xsandbox.Fault{Endpoint: xsandbox.EndpointDM, ProblemType: xsandbox.ProblemUsageCapped})
	invoke(`{"campaign":{"id":"flows-capped","text":"Summer sale"}}`) // stopped: X's usage cap (a hint is logged)

	logs := ts.Logs.String()
	ps, err := metrics.Read(logs)
	if err != nil {
		t.Fatal(err)
	}
	f := &flows{namespace: metrics.Namespace(ts.Config.Stage), points: ps}
	for _, l := range strings.Split(strings.TrimSpace(logs), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("a log line that is not JSON: %q", l)
		}
		f.lines = append(f.lines, m)
	}
	t.Logf("flows: %d log lines, %d metric points in %s", len(f.lines), len(ps), f.namespace)
	return f
}

// runner drives the sign-in handlers as API Gateway and the browser would.
type runner struct {
	t  *testing.T
	ts *teststack.Stack
	h  *web.Handlers
}

// post posts the sign-up form from origin (the site's when "").
func (r *runner) post(form, origin string) events.APIGatewayV2HTTPResponse {
	r.t.Helper()
	if origin == "" {
		u, _ := url.Parse(teststack.SiteURL)
		origin = u.Scheme + "://" + u.Host
	}
	req := events.APIGatewayV2HTTPRequest{
		RouteKey: "POST /api/twitter-session", RawPath: "/api/twitter-session",
		Headers:         map[string]string{"content-type": "application/x-www-form-urlencoded", "origin": origin},
		Body:            base64.StdEncoding.EncodeToString([]byte(form)),
		IsBase64Encoded: true,
	}
	req.RequestContext.HTTP.Method = http.MethodPost
	resp, err := r.h.StartSignIn(teststack.LambdaContext(r.t, 10*time.Second), req)
	if err != nil {
		r.t.Fatal(err)
	}
	return resp
}

// start posts the form and returns the request token and binding cookie.
func (r *runner) start(form string) (token, cookie string) {
	r.t.Helper()
	resp := r.post(form, "")
	loc, err := url.Parse(resp.Headers["Location"])
	if err != nil || resp.StatusCode != http.StatusSeeOther || len(resp.Cookies) != 1 {
		r.t.Fatalf("start: %d %v", resp.StatusCode, resp.Headers)
	}
	cookie, _, _ = strings.Cut(resp.Cookies[0], ";")
	return loc.Query().Get("oauth_token"), cookie
}

func (r *runner) callback(rawQuery string, cookies ...string) events.APIGatewayV2HTTPResponse {
	r.t.Helper()
	req := events.APIGatewayV2HTTPRequest{
		RouteKey: "GET /api/twitter-callback", RawPath: "/api/twitter-callback",
		RawQueryString: rawQuery, Cookies: cookies, Headers: map[string]string{},
	}
	req.RequestContext.HTTP.Method = http.MethodGet
	resp, err := r.h.Callback(teststack.LambdaContext(r.t, 10*time.Second), req)
	if err != nil {
		r.t.Fatal(err)
	}
	return resp
}

// signIn is a whole sign-in of uid: the callback's query and cookie.
func (r *runner) signIn(uid, form string) (string, string) {
	r.t.Helper()
	token, cookie := r.start(form)
	cb, err := r.ts.Sandbox.Approve(token, uid)
	if err != nil {
		r.t.Fatal(err)
	}
	q := rawQuery(r.t, cb)
	r.wantResult(r.callback(q, cookie), "success")
	return q, cookie
}

func (r *runner) wantResult(resp events.APIGatewayV2HTTPResponse, want string) {
	r.t.Helper()
	loc, _ := url.Parse(resp.Headers["Location"])
	if loc == nil || loc.Query().Get("result") != want {
		r.t.Fatalf("result %v, want %s", resp.Headers["Location"], want)
	}
}

func rawQuery(t *testing.T, u string) string {
	t.Helper()
	p, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	return p.RawQuery
}
