package web

import (
	"context"
	"crypto/subtle"
	"net/http"
	"sync"
	"time"

	"github.com/twitter-sessions/twitter-sessions/shared/clock"

	"github.com/aws/aws-lambda-go/events"
	"github.com/rs/zerolog"

	"github.com/twitter-sessions/twitter-sessions/shared/logging"
)

// EdgeSecretHeader is the header CloudFront adds to every request it sends
// to the HTTP API (serverless.yml, EdgeDistribution's origin): its value is
// the stage's edge secret (SSM, make secrets).
const EdgeSecretHeader = "x-edge-secret"

// HTTPHandler is a Lambda handler of HTTP API events.
type HTTPHandler func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error)

// EdgeGuard holds the origin header secrets a function accepts: the one
// CloudFront sends and those it may still send during a rotation.
type EdgeGuard struct {
	// Reload reads the secrets again (from SSM; nil: they cannot change).
	// A request with a header the guard does not know triggers it, at most
	// once per ReloadEvery, so that a warm function follows a rotation and
	// a flood of wrong headers costs at most one read a minute.
	Reload      func(context.Context) ([]string, error)
	ReloadEvery time.Duration    // default one minute
	Now         func() time.Time // default time.Now

	mu      sync.Mutex
	secrets [][]byte
	last    time.Time
}

// NewEdgeGuard accepts secrets (none: nothing is checked).
func NewEdgeGuard(secrets []string, reload func(context.Context) ([]string, error)) *EdgeGuard {
	g := &EdgeGuard{Reload: reload}
	g.set(secrets)
	g.last = g.now()
	return g
}

func (g *EdgeGuard) now() time.Time { return clock.Now(g.Now) }

func (g *EdgeGuard) set(secrets []string) {
	g.secrets = g.secrets[:0]
	for _, s := range secrets {
		g.secrets = append(g.secrets, []byte(s))
	}
}

func (g *EdgeGuard) knows(got []byte) bool {
	ok := 0
	for _, w := range g.secrets {
		ok |= subtle.ConstantTimeCompare(got, w)
	}
	return ok == 1
}

// Allows reports whether header is one of the secrets, reading them again
// first when it is not and the last read is old enough.
func (g *EdgeGuard) Allows(ctx context.Context, header string) (bool, error) {
	got := []byte(header)
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.knows(got) {
		return true, nil
	}
	every := g.ReloadEvery
	if every <= 0 {
		every = time.Minute
	}
	if len(got) == 0 || g.Reload == nil || g.now().Sub(g.last) < every {
		return false, nil
	}
	g.last = g.now()
	secrets, err := g.Reload(ctx)
	if err != nil {
		return false, err
	}
	g.set(secrets)
	return g.knows(got), nil
}

// ThroughEdge refuses, with 403 and before any work, a request that does
// not carry one of the guard's secrets in EdgeSecretHeader: with edge
// protection on, every genuine request comes through CloudFront and its WAF
// web ACL, and a request sent straight to the API's own address would
// escape their per-client limits. A nil guard returns h (edge protection
// off). The secret is compared in constant time and never logged.
func ThroughEdge(g *EdgeGuard, log zerolog.Logger, h HTTPHandler) HTTPHandler {
	if g == nil {
		return h
	}
	return func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		header := Header(&req, EdgeSecretHeader)
		ok, err := g.Allows(ctx, header)
		if ok {
			return h(ctx, req)
		}
		l := logging.ForInvocation(ctx, log)
		if err != nil {
			l.Error().Err(err).Msg("re-reading the origin header secrets failed")
		}
		l.Warn().Str("outcome", "refused").Stringer("reason", ReasonNotThroughEdge).
			Int("status", http.StatusForbidden).Bool("header", header != "").Str("path", req.RawPath).
			Msg("request refused: it did not come through the edge (CloudFront)")
		p := problem(http.StatusForbidden, ReasonNotThroughEdge, "requests reach this API through its CloudFront address only")
		return Refuse(p, WantsJSON(&req)), nil
	}
}
