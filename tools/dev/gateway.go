package main

import (
	"fmt"
	"maps"
	"net/url"
	"slices"
	"strings"

	"github.com/twitter-sessions/twitter-sessions/shared/origins"
	"github.com/twitter-sessions/twitter-sessions/tools/devserver"
)

// limits are the command line's overrides of serverless.yml's limits; a
// negative value keeps serverless.yml's.
type limits struct {
	rate              float64
	burst             int
	signinConcurrency int
	off               bool // -no-throttle
	noEdge            bool // -no-edge
}

// gateway builds what API Gateway and Lambda put in front of the functions
// on the deployed stage, from serverless.yml's local stage: CORS for the
// site's origin and ALLOWED_ORIGINS (the environment after the env file,
// the same list the functions check), the routes' throttling, and
// generate_session's reserved concurrency.
func gateway(root string, env map[string]string, l limits) (*devserver.Gateway, *devserver.Concurrency, error) {
	settings, err := devserver.LoadSettings(root, "local")
	if err != nil {
		return nil, nil, err
	}
	allowed, err := allowedOrigins(env)
	if err != nil {
		return nil, nil, err
	}
	settings.CORS.AllowOrigins = allowed
	gw := &devserver.Gateway{CORS: settings.CORS}
	if l.off {
		return gw, nil, nil
	}
	gw.Throttle = settings.Throttle
	gw.RouteThrottles = settings.RouteThrottles
	if l.rate >= 0 || l.burst >= 0 {
		gw.RouteThrottles = nil // one override for every route
	}
	if l.rate >= 0 {
		gw.Throttle.RateLimit = l.rate
	}
	if l.burst >= 0 {
		gw.Throttle.BurstLimit = l.burst
	}
	if !l.noEdge {
		// The deployed edge's per-client rules (CloudFront + WAF), whatever
		// the local stage's edgeProtection: make dev shows what production does.
		if gw.Edge, err = devserver.LoadEdge(root, "local"); err != nil {
			return nil, nil, err
		}
		gw.Edge.AllowOrigins = allowed
	}
	var signin *devserver.Concurrency
	if n, ok := settings.Reserved["generate_session"]; ok || l.signinConcurrency >= 0 {
		if l.signinConcurrency >= 0 {
			n = l.signinConcurrency
		}
		signin = devserver.ReservedConcurrency(n)
	}
	return gw, signin, nil
}

// allowedOrigins is the origin of SITE_CALLBACK_URL plus ALLOWED_ORIGINS,
// the pages the functions let start a sign-in.
func allowedOrigins(env map[string]string) (origins.Set, error) {
	list := []string{}
	if u, err := url.Parse(env["SITE_CALLBACK_URL"]); err == nil && u.Host != "" {
		list = append(list, origins.Of(u))
	}
	for _, o := range strings.Split(env["ALLOWED_ORIGINS"], ",") {
		if o = strings.TrimSpace(o); o != "" {
			list = append(list, o)
		}
	}
	set, err := origins.NewSet(list...)
	if err != nil {
		return set, fmt.Errorf("ALLOWED_ORIGINS: %w", err)
	}
	return set, nil
}

// describeGateway is the banner's account of the emulated gateway.
func describeGateway(gw *devserver.Gateway, signin *devserver.Concurrency) []string {
	lines := []string{"CORS for " + strings.Join(gw.CORS.AllowOrigins.List(), ", ")}
	if gw.Throttle == nil {
		return append(lines, "no throttling, no reserved concurrency (-no-throttle)")
	}
	if e := gw.Edge; e != nil {
		for _, r := range e.Rules {
			lines = append(lines, fmt.Sprintf("edge (WAF): %d requests per %g min per client IP to %s (beyond: %d)",
				r.Limit, r.Window.Minutes(), strings.Join(r.Paths, ", "), r.Status))
		}
		lines = append(lines, fmt.Sprintf("edge (WAF): %s from another site's page: 403", strings.Join(e.OriginPaths, ", ")))
	}
	lines = append(lines, fmt.Sprintf("%g requests/s, burst %d, per route (beyond: 429 Too Many Requests)",
		gw.Throttle.RateLimit, gw.Throttle.BurstLimit))
	for _, key := range slices.Sorted(maps.Keys(gw.RouteThrottles)) {
		t := gw.RouteThrottles[key]
		lines = append(lines, fmt.Sprintf("  %s: %g requests/s, burst %d", key, t.RateLimit, t.BurstLimit))
	}
	if signin != nil {
		lines = append(lines, fmt.Sprintf("generate_session: at most %d at once (beyond: 500, Lambda throttled)", signin.Reserved()))
	}
	return lines
}
