package xsandbox

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// control calls the control API over HTTP, as a test in another process
// would.
func (h *harness) control(method, path, body string) response {
	h.t.Helper()
	return h.jsonRequest(method, path, body, nil)
}

// jsonRequest sends body (JSON, when not empty) with the given headers.
func (h *harness) jsonRequest(method, path, body string, headers map[string]string) response {
	h.t.Helper()
	r, err := http.NewRequest(method, h.srv.URL+path, strings.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	for k, v := range headers {
		r.Header.Set(k, v)
	}
	if body != "" {
		r.Header.Set("Content-Type", "application/json")
	}
	resp, err := send(r)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp
}

func TestControlAPIInjectsAndClearsFaults(t *testing.T) {
	h := newHarness(t)
	alice := h.userSigner(aliceID)
	dm := request{method: "POST", path: dmPath(bobID), json: `{"text":"hi"}`}

	resp := h.control("POST", "/_sandbox/faults", `{"endpoint":"dm","problem_type":"`+ProblemUsageCapped+`","delay_ms":20,"times":1,"headers":{"X-Test":"1"}}`)
	if resp.status != http.StatusNoContent {
		t.Fatalf("POST faults: %d %s", resp.status, resp.body)
	}
	start := time.Now()
	got := h.do(alice, dm)
	if got.status != 429 || parseProblem(t, got).Type != ProblemUsageCapped || got.header.Get("X-Test") != "1" || time.Since(start) < 20*time.Millisecond {
		t.Errorf("faulted DM: %d %s %v", got.status, got.body, got.header)
	}
	if got := h.do(alice, dm); got.status != 201 {
		t.Errorf("the fault outlived its times: %d", got.status)
	}
	h.control("POST", "/_sandbox/faults", `{"endpoint":"dm","status":429,"reset_in_ms":60000}`)
	if got := h.do(alice, dm); got.status != 429 {
		t.Errorf("429 fault: %d", got.status)
	} else if _, _, reset := rateHeaders(t, got); reset != h.clock.Now().Add(time.Minute).Unix() {
		t.Errorf("reset_in_ms 60000: reset %d, want a minute after the answer", reset)
	}

	h.control("POST", "/_sandbox/faults", `{"endpoint":"dm","status":500,"x_code":131,"times":3}`)
	if resp := h.control("DELETE", "/_sandbox/faults", ""); resp.status != http.StatusNoContent {
		t.Fatalf("DELETE faults: %d", resp.status)
	}
	if got := h.do(alice, dm); got.status != 201 {
		t.Errorf("a cleared fault applied: %d", got.status)
	}

	h.control("POST", "/_sandbox/faults", `{"endpoint":"tweet","close_conn":true}`)
	if _, err := h.try(alice, request{method: "POST", path: "/2/tweets", json: `{"text":"x"}`}); err == nil {
		t.Error("close_conn did not drop the connection")
	}
	if len(h.sb.Tweets()) != 0 {
		t.Error("close_conn let the post through")
	}
	h.control("POST", "/_sandbox/faults", `{"endpoint":"tweet","close_conn":true,"after":true}`)
	if _, err := h.try(alice, request{method: "POST", path: "/2/tweets", json: `{"text":"y"}`}); err == nil || len(h.sb.Tweets()) != 1 {
		t.Errorf("after: the post was not made, or its answer not dropped (%v)", err)
	}
}

func TestControlAPIRefusesBadRequests(t *testing.T) {
	tests := []struct {
		name, method, path, body string
		wantStatus               int
	}{
		{"a fault for an unknown endpoint is refused", "POST", "/_sandbox/faults", `{"endpoint":"users/me","status":500}`, 400},
		{"a fault with an unknown field is refused", "POST", "/_sandbox/faults", `{"endpoint":"dm","delay":5}`, 400},
		{"a fault with a negative delay is refused", "POST", "/_sandbox/faults", `{"endpoint":"dm","delay_ms":-1}`, 400},
		{"a fault with a negative reset is refused", "POST", "/_sandbox/faults", `{"endpoint":"dm","status":429,"reset_in_ms":-1}`, 400},
		{"a fault with an impossible status is refused", "POST", "/_sandbox/faults", `{"endpoint":"dm","status":1000}`, 400},
		{"a fault after the handling without an answer to replace X's is refused", "POST", "/_sandbox/faults", `{"endpoint":"dm","after":true}`, 400},
		{"a body that is not JSON is refused", "POST", "/_sandbox/ratelimits", `endpoint=dm`, 400},
		{"a rate limit for an unknown endpoint is refused", "POST", "/_sandbox/ratelimits", `{"endpoint":"dms","limit":1}`, 400},
		{"a revoke without a user is refused", "POST", "/_sandbox/revoke", `{}`, 400},
		{"approving an unknown token is not found", "POST", "/_sandbox/approve", `{"request_token":"nope","user_id":"` + aliceID + `"}`, 404},
		{"a token for an unknown user is not found", "POST", "/_sandbox/tokens", `{"user_id":"42"}`, 404},
		{"an unknown control path is not found", "GET", "/_sandbox/nope", ``, 404},
		{"a wrong method is not found", "PUT", "/_sandbox/calls", ``, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			resp := h.control(tt.method, tt.path, tt.body)
			requireStatus(t, resp, tt.wantStatus)
			var e struct{ Error string }
			if err := json.Unmarshal([]byte(resp.body), &e); err != nil || e.Error == "" {
				t.Errorf("body %q, want {\"error\":...}", resp.body)
			}
		})
	}
}

