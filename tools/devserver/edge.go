package devserver

import (
	"fmt"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/twitter-sessions/twitter-sessions/shared/origins"
	"github.com/twitter-sessions/twitter-sessions/tools/slsyml"
)

// Edge emulates the AWS WAF web ACL that CloudFront applies in front of the
// deployed API (serverless.yml's EdgeWebAcl): the rule that blocks a
// sign-in start whose Origin is another site's page, and the rate-based
// rules aggregated per client IP. Locally the client's IP is the request's
// remote address, so clients on distinct loopback addresses (127.0.0.2,
// 127.0.0.3, ...) are distinct clients, as visitors are.
//
// It counts exactly, over a sliding window; AWS WAF estimates the rate
// and applies a rule some seconds after a client crosses its limit, so on
// AWS a fast client gets more through than here before it is blocked (the
// API's throttle is the backstop for that).
type Edge struct {
	// OriginPaths are the paths of the Origin rule: a request to one of them
	// with an Origin header that AllowOrigins does not allow is blocked
	// (403). A request without Origin goes on (the function decides).
	OriginPaths  []string
	AllowOrigins origins.Set
	Rules        []RateRule
	// Now is the clock of the windows (tests set it); default time.Now.
	Now func() time.Time

	mu   sync.Mutex
	seen map[string][]time.Time // rule name + "|" + IP -> the requests counted in the window
}

// RateRule is one rate-based rule: at most Limit requests per Window from
// one IP to Paths (exact paths); beyond it, Status.
type RateRule struct {
	Name   string
	Paths  []string
	Limit  int
	Window time.Duration
	Status int
}

// Body of the edge's own answers (CloudFront with WAF answers with a page
// of its own; the status is what a browser or a script acts on).
const edgeBlockedBody = `{"message":"Request blocked by the edge (web ACL)"}`

// Handler puts the web ACL in front of next.
func (e *Edge) Handler(next http.Handler) http.Handler {
	if e == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if status := e.decide(r); status != 0 {
			writeGatewayError(w, status, edgeBlockedBody)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// decide returns the status the web ACL blocks r with, or 0 to let it on.
// Rules are evaluated in order and the first that blocks ends it, as WAF
// does: a request blocked by the Origin rule is not counted by the rate
// rules.
func (e *Edge) decide(r *http.Request) int {
	if slices.Contains(e.OriginPaths, r.URL.Path) {
		if o := r.Header.Get("Origin"); o != "" && !e.AllowOrigins.Allows(o) {
			return http.StatusForbidden
		}
	}
	ip, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		ip = r.RemoteAddr
	}
	now := time.Now()
	if e.Now != nil {
		now = e.Now()
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.seen == nil {
		e.seen = map[string][]time.Time{}
	}
	for _, rule := range e.Rules {
		if !slices.Contains(rule.Paths, r.URL.Path) {
			continue
		}
		key := rule.Name + "|" + ip
		times := e.seen[key]
		for len(times) > 0 && now.Sub(times[0]) >= rule.Window {
			times = times[1:]
		}
		times = append(times, now) // blocked requests count too: a flood stays blocked
		e.seen[key] = times
		if len(times) > rule.Limit {
			return rule.Status
		}
	}
	return 0
}

// Where serverless.yml sets the web ACL's rules.
const webACLRulesPath = "resources.Resources.EdgeWebAcl.Properties.Rules"

// LoadEdge reads the web ACL's rules of stage from serverless.yml (the
// same rules CloudFront's WAF applies on a deployed stage with
// edgeProtection): the Origin rule's paths and every rate-based rule. The
// allowed origins are the caller's (see Settings.CORS).
func LoadEdge(repoRoot, stage string) (*Edge, error) {
	var rules []map[string]any
	if err := slsyml.Decode(repoRoot, stage, webACLRulesPath, &rules); err != nil {
		return nil, err
	}
	e := &Edge{}
	for _, r := range rules {
		name, _ := r["Name"].(string)
		st, _ := r["Statement"].(map[string]any)
		if rb, ok := st["RateBasedStatement"].(map[string]any); ok {
			limit, ok1 := number(rb["Limit"])
			window, ok2 := number(rb["EvaluationWindowSec"])
			if !ok1 || !ok2 {
				return nil, fmt.Errorf("devserver: web ACL rule %s: Limit %v, EvaluationWindowSec %v", name, rb["Limit"], rb["EvaluationWindowSec"])
			}
			status := http.StatusForbidden
			if code, ok := number(slsyml.Dig(r, "Action", "Block", "CustomResponse", "ResponseCode")); ok {
				status = code
			}
			e.Rules = append(e.Rules, RateRule{Name: name, Paths: searchStrings(rb["ScopeDownStatement"]), Limit: limit,
				Window: time.Duration(window) * time.Second, Status: status})
			continue
		}
		if slsyml.Dig(r, "Action", "Block") != nil {
			e.OriginPaths = append(e.OriginPaths, searchStrings(st)...)
		}
	}
	if len(e.Rules) == 0 || len(e.OriginPaths) == 0 {
		return nil, fmt.Errorf("devserver: %s: no rate-based rule or no Origin rule", webACLRulesPath)
	}
	return e, nil
}

// searchStrings are the paths a statement matches: every ByteMatchStatement
// on UriPath in it, at any depth (And, Or, scope-down).
func searchStrings(v any) []string {
	var out []string
	switch x := v.(type) {
	case map[string]any:
		if bm, ok := x["ByteMatchStatement"].(map[string]any); ok {
			if ftm, _ := slsyml.Dig(bm, "FieldToMatch").(map[string]any); ftm["UriPath"] != nil {
				if s, ok := bm["SearchString"].(string); ok {
					out = append(out, s)
				}
			}
		}
		for k, e := range x {
			if k != "ByteMatchStatement" && k != "NotStatement" {
				out = append(out, searchStrings(e)...)
			}
		}
	case []any:
		for _, e := range x {
			out = append(out, searchStrings(e)...)
		}
	}
	return out
}

func number(v any) (int, bool) {
	switch n := v.(type) {
	case int:
		return n, true
	case float64:
		return int(n), true
	}
	return 0, false
}
