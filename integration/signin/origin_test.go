package signin_test

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/tools/teststack"
)

// TestOnlyTheBrandsPagesCanStartASignIn is the login CSRF: a page of another
// site auto-submitting the form would otherwise get a 303 and the binding
// cookie, and X's authenticate step sends a returning subscriber straight
// back, completing a sign-in with choices the visitor never made. A refused
// request must reach neither X nor DynamoDB and set no cookie.
func TestOnlyTheBrandsPagesCanStartASignIn(t *testing.T) {
	t.Parallel()
	s := newStack(t, teststack.WithEnv("ALLOWED_ORIGINS", "https://promo.brand.example, http://127.0.0.1:8081"))
	tests := []struct {
		name    string
		headers map[string]string
		status  int
		reason  string
	}{
		{"the site's own page starts one", nil, http.StatusSeeOther, ""},
		{"a page on an extra allowed origin starts one", map[string]string{"origin": "https://promo.brand.example"}, http.StatusSeeOther, ""},
		{"a local page on an allowed port starts one", map[string]string{"origin": "http://127.0.0.1:8081"}, http.StatusSeeOther, ""},
		{"without Origin, an allowed Referer starts one", map[string]string{"origin": "", "referer": "https://brand.example/landing?utm_source=x"}, http.StatusSeeOther, ""},
		{"another site's page is refused", map[string]string{"origin": "https://evil.example"}, http.StatusForbidden, "origin_not_allowed"},
		{"another port of an allowed host is refused", map[string]string{"origin": "http://127.0.0.1:8082"}, http.StatusForbidden, "origin_not_allowed"},
		{"an opaque origin (null) is refused", map[string]string{"origin": "null"}, http.StatusForbidden, "origin_not_allowed"},
		{"without Origin, another site's Referer is refused", map[string]string{"origin": "", "referer": "https://evil.example/"}, http.StatusForbidden, "origin_not_allowed"},
		{"a request naming no page is refused", map[string]string{"origin": ""}, http.StatusForbidden, "origin_missing"},
		{"JSON mode is refused with the JSON failure shape", map[string]string{"origin": "https://evil.example", "accept": "application/json"}, http.StatusForbidden, "origin_not_allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			xBefore, sessionsBefore := s.calls("request_token"), s.count(s.cfg.SessionTable)
			resp, err := s.h.StartSignIn(teststack.LambdaContext(t, 10*time.Second), formRequest("follow=true&tweet=true", tt.headers))
			if err != nil || resp.StatusCode != tt.status {
				t.Fatalf("status %d (want %d), err %v, body %q", resp.StatusCode, tt.status, err, resp.Body)
			}
			xCalls, sessions := s.calls("request_token")-xBefore, s.count(s.cfg.SessionTable)-sessionsBefore
			if tt.reason == "" {
				if xCalls != 1 || sessions != 1 || len(resp.Cookies) != 1 {
					t.Fatalf("an allowed start made %d X calls, %d sessions, cookies %v", xCalls, sessions, resp.Cookies)
				}
				return
			}
			if xCalls != 0 || sessions != 0 || len(resp.Cookies) != 0 || resp.Headers["Location"] != "" {
				t.Fatalf("a refused start made %d X calls, %d sessions, cookies %v, location %q", xCalls, sessions, resp.Cookies, resp.Headers["Location"])
			}
			if tt.headers["accept"] == "application/json" {
				var body map[string]string
				if err := json.Unmarshal([]byte(resp.Body), &body); err != nil || body["result"] != "fail" || body["reason"] != tt.reason || body["error"] == "" {
					t.Fatalf("JSON body %q", resp.Body)
				}
			} else if resp.Body == "" {
				t.Fatal("a refusal without a message")
			}
		})
	}
}

// TestAForgedPostCannotChangeAReturningSubscriber: a subscriber who signed up
// without the opt-in post and the follow keeps those choices, and gets no
// post queued, when another site posts the form for them.
func TestAForgedPostCannotChangeAReturningSubscriber(t *testing.T) {
	t.Parallel()
	s := newStack(t)
	st := s.mustStart("follow=false&utm_source=newsletter")
	if q := result(t, s.callback(s.authorize(st, aliceUID), st.cookie)); q.Get("result") != "success" {
		t.Fatalf("sign-up: %v", q)
	}
	before := s.user(aliceUID)
	resp, err := s.h.StartSignIn(teststack.LambdaContext(t, 10*time.Second),
		formRequest("follow=true&tweet=true&utm_source=evil", map[string]string{"origin": "https://evil.example"}))
	if err != nil || resp.StatusCode != http.StatusForbidden {
		t.Fatalf("forged start: status %d err %v", resp.StatusCode, err)
	}
	after := s.user(aliceUID)
	if dynamo.GetBool(after, "tweet") || dynamo.GetBool(after, "follow") {
		t.Fatal("the forged post changed the stored choices")
	}
	if _, ok := after["a_tweet"]; ok {
		t.Fatal("the forged post queued an opt-in post")
	}
	if got := dynamo.GetStringMap(after, "last_attribution")["utm_source"]; got != "newsletter" {
		t.Fatalf("last attribution %q", got)
	}
	if n, _ := dynamo.GetInt(after, "logins"); n != 1 || len(after) != len(before) {
		t.Fatalf("the item changed: logins %d, %d attributes (was %d)", n, len(after), len(before))
	}
}
