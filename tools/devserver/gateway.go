package devserver

import (
	"io"
	"maps"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/twitter-sessions/twitter-sessions/shared/origins"
)

// CORS is an HTTP API's CorsConfiguration (serverless.yml,
// resources.extensions.HttpApi). With it, API Gateway answers preflight
// requests itself, adds the CORS headers to every answer for an allowed
// origin, and ignores the CORS headers the functions return.
type CORS struct {
	// AllowOrigins are the exact page origins allowed (no wildcards here:
	// with credentials a browser refuses "*" anyway).
	AllowOrigins     origins.Set
	AllowCredentials bool
	AllowHeaders     []string
	AllowMethods     []string
	ExposeHeaders    []string
	// MaxAge is how long a browser may cache a preflight's answer; 0 sends
	// no Access-Control-Max-Age.
	MaxAge time.Duration
}

// Throttle is a stage's DefaultRouteSettings throttling. Every route has its
// own token bucket: it holds BurstLimit tokens, starts full, and refills at
// RateLimit tokens per second; a request takes one, and a request that finds
// none is answered 429 by API Gateway without invoking the function.
type Throttle struct {
	RateLimit  float64 // sustained requests per second
	BurstLimit int     // the bucket's size: how many requests may arrive at once
}

// Bodies API Gateway answers with itself (HTTP API spells them this way).
const (
	tooManyRequestsBody     = `{"message":"Too Many Requests"}`
	internalServerErrorBody = `{"message":"Internal Server Error"}`
	notFoundBody            = `{"message":"Not Found"}`
)

// NotFound answers a request that matches no route as an HTTP API does:
// 404 {"message":"Not Found"} (a known path with another method too: routes
// are "METHOD /path").
var NotFound http.Handler = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
	writeGatewayError(w, http.StatusNotFound, notFoundBody)
})

// Gateway emulates the parts of an API Gateway HTTP API stage that the
// deployed stack relies on in front of the functions: CORS and per-route
// throttling. (A function's reserved concurrency is Lambda's, not the
// gateway's: see Concurrency.) The zero value adds nothing.
//
// Handler wraps all the API's routes (CORS applies to the whole API, also
// to paths no route serves); Route wraps each route's handler (throttling
// is per route). Both are safe for concurrent use.
type Gateway struct {
	CORS     *CORS     // nil: CORS not configured (no preflight answers, no headers)
	Throttle *Throttle // nil: not throttled
	// RouteThrottles are the stage's RouteSettings: a route's own throttle
	// instead of Throttle (the default route settings); ignored when
	// Throttle is nil (throttling off).
	RouteThrottles map[string]*Throttle
	// Edge is the web ACL of CloudFront in front of the API (nil: none);
	// Handler puts it before everything else, as CloudFront is.
	Edge *Edge
	// Now is the clock of the token buckets (tests set it); default time.Now.
	Now func() time.Time
}

func (g *Gateway) now() time.Time {
	if g.Now != nil {
		return g.Now()
	}
	return time.Now()
}

// Route wraps h, the handler of one route (routeKey as in serverless.yml,
// "METHOD /path"), with the stage's throttling: a token bucket of its own.
// Call it once per route; two calls make two buckets.
func (g *Gateway) Route(routeKey string, h http.Handler) http.Handler {
	if g.Throttle == nil {
		return h
	}
	t := g.Throttle
	if rt, ok := g.RouteThrottles[routeKey]; ok {
		t = rt
	}
	b := &bucket{rate: t.RateLimit, size: float64(t.BurstLimit), now: g.now}
	b.tokens, b.at = b.size, g.now()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !b.take() {
			// Answered at once, like API Gateway: no body read, no function.
			writeGatewayError(w, http.StatusTooManyRequests, tooManyRequestsBody)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// Handler wraps the API's routes with the edge's web ACL (Edge) and CORS:
// a request the web ACL blocks gets its answer first; preflight requests are answered
// here (204, without reaching a route or a function), and every other answer
// gets the CORS headers for an allowed origin instead of whatever CORS
// headers the function set.
func (g *Gateway) Handler(routes http.Handler) http.Handler {
	return g.Edge.Handler(g.cors(routes))
}

func (g *Gateway) cors(routes http.Handler) http.Handler {
	if g.CORS == nil {
		return routes
	}
	c := g.CORS
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		origin := r.Header.Get("Origin")
		allowed := origin != "" && c.AllowOrigins.Allows(origin)
		if r.Method == http.MethodOptions && origin != "" && r.Header.Get("Access-Control-Request-Method") != "" {
			h := w.Header()
			h.Add("Vary", "Origin")
			if allowed {
				c.allowOrigin(h, origin)
				if len(c.AllowMethods) > 0 {
					h.Set("Access-Control-Allow-Methods", strings.Join(c.AllowMethods, ","))
				}
				if len(c.AllowHeaders) > 0 {
					h.Set("Access-Control-Allow-Headers", strings.Join(c.AllowHeaders, ","))
				}
				if c.MaxAge > 0 {
					h.Set("Access-Control-Max-Age", strconv.Itoa(int(c.MaxAge/time.Second)))
				}
			}
			// Another origin gets the same 204 without CORS headers: the
			// browser then refuses to send the request.
			w.WriteHeader(http.StatusNoContent)
			return
		}
		cw := &corsWriter{ResponseWriter: w, cors: c}
		if allowed {
			cw.origin = origin
		}
		routes.ServeHTTP(cw, r)
		cw.WriteHeader(http.StatusOK) // a handler that wrote nothing still answers, with the headers
	})
}

func (c *CORS) allowOrigin(h http.Header, origin string) {
	h.Set("Access-Control-Allow-Origin", origin)
	if c.AllowCredentials {
		h.Set("Access-Control-Allow-Credentials", "true")
	}
}

// corsWriter replaces the CORS headers of an answer just before it is sent,
// whoever wrote it (the function, a 429 of the throttle, a 500 of Lambda).
type corsWriter struct {
	http.ResponseWriter
	cors        *CORS
	origin      string // the request's origin when allowed, else ""
	wroteHeader bool
}

func (w *corsWriter) WriteHeader(status int) {
	if w.wroteHeader {
		return
	}
	w.wroteHeader = true
	h := w.Header()
	// HTTP API ignores the CORS headers an integration returns.
	maps.DeleteFunc(h, func(k string, _ []string) bool {
		return strings.HasPrefix(http.CanonicalHeaderKey(k), "Access-Control-")
	})
	h.Add("Vary", "Origin")
	if w.origin != "" {
		w.cors.allowOrigin(h, w.origin)
		if len(w.cors.ExposeHeaders) > 0 {
			h.Set("Access-Control-Expose-Headers", strings.Join(w.cors.ExposeHeaders, ","))
		}
	}
	w.ResponseWriter.WriteHeader(status)
}

func (w *corsWriter) Write(b []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *corsWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// bucket is one route's token bucket.
type bucket struct {
	mu     sync.Mutex
	rate   float64 // tokens per second
	size   float64
	tokens float64
	at     time.Time // when tokens was last brought up to date
	now    func() time.Time
}

func (b *bucket) take() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	now := b.now()
	if elapsed := now.Sub(b.at); elapsed > 0 {
		b.tokens = min(b.size, b.tokens+elapsed.Seconds()*b.rate)
	}
	b.at = now
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

// writeGatewayError answers the way API Gateway answers for itself: JSON
// {"message": ...}.
func writeGatewayError(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, body)
}
