package actions_test

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/rs/zerolog"

	"github.com/twitter-sessions/twitter-sessions/shared/actions"
)

func TestUnsubscribeLinks(t *testing.T) {
	t.Parallel()
	linkKey, nextLinkKey, encKey := make([]byte, 32), make([]byte, 32), make([]byte, 32)
	for i := range linkKey {
		linkKey[i], nextLinkKey[i], encKey[i] = byte(i), byte(255-i), byte(i*3)
	}
	cb, _ := url.Parse("https://api.brand.example/api/twitter-callback?x=1")
	base := actions.BaseFromCallback(cb)
	if base.String() != "https://api.brand.example/api/unsubscribe" {
		t.Fatalf("base %s", base)
	}
	links := actions.NewLinks(base, linkKey)
	link, _ := url.Parse(links.URL(aliceUID))
	sig := link.Query().Get("sig")
	changed := sig[:len(sig)-1] + "A" // the last character, whatever it was, made another
	if changed == sig {
		changed = sig[:len(sig)-1] + "Q"
	}
	// A link of the first scheme: signed with a key derived from the token
	// encryption key.
	legacy, _ := url.Parse(actions.NewLinks(base, actions.LegacyLinkKey(encKey)).URL(aliceUID))
	legacySig := legacy.Query().Get("sig")
	tests := []struct {
		name     string
		links    *actions.Links
		uid, sig string
		ok       bool
	}{
		{"a link verifies", links, aliceUID, sig, true},
		{"a link signed with an earlier link key still verifies", actions.NewLinks(base, nextLinkKey, linkKey), aliceUID, sig, true},
		{"a link of the first scheme verifies under its derived key", actions.NewLinks(base, linkKey, actions.LegacyLinkKey(encKey)), aliceUID, legacySig, true},
		{"the derived key is not the encryption key itself", actions.NewLinks(base, linkKey, encKey), aliceUID, legacySig, false},
		{"a signature does not work for another user", links, bobUID, sig, false},
		{"a changed signature fails", links, aliceUID, changed, false},
		{"an empty signature fails", links, aliceUID, "", false},
		{"a uid that is not an X id fails", links, "1.2e18", sig, false},
		{"a key that never signed it fails", actions.NewLinks(base, nextLinkKey), aliceUID, sig, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.links.Verify(tt.uid, tt.sig); got != tt.ok {
				t.Fatalf("Verify = %v", got)
			}
		})
	}
	if f := links.Footer("Hi", aliceUID); !strings.HasPrefix(f, "Hi\n\nStop these messages: https://api.brand.example/api/unsubscribe?sig=") {
		t.Fatalf("footer %q", f)
	}
}

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
	links := actions.NewLinks(base, make([]byte, 32))
	good, _ := url.Parse(links.URL(aliceUID))
	req := func(method, rawQuery string) events.APIGatewayV2HTTPRequest {
		r := events.APIGatewayV2HTTPRequest{RawPath: actions.UnsubscribePath, RawQueryString: rawQuery}
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
			p := &actions.UnsubscribePage{Links: links, Users: store, Log: zerolog.Nop()}
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
