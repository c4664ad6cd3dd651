package web_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/rs/zerolog"

	"github.com/twitter-sessions/twitter-sessions/shared/unsubscribe"
	"github.com/twitter-sessions/twitter-sessions/shared/web"
)

const (
	aliceUID = "1234567890123456789"
	bobUID   = "9007199254740993"
)

type fakeUnsub struct {
	calls []string
	err   error
}

func (f *fakeUnsub) Unsubscribe(_ context.Context, uid string, _ time.Time) (bool, error) {
	f.calls = append(f.calls, uid)
	return true, f.err
}

func TestUnsubscribePage(t *testing.T) {
	t.Parallel()
	base, _ := url.Parse("https://api.brand.example/api/unsubscribe")
	links := unsubscribe.NewLinks(base, make([]byte, 32))
	good, _ := url.Parse(links.URL(aliceUID))
	req := func(method, rawQuery string) events.APIGatewayV2HTTPRequest {
		r := events.APIGatewayV2HTTPRequest{RawPath: unsubscribe.Path, RawQueryString: rawQuery}
		r.RequestContext.HTTP.Method = method
		return r
	}
	tests := []struct {
		name   string
		req    events.APIGatewayV2HTTPRequest
		err    error
		status int
		body   string
		calls  int
	}{
		{"opening the link asks to confirm and changes nothing", req("GET", good.RawQuery), nil, 200, `<form method="post" action="/api/unsubscribe?`, 0},
		{"confirming unsubscribes", req("POST", good.RawQuery), nil, 200, "You are unsubscribed", 1},
		{"a bad signature is a 400 that says so", req("GET", "uid="+aliceUID+"&sig=AAAA"), nil, 400, "not valid", 0},
		{"a bad signature cannot unsubscribe", req("POST", "uid="+bobUID+"&sig="+good.Query().Get("sig")), nil, 400, "not valid", 0},
		{"a repeated parameter is refused", req("POST", good.RawQuery+"&uid="+bobUID), nil, 400, "not valid", 0},
		{"a store failure shows the button again, not a 5xx", req("POST", good.RawQuery), errors.New("down"), 200, "try again", 1},
		{"other methods are refused", req("DELETE", good.RawQuery), nil, 405, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			store := &fakeUnsub{err: tt.err}
			p := &web.UnsubscribePage{Links: links, Users: store, Log: zerolog.Nop()}
			resp, err := p.Handle(context.Background(), tt.req)
			if err != nil || resp.StatusCode != tt.status || !strings.Contains(resp.Body, tt.body) || len(store.calls) != tt.calls {
				t.Fatalf("status %d err %v calls %v body %s", resp.StatusCode, err, store.calls, resp.Body)
			}
			if resp.Headers["Cache-Control"] != "no-store" || resp.Headers["Referrer-Policy"] != "no-referrer" || !strings.HasPrefix(resp.Headers["Content-Type"], "text/html") {
				t.Fatalf("headers %v", resp.Headers)
			}
		})
	}
}
