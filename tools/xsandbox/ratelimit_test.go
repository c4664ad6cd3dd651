package xsandbox

import (
	"net/http"
	"strconv"
	"testing"
	"time"
)

func rateHeaders(t *testing.T, resp response) (limit, remaining int, reset int64) {
	t.Helper()
	var err error
	if limit, err = strconv.Atoi(resp.header.Get("x-rate-limit-limit")); err != nil {
		t.Fatalf("x-rate-limit-limit %q", resp.header.Get("x-rate-limit-limit"))
	}
	if remaining, err = strconv.Atoi(resp.header.Get("x-rate-limit-remaining")); err != nil {
		t.Fatalf("x-rate-limit-remaining %q", resp.header.Get("x-rate-limit-remaining"))
	}
	if reset, err = strconv.ParseInt(resp.header.Get("x-rate-limit-reset"), 10, 64); err != nil {
		t.Fatalf("x-rate-limit-reset %q", resp.header.Get("x-rate-limit-reset"))
	}
	return limit, remaining, reset
}

func TestEveryV2AnswerCarriesRateLimitHeaders(t *testing.T) {
	tests := []struct {
		name       string
		req        request
		wantStatus int
	}{
		{"a 200 from users/me", request{method: "GET", path: "/2/users/me"}, 200},
		{"a 201 from a post", request{method: "POST", path: "/2/tweets", json: `{"text":"hi"}`}, 201},
		{"a 400 from a malformed DM", request{method: "POST", path: dmPath(bobID), json: `{`}, 400},
		{"a 403 from a refused DM", request{method: "POST", path: dmPath(carolID), json: `{"text":"hi"}`}, 403},
		{"a 401 from a bad signature", request{method: "GET", path: "/2/users/me", tamper: replaceParam("oauth_signature", "x")}, 401},
	}
	for _, tt := range tests {
		t.Run(tt.name+" carries them", func(t *testing.T) {
			h := newHarness(t)
			resp := h.do(h.userSigner(aliceID), tt.req)
			requireStatus(t, resp, tt.wantStatus)
			limit, remaining, reset := rateHeaders(t, resp)
			if limit <= 0 || remaining < 0 || remaining > limit || reset != h.clock.Now().Add(15*time.Minute).Unix() {
				t.Errorf("limit %d remaining %d reset %d", limit, remaining, reset)
			}
		})
	}
}

func TestRateLimitWindowsArePerEndpointAndUser(t *testing.T) {
	h := newHarness(t)
	h.clock.Advance(500 * time.Millisecond) // the reset must round up, never early
	h.sb.SetRateLimit(EndpointDM, 2, 15*time.Minute)
	start := h.clock.Now()
	wantReset := start.Add(15*time.Minute).Unix() + 1
	brand := h.userSigner(brandID)
	send := func(s signer) response {
		return h.do(s, request{method: "POST", path: dmPath(aliceID), json: `{"text":"hi"}`})
	}

	for i, wantRemaining := range []int{1, 0} {
		resp := send(brand)
		limit, remaining, reset := rateHeaders(t, resp)
		if resp.status != 201 || limit != 2 || remaining != wantRemaining || reset != wantReset {
			t.Fatalf("DM %d: %d limit %d remaining %d reset %d, want 201 2 %d %d", i+1, resp.status, limit, remaining, reset, wantRemaining, wantReset)
		}
		h.clock.Advance(time.Minute)
	}

	t.Run("the third DM in the window answers 429 with the true reset", func(t *testing.T) {
		resp := send(brand)
		if resp.status != http.StatusTooManyRequests {
			t.Fatalf("status %d", resp.status)
		}
		if p := parseProblem(t, resp); p.Title != "Too Many Requests" || p.Type != "about:blank" {
			t.Errorf("problem %+v", p)
		}
		if _, remaining, reset := rateHeaders(t, resp); remaining != 0 || reset != wantReset {
			t.Errorf("remaining %d reset %d, want 0 %d", remaining, reset, wantReset)
		}
		if n := len(h.sb.DMs()); n != 2 {
			t.Errorf("%d DMs recorded, want 2", n)
		}
	})
	t.Run("another user has a window of their own", func(t *testing.T) {
		if resp := h.do(h.userSigner(bobID), request{method: "POST", path: dmPath(aliceID), json: `{"text":"hi"}`}); resp.status != 201 {
			t.Errorf("bob's DM: %d", resp.status)
		}
	})
	t.Run("another endpoint is not limited", func(t *testing.T) {
		if resp := h.do(brand, request{method: "GET", path: "/2/users/me"}); resp.status != 200 {
			t.Errorf("users/me: %d", resp.status)
		}
	})
	t.Run("after the reset the user may send again", func(t *testing.T) {
		h.clock.Advance(time.Unix(wantReset, 0).Sub(h.clock.Now()))
		resp := send(brand)
		if _, remaining, _ := rateHeaders(t, resp); resp.status != 201 || remaining != 1 {
			t.Errorf("got %d remaining %d, want 201 with 1 remaining", resp.status, remaining)
		}
	})
	t.Run("a limit of 0 removes the limit", func(t *testing.T) {
		h.sb.SetRateLimit(EndpointDM, 0, 0)
		for range 3 {
			if resp := send(brand); resp.status != 201 {
				t.Fatalf("got %d", resp.status)
			}
		}
	})
}

func TestOAuthEndpointsAreLimitedPerAppWhenALimitIsSet(t *testing.T) {
	h := newHarness(t)
	req := request{method: "POST", path: "/oauth/request_token", oauth: map[string]string{"oauth_callback": testCallback}}
	if resp := h.do(h.signer(), req); resp.header.Get("x-rate-limit-limit") != "" {
		t.Errorf("an unlimited OAuth endpoint sent rate-limit headers")
	}
	h.sb.SetRateLimit(EndpointRequestToken, 1, time.Minute)
	if resp := h.do(h.signer(), req); resp.status != 200 || resp.header.Get("x-rate-limit-remaining") != "0" {
		t.Fatalf("first: %d remaining %q", resp.status, resp.header.Get("x-rate-limit-remaining"))
	}
	resp := h.do(h.signer(), req)
	if resp.status != http.StatusTooManyRequests || xCode(t, resp.body) != 88 {
		t.Errorf("second: %d %s, want 429 code 88", resp.status, resp.body)
	}
}