func TestControlAPIListsAndResetsCalls(t *testing.T) {
	h := newHarness(t)
	if resp := h.control("GET", "/_sandbox/calls", ""); strings.TrimSpace(resp.body) != "[]" {
		t.Errorf("no calls yet: %s, want []", resp.body)
	}
	h.do(h.userSigner(aliceID), request{method: "POST", path: "/2/tweets", json: `{"text":"hi"}`})

	resp := h.control("GET", "/_sandbox/calls", "")
	var calls []map[string]any
	if err := json.Unmarshal([]byte(resp.body), &calls); err != nil {
		t.Fatalf("calls: %v in %s", err, resp.body)
	}
	if len(calls) != 1 {
		t.Fatalf("calls = %s, want only the tweet (control calls are not recorded)", resp.body)
	}
	for k, want := range map[string]any{"method": "POST", "path": "/2/tweets", "endpoint": "tweet", "status": 201.0, "user_id": aliceID, "body": `{"text":"hi"}`, "error": ""} {
		if calls[0][k] != want {
			t.Errorf("%s = %v, want %v", k, calls[0][k], want)
		}
	}
	if _, ok := calls[0]["at"].(string); !ok {
		t.Errorf("at = %v, want an RFC 3339 time", calls[0]["at"])
	}

	if resp := h.control("DELETE", "/_sandbox/calls", ""); resp.status != http.StatusNoContent {
		t.Fatalf("DELETE calls: %d", resp.status)
	}
	if resp := h.control("GET", "/_sandbox/calls", ""); strings.TrimSpace(resp.body) != "[]" {
		t.Errorf("after DELETE: %s", resp.body)
	}
}

func TestControlAPISetsRateLimits(t *testing.T) {
	h := newHarness(t)
	if resp := h.control("POST", "/_sandbox/ratelimits", `{"endpoint":"tweet","limit":1,"window_s":60}`); resp.status != http.StatusNoContent {
		t.Fatalf("POST ratelimits: %d %s", resp.status, resp.body)
	}
	alice := h.userSigner(aliceID)
	h.do(alice, request{method: "POST", path: "/2/tweets", json: `{"text":"one"}`})
	resp := h.do(alice, request{method: "POST", path: "/2/tweets", json: `{"text":"two"}`})
	if _, _, reset := rateHeaders(t, resp); resp.status != 429 || reset != h.clock.Now().Add(time.Minute).Unix() {
		t.Errorf("second tweet: %d reset %d", resp.status, reset)
	}
}

func TestControlAPIRevokesTokens(t *testing.T) {
	h := newHarness(t)
	alice := h.userSigner(aliceID)
	bob := h.userSigner(bobID)
	if resp := h.control("POST", "/_sandbox/revoke", `{"user_id":"`+aliceID+`"}`); resp.status != http.StatusNoContent {
		t.Fatalf("revoke: %d", resp.status)
	}
	if resp := h.do(alice, request{method: "GET", path: "/2/users/me"}); resp.status != 401 {
		t.Errorf("alice after revoke: %d", resp.status)
	}
	if resp := h.do(bob, request{method: "GET", path: "/2/users/me"}); resp.status != 200 {
		t.Errorf("bob: %d", resp.status)
	}
}

