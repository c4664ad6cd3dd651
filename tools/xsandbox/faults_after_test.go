package xsandbox

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// TestAnAfterFaultLosesTheAnswerToARequestThatTookEffect: with After, X
// handles the request (the DM is sent, the post made) and the answer is
// then replaced or dropped.
func TestAnAfterFaultLosesTheAnswerToARequestThatTookEffect(t *testing.T) {
	dm := request{method: "POST", path: dmPath(bobID), json: `{"text":"hi"}`}
	tests := []struct {
		name       string
		fault      Fault
		req        request
		wantStatus int // 0: the connection is dropped
		effects    func(sb *Sandbox) int
	}{
		{"a DM is sent, then the connection drops", Fault{Endpoint: EndpointDM, CloseConn: true, After: true}, dm, 0,
			func(sb *Sandbox) int { return len(sb.DMs()) }},
		{"a post is made, then X answers 503", Fault{Endpoint: EndpointTweet, Status: 503, After: true},
			request{method: "POST", path: "/2/tweets", json: `{"text":"hi"}`}, 503,
			func(sb *Sandbox) int { return len(sb.Tweets()) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			h.sb.InjectFault(tt.fault)
			resp, err := h.try(h.userSigner(aliceID), tt.req)
			switch {
			case tt.wantStatus == 0 && err == nil:
				t.Fatalf("the client got an answer: %d", resp.status)
			case tt.wantStatus != 0:
				requireStatus(t, resp, tt.wantStatus)
			}
			if n := tt.effects(h.sb); n != 1 {
				t.Fatalf("%d side effects, want the one X made before the answer was lost", n)
			}
			call := waitForCall(t, h)
			if call.Status != tt.wantStatus || call.UserID != aliceID || !strings.Contains(call.Error, "injected fault") || !strings.Contains(call.Error, "after X handled the request") {
				t.Errorf("recorded %+v", call)
			}
		})
	}
}

// TestARefreshWhoseAnswerIsLostHasSpentItsToken: X rotated the tokens and
// the answer was lost (dropped, or a 503). The refresh token given is spent:
// presenting it again revokes the whole family.
func TestARefreshWhoseAnswerIsLostHasSpentItsToken(t *testing.T) {
	for _, f := range []Fault{{CloseConn: true}, {Status: http.StatusServiceUnavailable}} {
		t.Run(map[bool]string{true: "the connection drops", false: "X answers 503"}[f.CloseConn], func(t *testing.T) {
			h := newOAuth2Harness(t)
			other := h.signInOAuth2(aliceID, allScopes) // another grant of hers: untouched
			a := h.signInOAuth2(aliceID, allScopes)
			f.Endpoint, f.After = EndpointOAuth2Token, true
			h.sb.InjectFault(f)
			r, err := http.NewRequest("POST", h.srv.URL+"/2/oauth2/token", strings.NewReader(refreshForm(a.RefreshToken).Encode()))
			if err != nil {
				t.Fatal(err)
			}
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			r.SetBasicAuth(url.QueryEscape(testClientID), url.QueryEscape(testClientSecret))
			resp, err := send(r)
			if f.CloseConn != (err != nil) || (!f.CloseConn && resp.status != http.StatusServiceUnavailable) {
				t.Fatalf("the client got %d, %v", resp.status, err)
			}
			h.sb.WaitIdle(5 * time.Second)
			if rs := h.sb.OAuth2Refreshes(); len(rs) != 1 || !rs[0].OK {
				t.Fatalf("refreshes %+v: want one X carried out", rs)
			}
			requireStatus(t, h.usersMe(a.AccessToken), http.StatusUnauthorized) // rotated

			requireStatus(t, h.token(refreshForm(a.RefreshToken)), http.StatusBadRequest)
			if rs := h.sb.OAuth2Refreshes(); len(rs) != 2 || !rs[1].Reuse {
				t.Fatalf("refreshes %+v: want the second one taken for a reuse", rs)
			}
			requireStatus(t, h.usersMe(other.AccessToken), http.StatusOK)
		})
	}
}
