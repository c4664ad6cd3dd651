package web

import (
	"net/http"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/twitter-sessions/twitter-sessions/shared/origins"
)

func TestCheckOrigin(t *testing.T) {
	allowed, err := origins.NewSet("https://www.brand.example", "https://promo.brand.example")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		headers map[string]string
		reason  Reason // "" = allowed
	}{
		{"the site's own page is allowed", map[string]string{"origin": "https://www.brand.example"}, ""},
		{"an extra allowed origin is allowed", map[string]string{"origin": "https://promo.brand.example"}, ""},
		{"a header name in another case is read", map[string]string{"Origin": "https://www.brand.example"}, ""},
		{"another site is refused", map[string]string{"origin": "https://evil.example"}, ReasonOriginNotAllowed},
		{"the literal null is refused", map[string]string{"origin": "null"}, ReasonOriginNotAllowed},
		{"null does not fall back to an allowed Referer", map[string]string{"origin": "null", "referer": "https://www.brand.example/"}, ReasonOriginNotAllowed},
		{"an empty Origin is refused", map[string]string{"origin": ""}, ReasonOriginNotAllowed},
		{"another site's Origin wins over an allowed Referer", map[string]string{"origin": "https://evil.example", "referer": "https://www.brand.example/"}, ReasonOriginNotAllowed},
		{"without Origin an allowed Referer is enough", map[string]string{"referer": "https://www.brand.example/landing?utm_source=x"}, ""},
		{"without Origin another site's Referer is refused", map[string]string{"referer": "https://evil.example/www.brand.example"}, ReasonOriginNotAllowed},
		{"a Referer that is no URL is refused", map[string]string{"referer": "::::"}, ReasonOriginNotAllowed},
		{"with neither header the request is refused", map[string]string{}, ReasonOriginMissing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := CheckOrigin(&events.APIGatewayV2HTTPRequest{Headers: tt.headers}, allowed)
			switch {
			case tt.reason == "" && p != nil:
				t.Fatalf("refused: %+v", p)
			case tt.reason != "" && (p == nil || p.Reason != tt.reason || p.Status != http.StatusForbidden):
				t.Fatalf("got %+v, want 403 %s", p, tt.reason)
			}
		})
	}
}
