package devserver

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/twitter-sessions/twitter-sessions/shared/origins"
	"github.com/twitter-sessions/twitter-sessions/tools/slsyml"
	"github.com/twitter-sessions/twitter-sessions/tools/testclock"
)

const (
	site  = "http://127.0.0.1:8080"
	other = "http://127.0.0.1:9090" // another origin of the same site, allowed
	evil  = "https://evil.example"
)

func testCORS(t *testing.T) *CORS {
	t.Helper()
	allowed, err := origins.NewSet(site, other)
	if err != nil {
		t.Fatal(err)
	}
	return &CORS{
		AllowOrigins:     allowed,
		AllowCredentials: true,
		AllowHeaders:     []string{"Content-Type", "Accept"},
		AllowMethods:     []string{"GET", "POST"},
		MaxAge:           600 * time.Second,
	}
}

// countingFunction is a route that counts its invocations and answers 200,
// setting a CORS header of its own (which API Gateway must drop).
type countingFunction struct{ calls atomic.Int32 }

func (f *countingFunction) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	f.calls.Add(1)
	w.Header().Set("Access-Control-Allow-Origin", "*")
	w.Header().Set("Content-Type", "text/plain")
	_, _ = io.WriteString(w, "from the function")
}

func TestGatewayCORS(t *testing.T) {
	tests := []struct {
		name        string
		method      string
		headers     map[string]string
		wantStatus  int
		wantCalls   int32
		wantHeaders map[string]string // "" means the header must be absent
	}{
		{
			name:       "a request from an allowed origin gets that origin back, with credentials",
			method:     http.MethodPost,
			headers:    map[string]string{"Origin": other},
			wantStatus: http.StatusOK, wantCalls: 1,
			wantHeaders: map[string]string{
				"Access-Control-Allow-Origin": other, "Access-Control-Allow-Credentials": "true", "Vary": "Origin",
				"Access-Control-Allow-Methods": "",
			},
		},
		{
			name:       "the site's own origin is allowed like any listed origin",
			method:     http.MethodGet,
			headers:    map[string]string{"Origin": site},
			wantStatus: http.StatusOK, wantCalls: 1,
			wantHeaders: map[string]string{"Access-Control-Allow-Origin": site, "Access-Control-Allow-Credentials": "true"},
		},
		{
			name:       "a request from another origin gets no CORS headers, and the function still runs",
			method:     http.MethodPost,
			headers:    map[string]string{"Origin": evil},
			wantStatus: http.StatusOK, wantCalls: 1,
			wantHeaders: map[string]string{"Access-Control-Allow-Origin": "", "Access-Control-Allow-Credentials": "", "Vary": "Origin"},
		},
		{
			name:       "a request without Origin gets no CORS headers, not even the function's own",
			method:     http.MethodGet,
			wantStatus: http.StatusOK, wantCalls: 1,
			wantHeaders: map[string]string{"Access-Control-Allow-Origin": ""},
		},
		{
			name:   "an origin that differs only by port is another origin",
			method: http.MethodPost, headers: map[string]string{"Origin": "http://127.0.0.1:8081"},
			wantStatus: http.StatusOK, wantCalls: 1,
			wantHeaders: map[string]string{"Access-Control-Allow-Origin": ""},
		},
		{
			name:   "a preflight from an allowed origin is answered 204 by the gateway without invoking the function",
			method: http.MethodOptions,
			headers: map[string]string{
				"Origin": other, "Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type",
			},
			wantStatus: http.StatusNoContent, wantCalls: 0,
			wantHeaders: map[string]string{
				"Access-Control-Allow-Origin": other, "Access-Control-Allow-Credentials": "true",
				"Access-Control-Allow-Methods": "GET,POST", "Access-Control-Allow-Headers": "Content-Type,Accept",
				"Access-Control-Max-Age": "600", "Vary": "Origin",
			},
		},
		{
			name:       "a preflight from another origin gets a 204 without CORS headers (the browser then stops)",
			method:     http.MethodOptions,
			headers:    map[string]string{"Origin": evil, "Access-Control-Request-Method": "POST"},
			wantStatus: http.StatusNoContent, wantCalls: 0,
			wantHeaders: map[string]string{
				"Access-Control-Allow-Origin": "", "Access-Control-Allow-Methods": "", "Access-Control-Max-Age": "",
			},
		},
		{
			name:       "an OPTIONS request that is no preflight goes to the route",
			method:     http.MethodOptions,
			headers:    map[string]string{"Origin": other},
			wantStatus: http.StatusOK, wantCalls: 1,
			wantHeaders: map[string]string{"Access-Control-Allow-Origin": other, "Access-Control-Allow-Methods": ""},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fn := &countingFunction{}
			g := &Gateway{CORS: testCORS(t)}
			h := g.Handler(g.Route("POST /api/x", fn))
			req := httptest.NewRequest(tt.method, "/api/x", strings.NewReader("a=b"))
			for k, v := range tt.headers {
				req.Header.Set(k, v)
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d", rec.Code, tt.wantStatus)
			}
			if got := fn.calls.Load(); got != tt.wantCalls {
				t.Errorf("the function ran %d times, want %d", got, tt.wantCalls)
			}
			for k, want := range tt.wantHeaders {
				if got := rec.Header().Get(k); got != want {
					t.Errorf("%s = %q, want %q", k, got, want)
				}
			}
		})
	}
}

