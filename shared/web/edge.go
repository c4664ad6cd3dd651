package web

import (
	"context"
	"crypto/subtle"
	"net/http"

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

// ThroughEdge refuses, with 403 and before any work, a request that does
// not carry one of secrets in EdgeSecretHeader: with edge protection on,
// every genuine request comes through CloudFront and its WAF web ACL, and a
// request sent straight to the API's own address would escape their
// per-client limits. Without secrets (edge protection off) it returns h.
// The secret is compared in constant time and never logged.
func ThroughEdge(secrets []string, log zerolog.Logger, h HTTPHandler) HTTPHandler {
	if len(secrets) == 0 {
		return h
	}
	want := make([][]byte, len(secrets))
	for i, s := range secrets {
		want[i] = []byte(s)
	}
	return func(ctx context.Context, req events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		got := []byte(Header(&req, EdgeSecretHeader))
		ok := 0
		for _, w := range want {
			ok |= subtle.ConstantTimeCompare(got, w)
		}
		if ok == 1 {
			return h(ctx, req)
		}
		l := logging.ForInvocation(ctx, log)
		l.Warn().Str("outcome", "refused").Str("reason", string(ReasonNotThroughEdge)).
			Int("status", http.StatusForbidden).Bool("header", len(got) > 0).Str("path", req.RawPath).
			Msg("request refused: it did not come through the edge (CloudFront)")
		p := problem(http.StatusForbidden, ReasonNotThroughEdge, "requests reach this API through its CloudFront address only")
		return Refuse(p, WantsJSON(&req)), nil
	}
}
