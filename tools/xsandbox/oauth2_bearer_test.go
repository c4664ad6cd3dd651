package xsandbox

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestBearerTokensWorkOnTheV2CallsWithTheirScopes(t *testing.T) {
	tests := []struct {
		name       string
		scopes     string
		method     string
		path       string
		body       string
		wantStatus int
	}{
		{name: "users/me answers with users.read", scopes: "users.read tweet.read", method: "GET", path: "/2/users/me", wantStatus: 200},
		{name: "users/me without users.read answers 403", scopes: "tweet.read", method: "GET", path: "/2/users/me", wantStatus: 403},
		{name: "a DM is sent with dm.write", scopes: "dm.write", method: "POST", path: "/2/dm_conversations/with/" + bobID + "/messages", body: `{"text":"hello"}`, wantStatus: 201},
		{name: "a DM without dm.write answers 403", scopes: "dm.read users.read", method: "POST", path: "/2/dm_conversations/with/" + bobID + "/messages", body: `{"text":"hello"}`, wantStatus: 403},
		{name: "a follow is made with follows.write", scopes: "follows.write", method: "POST", path: "/2/users/" + aliceID + "/following", body: `{"target_user_id":"` + brandID + `"}`, wantStatus: 200},
		{name: "a follow without follows.write answers 403", scopes: "follows.read", method: "POST", path: "/2/users/" + aliceID + "/following", body: `{"target_user_id":"` + brandID + `"}`, wantStatus: 403},
		{name: "a post is made with tweet.write", scopes: "tweet.write", method: "POST", path: "/2/tweets", body: `{"text":"hi"}`, wantStatus: 201},
		{name: "a post without tweet.write answers 403", scopes: "tweet.read", method: "POST", path: "/2/tweets", body: `{"text":"hi"}`, wantStatus: 403},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newOAuth2Harness(t)
			token := h.signInOAuth2(aliceID, tt.scopes).AccessToken
			resp := h.bearer(token, tt.method, tt.path, tt.body)
			requireStatus(t, resp, tt.wantStatus)
			if resp.header.Get("x-rate-limit-limit") == "" {
				t.Error("no rate-limit headers")
			}
			c := h.lastCall()
			if c.UserID != aliceID {
				t.Errorf("recorded user %q", c.UserID)
			}
			if tt.wantStatus == 403 {
				checkProblem(t, resp, "about:blank")
				if !strings.Contains(c.Error, "lacks scope") {
					t.Errorf("recorded error %q", c.Error)
				}
				if n := len(h.sb.DMs()) + len(h.sb.Follows()) + len(h.sb.Tweets()); n != 0 {
					t.Errorf("a refused call acted %d times", n)
				}
			}
		})
	}
}

func TestADMSentWithABearerTokenIsRecorded(t *testing.T) {
	h := newOAuth2Harness(t)
	token := h.signInOAuth2(brandID, allScopes).AccessToken
	requireStatus(t, h.bearer(token, "POST", "/2/dm_conversations/with/"+aliceID+"/messages", `{"text":"welcome"}`), http.StatusCreated)
	dms := h.sb.DMs()
	if len(dms) != 1 || dms[0].SenderID != brandID || dms[0].RecipientID != aliceID || dms[0].Text != "welcome" {
		t.Errorf("DMs %+v", dms)
	}
}

func TestOAuth2AccessTokensExpireAfterTwoHours(t *testing.T) {
	h := newOAuth2Harness(t)
	a := h.signInOAuth2(aliceID, allScopes)
	h.clock.Advance(2*time.Hour - time.Second)
	requireStatus(t, h.usersMe(a.AccessToken), http.StatusOK)
	h.clock.Advance(time.Second)
	resp := h.usersMe(a.AccessToken)
	requireStatus(t, resp, http.StatusUnauthorized)
	if p := parseProblem(t, resp); p.Title != "Unauthorized" || !strings.Contains(h.lastCall().Error, "expired") {
		t.Errorf("problem %+v, recorded %q", p, h.lastCall().Error)
	}
	b := parseTokenAnswer(t, h.token(refreshForm(a.RefreshToken)))
	requireStatus(t, h.usersMe(b.AccessToken), http.StatusOK)
}

func TestExpiringAUsersOAuth2TokensNow(t *testing.T) {
	h := newOAuth2Harness(t)
	alice := h.signInOAuth2(aliceID, allScopes)
	bob := h.signInOAuth2(bobID, allScopes)
	h.sb.ExpireOAuth2Tokens(aliceID)
	requireStatus(t, h.usersMe(alice.AccessToken), http.StatusUnauthorized)
	requireStatus(t, h.usersMe(bob.AccessToken), http.StatusOK)

	requireStatus(t, h.control("POST", "/_sandbox/oauth2/expire", `{"user_id":"`+bobID+`"}`), http.StatusNoContent)
	requireStatus(t, h.usersMe(bob.AccessToken), http.StatusUnauthorized)
	requireStatus(t, h.control("POST", "/_sandbox/oauth2/expire", `{}`), http.StatusBadRequest)

	fresh := parseTokenAnswer(t, h.token(refreshForm(alice.RefreshToken)))
	requireStatus(t, h.usersMe(fresh.AccessToken), http.StatusOK)
	if r := h.sb.OAuth2Refreshes(); len(r) != 1 || r[0].Reuse {
		t.Errorf("refreshes %+v, want one per expiry and no reuse", r)
	}
}

func TestIssueOAuth2TokenMintsTokensDirectly(t *testing.T) {
	h := newOAuth2Harness(t)
	access, refresh := h.sb.IssueOAuth2Token(carolID, "users.read")
	if refresh != "" {
		t.Error("a refresh token without offline.access")
	}
	if resp := h.usersMe(access); resp.status != 200 || !strings.Contains(resp.body, carolID) {
		t.Errorf("users/me answered %d %s", resp.status, resp.body)
	}
	_, refresh = h.sb.IssueOAuth2Token(carolID, "users.read", "offline.access")
	requireStatus(t, h.token(refreshForm(refresh)), http.StatusOK)
}

func TestAnUnknownBearerTokenIsStillTakenForAppOnly(t *testing.T) {
	h := newOAuth2Harness(t)
	resp := h.usersMe("AAAAAAAAAAAAAAAAAAAAAMLheAAAAAAA0%2BuSeid")
	requireStatus(t, resp, http.StatusForbidden)
	checkProblem(t, resp, ProblemUnsupportedAuthentication)
}