func TestGatewayThrottle(t *testing.T) {
	type step struct {
		advance time.Duration // before the requests
		route   string        // "a" or "b"
		n       int
		want    int // how many of the n pass (the rest must get 429)
	}
	tests := []struct {
		name     string
		throttle Throttle
		steps    []step
	}{
		{
			name:     "a burst up to the bucket's size passes and the next request gets 429",
			throttle: Throttle{RateLimit: 2, BurstLimit: 5},
			steps:    []step{{route: "a", n: 6, want: 5}},
		},
		{
			name:     "the bucket refills at the rate per second",
			throttle: Throttle{RateLimit: 2, BurstLimit: 5},
			steps: []step{
				{route: "a", n: 5, want: 5},
				{advance: 500 * time.Millisecond, route: "a", n: 3, want: 1},
				{advance: 2 * time.Second, route: "a", n: 5, want: 4},
			},
		},
		{
			name:     "a long quiet time refills the bucket only up to its size",
			throttle: Throttle{RateLimit: 100, BurstLimit: 3},
			steps: []step{
				{route: "a", n: 3, want: 3},
				{advance: time.Hour, route: "a", n: 10, want: 3},
			},
		},
		{
			name:     "each route has a bucket of its own",
			throttle: Throttle{RateLimit: 1, BurstLimit: 2},
			steps: []step{
				{route: "a", n: 4, want: 2},
				{route: "b", n: 4, want: 2},
			},
		},
		{
			name:     "a burst limit of zero throttles everything, as on AWS",
			throttle: Throttle{RateLimit: 10, BurstLimit: 0},
			steps:    []step{{advance: time.Second, route: "a", n: 3, want: 0}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := testclock.New(time.Unix(1_700_000_000, 0))
			g := &Gateway{Throttle: &tt.throttle, Now: clock.Now}
			fns := map[string]*countingFunction{"a": {}, "b": {}}
			routes := map[string]http.Handler{"a": g.Route("POST /a", fns["a"]), "b": g.Route("POST /b", fns["b"])}
			for i, s := range tt.steps {
				clock.Advance(s.advance)
				before := fns[s.route].calls.Load()
				passed := 0
				for range s.n {
					rec := httptest.NewRecorder()
					routes[s.route].ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/"+s.route, nil))
					switch rec.Code {
					case http.StatusOK:
						passed++
					case http.StatusTooManyRequests:
						if body := rec.Body.String(); body != `{"message":"Too Many Requests"}` {
							t.Errorf("step %d: 429 body = %s, want API Gateway's", i, body)
						}
						if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
							t.Errorf("step %d: 429 Content-Type = %q, want application/json", i, ct)
						}
					default:
						t.Errorf("step %d: status %d, want 200 or 429", i, rec.Code)
					}
				}
				if passed != s.want {
					t.Errorf("step %d: %d of %d requests passed, want %d", i, passed, s.n, s.want)
				}
				if ran := int(fns[s.route].calls.Load() - before); ran != passed {
					t.Errorf("step %d: the function ran %d times for %d passed requests (a 429 must not invoke it)", i, ran, passed)
				}
			}
		})
	}
}

func TestGatewayThrottleAnswersAreCORSAnswersToo(t *testing.T) {
	g := &Gateway{CORS: testCORS(t), Throttle: &Throttle{RateLimit: 0, BurstLimit: 1}}
	fn := &countingFunction{}
	h := g.Handler(g.Route("POST /api/x", fn))
	send := func(method string, headers map[string]string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, "/api/x", nil)
		for k, v := range headers {
			req.Header.Set(k, v)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec
	}
	preflight := map[string]string{"Origin": other, "Access-Control-Request-Method": "POST"}
	for i := range 3 {
		if rec := send(http.MethodOptions, preflight); rec.Code != http.StatusNoContent {
			t.Fatalf("preflight %d: status %d, want 204 (preflights take no tokens)", i, rec.Code)
		}
	}
	if rec := send(http.MethodPost, map[string]string{"Origin": other}); rec.Code != http.StatusOK {
		t.Fatalf("first POST: status %d, want 200: the preflights used the route's only token", rec.Code)
	}
	rec := send(http.MethodPost, map[string]string{"Origin": other})
	if rec.Code != http.StatusTooManyRequests {
		t.Fatalf("second POST: status %d, want 429", rec.Code)
	}
	// The page's script can read the 429 instead of seeing a network error.
	if got := rec.Header().Get("Access-Control-Allow-Origin"); got != other {
		t.Errorf("the 429's Access-Control-Allow-Origin = %q, want %q", got, other)
	}
}

