package xsandbox

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

const invalidatePath = "/1.1/oauth/invalidate_token"

func TestInvalidateTokenEndsTheTokenEverywhere(t *testing.T) {
	for _, path := range []string{invalidatePath, invalidatePath + ".json"} {
		t.Run("POST "+path+" invalidates the token it is signed with", func(t *testing.T) {
			h := newHarness(t)
			alice := h.userSigner(aliceID)
			other := h.userSigner(aliceID) // alice signed in twice: two tokens
			requireStatus(t, h.do(alice, request{method: "GET", path: "/2/users/me"}), http.StatusOK)

			resp := h.do(alice, request{method: "POST", path: path})
			requireStatus(t, resp, http.StatusOK)
			if want := `{"access_token":"` + alice.token + `"}`; strings.TrimSpace(resp.body) != want {
				t.Errorf("body %s, want %s", resp.body, want)
			}
			c := h.lastCall()
			if c.Endpoint != EndpointInvalidateToken || c.Status != http.StatusOK || c.UserID != aliceID || c.Error != "" || c.Body != "" {
				t.Errorf("recorded %+v", c)
			}

			requireStatus(t, h.do(alice, request{method: "GET", path: "/2/users/me"}), http.StatusUnauthorized)
			again := h.do(alice, request{method: "POST", path: path})
			requireStatus(t, again, http.StatusUnauthorized)
			if code := xCode(t, again.body); code != 89 {
				t.Errorf("invalidating it again answered code %d, want 89", code)
			}
			// Only that token: her other sign-in's token still works.
			requireStatus(t, h.do(other, request{method: "GET", path: "/2/users/me"}), http.StatusOK)
		})
	}
}

func TestInvalidateTokenAuthenticatesLikeEveryOAuth1Call(t *testing.T) {
	tests := []struct {
		name       string
		sign       func(h *harness, s signer) signer
		before     func(h *harness, s signer)
		wantStatus int
		wantCode   int
		wantAlive  bool // the token still works afterwards
	}{
		{name: "an unknown token answers 89", wantStatus: 401, wantCode: 89, wantAlive: true,
			sign: func(h *harness, s signer) signer { return s.withToken("1234567890123456789-unknown", "whatever") }},
		{name: "a token its user revoked answers 89", wantStatus: 401, wantCode: 89,
			before: func(h *harness, _ signer) { h.sb.Revoke(aliceID) }},
		{name: "a wrong consumer secret answers 32 and leaves the token alone", wantStatus: 401, wantCode: 32, wantAlive: true,
			sign: func(_ *harness, s signer) signer { s.consumerSecret = "not the secret"; return s }},
		{name: "a wrong token secret answers 32 and leaves the token alone", wantStatus: 401, wantCode: 32, wantAlive: true,
			sign: func(_ *harness, s signer) signer { s.tokenSecret = "not the secret"; return s }},
		{name: "another app's consumer key answers 32", wantStatus: 401, wantCode: 32, wantAlive: true,
			sign: func(_ *harness, s signer) signer { s.consumerKey = "another-app"; return s }},
		{name: "a stale timestamp answers 135", wantStatus: 401, wantCode: 135, wantAlive: true,
			sign: func(h *harness, s signer) signer {
				s.now = func() time.Time { return h.clock.Now().Add(-10 * time.Minute) }
				return s
			}},
		{name: "a replayed nonce answers 32", wantStatus: 401, wantCode: 32, wantAlive: true,
			sign: func(_ *harness, s signer) signer { s.nonce = "used-once"; return s },
			before: func(h *harness, s signer) {
				s.nonce = "used-once"
				requireStatus(h.t, h.do(s, request{method: "GET", path: "/2/users/me"}), http.StatusOK)
			}},
		{name: "a call signed without the token answers 215", wantStatus: 400, wantCode: 215, wantAlive: true,
			sign: func(_ *harness, s signer) signer { return s.withToken("", "") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			alice := h.userSigner(aliceID)
			if tt.before != nil {
				tt.before(h, alice)
			}
			s := alice
			if tt.sign != nil {
				s = tt.sign(h, alice)
			}
			resp := h.do(s, request{method: "POST", path: invalidatePath})
			requireStatus(t, resp, tt.wantStatus)
			if code := xCode(t, resp.body); code != tt.wantCode {
				t.Errorf("code %d, want %d: %s", code, tt.wantCode, resp.body)
			}
			c := h.lastCall()
			if c.Endpoint != EndpointInvalidateToken || c.Status != tt.wantStatus || c.Error == "" {
				t.Errorf("recorded %+v", c)
			}
			if strings.Contains(c.Error, alice.tokenSecret) || strings.Contains(c.Error, testConsumerSecret) {
				t.Errorf("the record holds a secret: %q", c.Error)
			}
			alive := h.do(alice.withToken(alice.token, alice.tokenSecret), request{method: "GET", path: "/2/users/me"}).status == http.StatusOK
			if alive != tt.wantAlive {
				t.Errorf("the token works afterwards: %v, want %v", alive, tt.wantAlive)
			}
		})
	}
}

func TestInvalidateTokenTakesFaultsAndLimits(t *testing.T) {
	tests := []struct {
		name       string
		setup      func(h *harness)
		wantStatus int
		wantCode   int
	}{
		{name: "an injected 503 answers a v1 error and invalidates nothing", wantStatus: 503,
			setup: func(h *harness) { h.sb.InjectFault(Fault{Endpoint: EndpointInvalidateToken, Status: 503}) }},
		{name: "an injected code 32 answers 401", wantStatus: 401, wantCode: 32,
			setup: func(h *harness) { h.sb.InjectFault(Fault{Endpoint: EndpointInvalidateToken, XCode: 32}) }},
		{name: "an exhausted rate limit answers 429 code 88", wantStatus: 429, wantCode: 88,
			setup: func(h *harness) {
				h.sb.SetRateLimit(EndpointInvalidateToken, 1, time.Minute)
				h.do(h.signer().withToken("1-unknown", "s"), request{method: "POST", path: invalidatePath}) // the window's one call
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			alice := h.userSigner(aliceID)
			tt.setup(h)
			resp := h.do(alice, request{method: "POST", path: invalidatePath})
			requireStatus(t, resp, tt.wantStatus)
			if code := xCode(t, resp.body); code != tt.wantCode {
				t.Errorf("code %d, want %d", code, tt.wantCode)
			}
			if c := h.lastCall(); c.Endpoint != EndpointInvalidateToken || c.Status != tt.wantStatus {
				t.Errorf("recorded %+v", c)
			}
			requireStatus(t, h.do(alice, request{method: "GET", path: "/2/users/me"}), http.StatusOK)
		})
	}
}
