package signin_test

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/web"
	"github.com/twitter-sessions/twitter-sessions/tools/teststack"
)

const edgeSecret = "edge-secret-for-the-test-0123456789abcdef"

// With edge protection on, the functions' own handlers (as the Lambdas
// serve them) refuse a request sent around CloudFront with 403, before any
// work: no session written, no call to X.
func TestRequestsAroundTheEdgeAreRefusedByTheFunctions(t *testing.T) {
	s := newStack(t, teststack.WithEnv("EDGE_PROTECTION", "true"), teststack.WithEnv("EDGE_SECRET", edgeSecret),
		teststack.WithEnv("ALLOWED_ORIGINS", "https://brand.example"))
	ctx := teststack.LambdaContext(t, 10*time.Second)
	start, callback := s.deps.StartSignIn(), s.deps.CallbackRoutes()

	resp, err := start(ctx, formRequest("follow=false", nil))
	if err != nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("start without the header: %d %v", resp.StatusCode, err)
	}
	if n := s.ts.Count(s.cfg.SessionTable); n != 0 {
		t.Fatalf("%d sessions written for a refused start", n)
	}
	if n := s.ts.Calls("/oauth/request_token"); n != 0 {
		t.Fatalf("%d calls to X for a refused start", n)
	}
	resp, err = callback(ctx, callbackRequest("oauth_token=x&oauth_verifier=y"))
	if err != nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("callback without the header: %d %v", resp.StatusCode, err)
	}
	// The unsubscribe page stays reachable without the header: the links in
	// DMs already sent name the API's own address (the callback's host before
	// the edge), they are signed, and the route has a throttle of its own.
	if _, err := s.svc.Users.SaveSignIn(ctx, signin.User{Identity: signin.Identity{UserID: aliceUID, ScreenName: "alice"}, SignedInAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	link, _ := url.Parse(s.deps.Links.URL(aliceUID))
	unsub := callbackRequest(link.RawQuery)
	unsub.RouteKey, unsub.RawPath = "POST /api/unsubscribe", "/api/unsubscribe"
	unsub.RequestContext.HTTP.Method, unsub.RequestContext.HTTP.Path = http.MethodPost, "/api/unsubscribe"
	if resp, err = callback(ctx, unsub); err != nil || resp.StatusCode == http.StatusForbidden || resp.StatusCode >= 400 {
		t.Fatalf("an unsubscribe link without the header: %d %v %s", resp.StatusCode, err, resp.Body)
	}
	if dynamo.GetBool(s.user(aliceUID), "subscribed") {
		t.Fatal("the unsubscribe link sent before the edge did not unsubscribe")
	}

	// Through CloudFront (the header as it sends it): the sign-in starts.
	resp, err = start(ctx, formRequest("follow=false", map[string]string{web.EdgeSecretHeader: edgeSecret}))
	if err != nil || resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("start through the edge: %d %v %s", resp.StatusCode, err, resp.Body)
	}
	if n := s.ts.Count(s.cfg.SessionTable); n != 1 {
		t.Fatalf("%d sessions after a start through the edge", n)
	}
}