func TestReservedConcurrencyThrottlesInvocationsBeyondItAtOnce(t *testing.T) {
	const reserved = 3
	release := make(chan struct{})
	releaseAll := sync.OnceFunc(func() { close(release) })
	t.Cleanup(releaseAll) // a failed check still lets the invocations end
	var running, calls atomic.Int32
	fn := func(ctx context.Context, _ events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		calls.Add(1)
		running.Add(1)
		defer running.Add(-1)
		select {
		case <-release:
		case <-ctx.Done():
		}
		return events.APIGatewayV2HTTPResponse{StatusCode: http.StatusSeeOther}, nil
	}
	limit := ReservedConcurrency(reserved)
	var logged atomic.Int32
	// The slots are released below, explicitly: the function's timeout is
	// far beyond any stall of the machine, so none ends early.
	h := Handler(fn, Options{RouteKey: "POST /api/twitter-session", Concurrency: limit, Timeout: time.Minute,
		Logf: func(string, ...any) { logged.Add(1) }})

	// reserved invocations that hold their slot until released.
	var wg sync.WaitGroup
	codes := make(chan int, reserved)
	for range reserved {
		wg.Go(func() {
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/api/twitter-session", nil))
			codes <- rec.Code
		})
	}
	deadline := time.Now().Add(10 * time.Second)
	for running.Load() < reserved && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if got := limit.InUse(); got != reserved {
		t.Fatalf("%d slots in use, want %d", got, reserved)
	}

	t.Run("one more is answered 500 with API Gateway's body, at once, without invoking the function", func(t *testing.T) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/api/twitter-session", nil))
		// At once: answered while every slot is still held (they are released
		// only below), not queued until one frees.
		if got := running.Load(); got != reserved {
			t.Errorf("the throttled request was answered once %d of %d slots were still held: it waited for a slot", got, reserved)
		}
		if rec.Code != http.StatusInternalServerError || rec.Body.String() != `{"message":"Internal Server Error"}` {
			t.Errorf("got %d %s, want 500 {\"message\":\"Internal Server Error\"}", rec.Code, rec.Body)
		}
		if got := calls.Load(); got != reserved {
			t.Errorf("the function ran %d times, want %d (the throttled one must not run)", got, reserved)
		}
		if logged.Load() != 1 {
			t.Errorf("the throttle was logged %d times, want once", logged.Load())
		}
	})

	releaseAll()
	wg.Wait()
	close(codes)
	for c := range codes {
		if c != http.StatusSeeOther {
			t.Errorf("an invocation within the reservation answered %d, want the function's 303", c)
		}
	}

	t.Run("the slots are free again once the invocations end", func(t *testing.T) {
		if got := limit.InUse(); got != 0 {
			t.Fatalf("%d slots still in use", got)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/api/twitter-session", nil))
		if rec.Code != http.StatusSeeOther {
			t.Errorf("status %d, want the function's 303", rec.Code)
		}
	})
}

func TestReservedConcurrencyOfZeroThrottlesEveryInvocation(t *testing.T) {
	var calls atomic.Int32
	fn := func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		calls.Add(1)
		return events.APIGatewayV2HTTPResponse{StatusCode: http.StatusOK}, nil
	}
	h := Handler(fn, Options{RouteKey: "POST /x", Concurrency: ReservedConcurrency(0)})
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/x", nil))
	if rec.Code != http.StatusInternalServerError || calls.Load() != 0 {
		t.Errorf("got %d with %d invocations, want 500 and none", rec.Code, calls.Load())
	}
}

func TestLoadSettingsReadsTheLocalStageOfServerlessYml(t *testing.T) {
	root, err := slsyml.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	s, err := LoadSettings(root, "local")
	if err != nil {
		t.Fatal(err)
	}
	if s.CORS == nil || !s.CORS.AllowCredentials {
		t.Errorf("CORS = %+v, want credentials allowed (the binding cookie needs them)", s.CORS)
	}
	if !contains(s.CORS.AllowMethods, "POST") || s.CORS.MaxAge <= 0 {
		t.Errorf("CORS methods %v, max age %s: want POST allowed and a max age", s.CORS.AllowMethods, s.CORS.MaxAge)
	}
	if s.Throttle == nil || s.Throttle.RateLimit <= 0 || s.Throttle.BurstLimit <= 0 {
		t.Errorf("Throttle = %+v, want a positive rate and burst", s.Throttle)
	}
	if n, ok := s.Reserved["generate_session"]; !ok || n <= 0 {
		t.Errorf("generate_session's reserved concurrency = %d (set: %v), want a positive number", n, ok)
	}
	if _, ok := s.Reserved["twitter_callback"]; ok {
		t.Errorf("twitter_callback has a reserved concurrency in Settings, but serverless.yml gives it none")
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}
