package signin_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	"github.com/twitter-sessions/twitter-sessions/tools/ddbproxy"
	"github.com/twitter-sessions/twitter-sessions/tools/teststack"
	"github.com/twitter-sessions/twitter-sessions/tools/xsandbox"
)

// lambdaTimeout is the sign-in functions' timeout in serverless.yml.
const lambdaTimeout = 10 * time.Second

// answerSlack is what the tests that want the answer before the
// invocation's end add to both the invocation and the handler's budget
// (stack.budget): the use case keeps the deadline Lambda would give it, and
// the handler's answer after it does not race the machine's speed.
const answerSlack = 50 * time.Second

// TestFaultMatrix runs every external step of the sign-in against every kind
// of failure. Each case must end in the documented answer (a redirect to the
// site with result=fail and the reason, or success when a retry absorbs the
// fault), leave nothing half-written, and answer within the function's
// timeout: the use case runs on a context that ends the budget before the
// invocation does, and the handler answers after it.
func TestFaultMatrix(t *testing.T) {
	t.Parallel()
	resetSoon := func() map[string]string {
		return map[string]string{"x-rate-limit-remaining": "0", "x-rate-limit-reset": itoa(time.Now().Add(time.Hour).Unix())}
	}
	type outcome struct {
		ok     bool
		reason string
	}
	tests := []struct {
		step, kind string
		x          *xsandbox.Fault
		ddb        *ddbproxy.Fault
		want       outcome
	}{
		// X: request token.
		{"request_token", "timeout", &xsandbox.Fault{Delay: 20 * time.Second, Times: 3}, nil, outcome{false, "x_timeout"}},
		{"request_token", "connection dropped", &xsandbox.Fault{CloseConn: true, Times: 3}, nil, outcome{false, "x_unavailable"}},
		{"request_token", "5xx", &xsandbox.Fault{Status: 502, Times: 3}, nil, outcome{false, "x_unavailable"}},
		{"request_token", "429 with reset", &xsandbox.Fault{Status: 429, Headers: resetSoon()}, nil, outcome{false, "x_rate_limited"}},
		{"request_token", "malformed answer", &xsandbox.Fault{Status: 200, Body: "oauth_token=only"}, nil, outcome{false, "x_malformed"}},
		// X: access token.
		{"access_token", "timeout", &xsandbox.Fault{Delay: 20 * time.Second, Times: 3}, nil, outcome{false, "x_timeout"}},
		{"access_token", "connection dropped", &xsandbox.Fault{CloseConn: true, Times: 3}, nil, outcome{false, "x_unavailable"}},
		{"access_token", "5xx", &xsandbox.Fault{Status: 503, Times: 3}, nil, outcome{false, "x_unavailable"}},
		{"access_token", "429 with reset", &xsandbox.Fault{Status: 429, Headers: resetSoon()}, nil, outcome{false, "x_rate_limited"}},
		{"access_token", "malformed answer", &xsandbox.Fault{Status: 200, Body: "%%%"}, nil, outcome{false, "x_malformed"}},
		// DynamoDB: the session write, the session consume, the user write.
		{"PutItem", "timeout", nil, &ddbproxy.Fault{Kind: ddbproxy.Slow, Delay: 20 * time.Second}, outcome{false, "store_unavailable"}},
		{"PutItem", "connection dropped", nil, &ddbproxy.Fault{Kind: ddbproxy.Drop}, outcome{false, "store_unavailable"}},
		{"PutItem", "5xx", nil, &ddbproxy.Fault{Kind: ddbproxy.Error5xx}, outcome{false, "store_unavailable"}},
		{"PutItem", "throttled once", nil, &ddbproxy.Fault{Kind: ddbproxy.Throttle, Times: 1}, outcome{true, ""}},
		{"PutItem", "throttled", nil, &ddbproxy.Fault{Kind: ddbproxy.Throttle}, outcome{false, "store_unavailable"}},
		{"PutItem", "malformed answer", nil, &ddbproxy.Fault{Kind: ddbproxy.Malformed}, outcome{false, "store_unavailable"}},
		{"DeleteItem", "timeout", nil, &ddbproxy.Fault{Kind: ddbproxy.Slow, Delay: 20 * time.Second}, outcome{false, "store_unavailable"}},
		{"DeleteItem", "connection dropped", nil, &ddbproxy.Fault{Kind: ddbproxy.Drop}, outcome{false, "store_unavailable"}},
		{"DeleteItem", "5xx", nil, &ddbproxy.Fault{Kind: ddbproxy.Error5xx}, outcome{false, "store_unavailable"}},
		{"DeleteItem", "throttled", nil, &ddbproxy.Fault{Kind: ddbproxy.Throttle}, outcome{false, "store_unavailable"}},
		{"DeleteItem", "malformed answer", nil, &ddbproxy.Fault{Kind: ddbproxy.Malformed}, outcome{false, "store_unavailable"}},
		{"UpdateItem", "timeout", nil, &ddbproxy.Fault{Kind: ddbproxy.Slow, Delay: 20 * time.Second}, outcome{false, "store_unavailable"}},
		{"UpdateItem", "connection dropped", nil, &ddbproxy.Fault{Kind: ddbproxy.Drop}, outcome{false, "store_unavailable"}},
		{"UpdateItem", "5xx", nil, &ddbproxy.Fault{Kind: ddbproxy.Error5xx}, outcome{false, "store_unavailable"}},
		{"UpdateItem", "throttled once", nil, &ddbproxy.Fault{Kind: ddbproxy.Throttle, Times: 1}, outcome{true, ""}},
		{"UpdateItem", "malformed answer", nil, &ddbproxy.Fault{Kind: ddbproxy.Malformed}, outcome{false, "store_unavailable"}},
	}
	for _, tt := range tests {
		t.Run(tt.step+" "+tt.kind, func(t *testing.T) {
			t.Parallel()
			s := newStack(t, teststack.ViaProxy())
			atStart := tt.step == "request_token" || tt.step == "PutItem"
			arm := func() {
				if tt.x != nil {
					f := *tt.x
					f.Endpoint = tt.step
					s.sandbox.InjectFault(f)
				}
				if tt.ddb != nil {
					f := *tt.ddb
					f.Op = tt.step
					s.proxy.Inject(f)
				}
			}

			// A fault absorbed by the SDK's retry: one call, one request
			// faulted, and the retry reaching DynamoDB (the SDK may try
			// again when DynamoDB Local is slower than its attempt timeout).
			absorbedByARetry := func() {
				t.Helper()
				if tt.ddb == nil {
					return
				}
				calls, attempts, faulted := s.proxy.Counts()[tt.step], s.proxy.Attempts()[tt.step], s.proxy.Faulted()[tt.step]
				if calls != 1 || faulted != 1 || attempts < 2 {
					t.Errorf("%s: %d calls in %d requests, %d faulted: want 1 call, its one faulted request retried", tt.step, calls, attempts, faulted)
				}
			}

			var st started
			var query string
			if !atStart {
				st = s.mustStart("follow=true")
				query = s.authorize(st, aliceUID)
			}
			arm()
			u := s.budget(answerSlack)
			ctx, cancel := context.WithTimeout(context.Background(), lambdaTimeout+answerSlack)
			defer cancel()
			var q map[string][]string
			if atStart {
				resp, err := s.h.StartSignIn(ctx, formRequest("follow=true", nil))
				if err != nil || resp.StatusCode != http.StatusSeeOther {
					t.Fatalf("status %d err %v", resp.StatusCode, err)
				}
				if tt.want.ok {
					if q := resp.Headers["Location"]; len(q) < len(s.xURL) || q[:len(s.xURL)] != s.xURL {
						t.Fatalf("not absorbed: %s", q)
					}
					absorbedByARetry()
					return
				}
				q = result(t, resp)
			} else {
				resp, err := s.h.Callback(ctx, callbackRequest(query, st.cookie))
				if err != nil {
					t.Fatal(err)
				}
				q = result(t, resp)
			}
			if ctx.Err() != nil {
				t.Errorf("answered after the invocation's deadline (%v): the function would have timed out", ctx.Err())
			}
			s.wantUseCaseDeadline(u, ctx)
			if tt.want.ok {
				if q["result"][0] != "success" {
					t.Fatalf("not absorbed: %v", q)
				}
				absorbedByARetry()
				return
			}
			if q["result"][0] != "fail" || q["reason"][0] != tt.want.reason {
				t.Fatalf("result %v, want fail/%s", q, tt.want.reason)
			}
			s.proxy.Clear()
			if s.count(s.cfg.TwitterTable) != 0 {
				t.Fatal("a user was written by a failed sign-in")
			}
			if atStart && s.count(s.cfg.SessionTable) > 0 && tt.step != "PutItem" {
				t.Fatal("a failed start left a session")
			}
		})
	}
}
