package signin_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"

	"github.com/twitter-sessions/twitter-sessions/shared/app"
	"github.com/twitter-sessions/twitter-sessions/shared/config"
	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/shared/seal"
	"github.com/twitter-sessions/twitter-sessions/tools/teststack"
)

// TestUnsubscribeLinksOutliveTheTokenKeys: a welcome DM goes out with its
// unsubscribe link; the operator then rotates the token encryption key and
// drops the old one, as the runbook says; the link in the DM still
// unsubscribes. (When the link key was derived from the token key, this
// link answered "This link is not valid" for good.)
func TestUnsubscribeLinksOutliveTheTokenKeys(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	for _, form := range []struct{ uid, form string }{{brandUID, "brand=true"}, {aliceUID, "follow=false"}} { // the brand first: it sends the welcome DM
		uid := form.uid
		st := s.mustStart(form.form)
		if q := result(t, s.callback(s.authorize(st, uid), st.cookie)); q.Get("result") != "success" {
			t.Fatalf("sign-in of %s: %v", uid, q)
		}
	}
	// The users table's stream delivers alice's sign-in to twitter_actions.
	stream, _ := json.Marshal(map[string]any{"Records": []map[string]any{{
		"eventID": "1", "eventName": "INSERT", "eventSource": "aws:dynamodb",
		"dynamodb": map[string]any{"Keys": map[string]any{"uid": map[string]string{"N": aliceUID}}, "SequenceNumber": "100"},
	}}})
	if _, err := s.deps.Actions().Handle(teststack.LambdaContext(t, time.Minute), stream); err != nil {
		t.Fatal(err)
	}
	var link string
	for _, dm := range s.sandbox.DMs() {
		if dm.SenderID == brandUID && dm.RecipientID == aliceUID {
			_, link, _ = strings.Cut(dm.Text, "Stop these messages: ")
		}
	}
	u, err := url.Parse(link)
	if link == "" || err != nil || u.Query().Get("sig") == "" {
		t.Fatalf("no unsubscribe link in the welcome DM: %v", s.sandbox.DMs())
	}

	// Rotate and drop: the functions now hold only a new token key.
	newKey := make([]byte, seal.KeySize)
	if _, err := rand.Read(newKey); err != nil {
		t.Fatal(err)
	}
	rotated := *s.cfg
	rotated.EncryptionKeys = config.Keys{newKey}
	sealer, err := seal.New(newKey)
	if err != nil {
		t.Fatal(err)
	}
	fresh := app.New(&rotated, s.deps.Log, s.deps.DB, sealer)
	routes := fresh.CallbackRoutes()
	unsubscribe := func(method string) events.APIGatewayV2HTTPResponse {
		req := events.APIGatewayV2HTTPRequest{RouteKey: method + " /api/unsubscribe", RawPath: u.Path, RawQueryString: u.RawQuery}
		req.RequestContext.HTTP.Method = method
		resp, err := routes(context.Background(), req)
		if err != nil {
			t.Fatal(err)
		}
		return resp
	}
	if resp := unsubscribe(http.MethodGet); resp.StatusCode != http.StatusOK || !strings.Contains(resp.Body, `<form method="post"`) {
		t.Fatalf("opening the link after the rotation: %d %s", resp.StatusCode, resp.Body)
	}
	if resp := unsubscribe(http.MethodPost); resp.StatusCode != http.StatusOK || !strings.Contains(resp.Body, "You are unsubscribed") {
		t.Fatalf("confirming after the rotation: %d %s", resp.StatusCode, resp.Body)
	}
	if dynamo.GetBool(s.user(aliceUID), "subscribed") {
		t.Fatal("alice is still subscribed")
	}
}