func TestControlAPIShowsState(t *testing.T) {
	h := newHarness(t)
	resp := h.control("GET", "/_sandbox/state", "")
	if !strings.Contains(resp.body, `"follows":[]`) || !strings.Contains(resp.body, `"dms":[]`) || !strings.Contains(resp.body, `"tweets":[]`) {
		t.Errorf("empty state: %s, want empty lists", resp.body)
	}
	brand := h.userSigner(brandID)
	h.do(h.userSigner(aliceID), request{method: "POST", path: followPath(aliceID), json: `{"target_user_id":"` + brandID + `"}`})
	h.do(brand, request{method: "POST", path: dmPath(aliceID), json: `{"text":"Welcome"}`})
	h.do(brand, request{method: "POST", path: "/2/tweets", json: `{"text":"Hello"}`})

	resp = h.control("GET", "/_sandbox/state", "")
	var st State
	if err := json.Unmarshal([]byte(resp.body), &st); err != nil {
		t.Fatal(err)
	}
	if len(st.Follows) != 1 || st.Follows[0].SourceUserID != aliceID || st.Follows[0].TargetUserID != brandID {
		t.Errorf("follows %+v", st.Follows)
	}
	if len(st.DMs) != 1 || st.DMs[0].SenderID != brandID || st.DMs[0].RecipientID != aliceID || st.DMs[0].Text != "Welcome" {
		t.Errorf("dms %+v", st.DMs)
	}
	if len(st.Tweets) != 1 || st.Tweets[0].AuthorID != brandID {
		t.Errorf("tweets %+v", st.Tweets)
	}
	if len(st.Users) != 5 {
		t.Errorf("users %+v", st.Users)
	}
	for _, key := range []string{`"source_user_id"`, `"dm_event_id"`, `"sender_id"`, `"recipient_id"`, `"author_id"`, `"accepts_dms_from"`} {
		if !strings.Contains(resp.body, key) {
			t.Errorf("state lacks %s", key)
		}
	}
}

func TestControlAPISignsInWithoutABrowser(t *testing.T) {
	h := newHarness(t)
	token, secret := h.requestToken()
	resp := h.control("POST", "/_sandbox/approve", `{"request_token":"`+token+`","user_id":"`+bobID+`"}`)
	var approved struct {
		CallbackURL string `json:"callback_url"`
	}
	if err := json.Unmarshal([]byte(resp.body), &approved); err != nil || resp.status != 200 {
		t.Fatalf("approve: %d %s", resp.status, resp.body)
	}
	verifier := mustParseURL(t, approved.CallbackURL).Query().Get("oauth_verifier")
	got := h.do(h.signer().withToken(token, secret), request{method: "POST", path: "/oauth/access_token", oauth: map[string]string{"oauth_verifier": verifier}})
	if v := mustParseForm(t, got.body); v.Get("user_id") != bobID {
		t.Errorf("access_token: %d %s", got.status, got.body)
	}
	if resp := h.control("POST", "/_sandbox/approve", `{"request_token":"`+token+`","user_id":"`+bobID+`"}`); resp.status != http.StatusConflict {
		t.Errorf("approving again: %d, want 409", resp.status)
	}

	other, _ := h.requestToken()
	resp = h.control("POST", "/_sandbox/deny", `{"request_token":"`+other+`"}`)
	if resp.status != 200 || !strings.Contains(resp.body, "denied="+other) {
		t.Errorf("deny: %d %s", resp.status, resp.body)
	}
}

func TestControlAPIIssuesTokens(t *testing.T) {
	h := newHarness(t)
	resp := h.control("POST", "/_sandbox/tokens", `{"user_id":"`+carolID+`"}`)
	var tok struct {
		Token  string `json:"oauth_token"`
		Secret string `json:"oauth_token_secret"`
		UserID string `json:"user_id"`
	}
	if err := json.Unmarshal([]byte(resp.body), &tok); err != nil || tok.UserID != carolID {
		t.Fatalf("tokens: %d %s", resp.status, resp.body)
	}
	me := h.do(h.signer().withToken(tok.Token, tok.Secret), request{method: "GET", path: "/2/users/me"})
	if !strings.Contains(me.body, `"username":"carol"`) {
		t.Errorf("users/me with the issued token: %d %s", me.status, me.body)
	}
}

func TestThePanelRedirectsWithoutTheSlashAndIsNotRecorded(t *testing.T) {
	h := newHarness(t)
	r, _ := http.NewRequest("GET", h.srv.URL+"/_sandbox", nil)
	resp, err := send(r)
	if err != nil {
		t.Fatal(err)
	}
	if loc, _ := url.Parse(resp.header.Get("Location")); resp.status/100 != 3 || loc.Path != "/_sandbox/" {
		t.Errorf("GET /_sandbox: %d %s", resp.status, resp.header.Get("Location"))
	}
	h.get("/_sandbox/")
	if calls := h.sb.Calls(); len(calls) != 0 {
		t.Errorf("control calls were recorded: %+v", calls)
	}
}
