package web

import (
	"net/http"
	"net/url"

	"github.com/aws/aws-lambda-go/events"

	"github.com/twitter-sessions/twitter-sessions/shared/origins"
)

// CheckOrigin refuses (403) a sign-in that the brand's own pages did not
// start: a login CSRF. X's oauth/authenticate sends a visitor who authorized
// the app before straight back without asking, so any page that could post
// our form would choose, for a returning subscriber who merely visits it,
// what their account posts and follows.
//
// The page is named by Origin (the Fetch standard sends it on every
// cross-origin POST, and browsers of the last years on same-origin POSTs
// too); a request without one falls back to the origin of Referer; with
// neither, it is refused. "null" (a sandboxed frame, a data: URL, a redirect
// across origins) is never allowed and does not fall back. The decision is
// made on Origin rather than on Sec-Fetch-Site because the deployed page and
// API are on different sites (the brand's domain and execute-api).
func CheckOrigin(req *events.APIGatewayV2HTTPRequest, allowed origins.Set) *Problem {
	if o, ok := lookupHeader(req, "origin"); ok {
		if allowed.Allows(o) {
			return nil
		}
		return problem(http.StatusForbidden, ReasonOriginNotAllowed, "sign-ins start from the brand's own page; this request came from another origin")
	}
	ref := Header(req, "referer")
	if ref == "" {
		return problem(http.StatusForbidden, ReasonOriginMissing, "sign-ins start from the brand's own page; this request names no page (no Origin or Referer header)")
	}
	u, err := url.Parse(ref)
	if err != nil || u.Host == "" || !allowed.Allows(origins.Of(u)) {
		return problem(http.StatusForbidden, ReasonOriginNotAllowed, "sign-ins start from the brand's own page; this request came from another origin")
	}
	return nil
}
