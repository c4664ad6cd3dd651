package web

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/rs/zerolog"
)

func TestRequestsAroundTheEdgeAreRefusedBeforeAnyWork(t *testing.T) {
	const cur, old = "current-edge-secret-0123456789abcdef", "previous-edge-secret-0123456789abcdef"
	var logs bytes.Buffer
	calls := 0
	h := ThroughEdge(NewEdgeGuard([]string{cur, old}, nil), zerolog.New(&logs), func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		calls++
		return events.APIGatewayV2HTTPResponse{StatusCode: http.StatusSeeOther}, nil
	})
	for _, tc := range []struct {
		name    string
		headers map[string]string
		want    int
	}{
		{"no header: straight to the API's own address", map[string]string{}, http.StatusForbidden},
		{"a wrong value", map[string]string{EdgeSecretHeader: "guess"}, http.StatusForbidden},
		{"the current secret, as CloudFront sends it", map[string]string{EdgeSecretHeader: cur}, http.StatusSeeOther},
		{"the previous secret, during a rotation", map[string]string{EdgeSecretHeader: old}, http.StatusSeeOther},
		{"a prefix of the secret", map[string]string{EdgeSecretHeader: cur[:10]}, http.StatusForbidden},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := calls
			resp, err := h(context.Background(), events.APIGatewayV2HTTPRequest{Headers: tc.headers, RawPath: "/api/twitter-session"})
			if err != nil || resp.StatusCode != tc.want {
				t.Fatalf("status %d err %v, want %d", resp.StatusCode, err, tc.want)
			}
			if ran := calls > before; ran != (tc.want != http.StatusForbidden) {
				t.Fatalf("the handler ran: %v", ran)
			}
			if tc.want == http.StatusForbidden && !strings.Contains(resp.Body, "CloudFront") {
				t.Fatalf("body %q", resp.Body)
			}
		})
	}
	if strings.Contains(logs.String(), cur) || strings.Contains(logs.String(), old) || !strings.Contains(logs.String(), "not_through_edge") {
		t.Fatalf("logs: %s", logs.String())
	}
	// Edge protection off: no check at all.
	open := ThroughEdge(nil, zerolog.Nop(), func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
		return events.APIGatewayV2HTTPResponse{StatusCode: http.StatusOK}, nil
	})
	if resp, _ := open(context.Background(), events.APIGatewayV2HTTPRequest{}); resp.StatusCode != http.StatusOK {
		t.Fatalf("off: %d", resp.StatusCode)
	}
}

// After make rotate-edge-secret and a deploy, CloudFront may send the new
// secret to a warm function that read the old ones: it reads them again
// (at most once per ReloadEvery) and accepts it.
func TestAWarmFunctionFollowsARotationOfTheEdgeSecret(t *testing.T) {
	now := time.Date(2026, 12, 8, 0, 0, 0, 0, time.UTC)
	stored := []string{"first-secret-0123456789abcdef0123456789"}
	reads := 0
	g := NewEdgeGuard(stored, func(context.Context) ([]string, error) { reads++; return stored, nil })
	g.Now = func() time.Time { return now }
	g.last = now
	ctx := context.Background()
	if ok, _ := g.Allows(ctx, stored[0]); !ok {
		t.Fatal("the current secret is refused")
	}
	stored = []string{"second-secret-0123456789abcdef012345678", "first-secret-0123456789abcdef0123456789"}
	// Within the minute: no read, refused (a flood of guesses costs nothing).
	now = now.Add(30 * time.Second)
	if ok, _ := g.Allows(ctx, stored[0]); ok || reads != 0 {
		t.Fatalf("accepted %v after %d reads within the minute", ok, reads)
	}
	now = now.Add(31 * time.Second)
	if ok, _ := g.Allows(ctx, stored[0]); !ok || reads != 1 {
		t.Fatalf("the new secret: %v after %d reads", ok, reads)
	}
	if ok, _ := g.Allows(ctx, "first-secret-0123456789abcdef0123456789"); !ok {
		t.Fatal("the previous secret is refused during the rotation")
	}
	// No header (a request around the edge) never costs a read.
	now = now.Add(time.Hour)
	if ok, _ := g.Allows(ctx, ""); ok || reads != 1 {
		t.Fatalf("no header: %v, %d reads", ok, reads)
	}
	if ok, _ := g.Allows(ctx, "guess"); ok || reads != 2 {
		t.Fatalf("a wrong header: %v, %d reads", ok, reads)
	}
	if ok, _ := g.Allows(ctx, "guess"); ok || reads != 2 {
		t.Fatalf("a second wrong header within the minute: %v, %d reads", ok, reads)
	}
}
