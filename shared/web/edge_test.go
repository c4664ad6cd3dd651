package web

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/rs/zerolog"
)

func TestRequestsAroundTheEdgeAreRefusedBeforeAnyWork(t *testing.T) {
	const cur, old = "current-edge-secret-0123456789abcdef", "previous-edge-secret-0123456789abcdef"
	var logs bytes.Buffer
	calls := 0
	h := ThroughEdge([]string{cur, old}, zerolog.New(&logs), func(context.Context, events.APIGatewayV2HTTPRequest) (events.APIGatewayV2HTTPResponse, error) {
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
