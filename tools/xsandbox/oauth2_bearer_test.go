package xsandbox

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// v2Call is one call of each v2 endpoint, as alice (the DM goes to bob).
type v2Call struct {
	endpoint, method, path, body string
	okStatus                     int
}

var v2Calls = []v2Call{
	{EndpointUsersMe, "GET", "/2/users/me", "", 200},
	{EndpointFollow, "POST", "/2/users/" + aliceID + "/following", `{"target_user_id":"` + brandID + `"}`, 200},
	{EndpointDM, "POST", "/2/dm_conversations/with/" + bobID + "/messages", `{"text":"hello"}`, 201},
	{EndpointTweet, "POST", "/2/tweets", `{"text":"hi"}`, 201},
}

// The scopes each endpoint requires, as X's API reference lists them (the
// test's own copy), except follows.read on the follow.
var wantRequiredScopes = map[string]string{
	EndpointUsersMe: "tweet.read users.read",
	EndpointFollow:  "follows.write tweet.read users.read",
	EndpointDM:      "dm.read dm.write tweet.read users.read",
	EndpointTweet:   "tweet.read tweet.write users.read",
}

func TestRequiredScopesAreXsList(t *testing.T) {
	for _, c := range v2Calls {
		if got := strings.Join(RequiredScopes(c.endpoint), " "); got != wantRequiredScopes[c.endpoint] {
			t.Errorf("RequiredScopes(%s) = %q, want %q", c.endpoint, got, wantRequiredScopes[c.endpoint])
		}
	}
	if got := RequiredScopes(EndpointOAuth2Token); got != nil {
		t.Errorf("RequiredScopes(oauth2_token) = %v, want none", got)
	}
}

func TestBearerTokensNeedEveryScopeTheirCallRequires(t *testing.T) {
	type tc struct {
		name    string
		call    v2Call
		scopes  string
		missing string // "" when the call goes through
	}
	var tests []tc
	for _, c := range v2Calls {
		required := strings.Fields(wantRequiredScopes[c.endpoint])
		tests = append(tests, tc{name: c.endpoint + " goes through with exactly " + strings.Join(required, " "), call: c, scopes: strings.Join(required, " ")})
		for i, lacking := range required {
			rest := append(append([]string{}, required[:i]...), required[i+1:]...)
			// The other scopes a generous sign-in asks for do not stand in for it.
			rest = append(rest, "offline.access", "follows.read", "like.write")
			tests = append(tests, tc{name: c.endpoint + " without " + lacking + " answers 403", call: c, scopes: strings.Join(rest, " "), missing: lacking})
		}
	}
	tests = append(tests,
		tc{name: "a follow goes through with follows.read too", call: v2Calls[1], scopes: "follows.read follows.write tweet.read users.read"},
		tc{name: "a follow with only follows.write names the two missing scopes", call: v2Calls[1], scopes: "follows.write", missing: "tweet.read users.read"},
		tc{name: "a DM with only dm.write names the three missing scopes", call: v2Calls[2], scopes: "dm.write", missing: "dm.read tweet.read users.read"},
		tc{name: "a post with only tweet.write names the two missing scopes", call: v2Calls[3], scopes: "tweet.write", missing: "tweet.read users.read"},
		tc{name: "users/me with only users.read answers 403", call: v2Calls[0], scopes: "users.read", missing: "tweet.read"},
	)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newOAuth2Harness(t)
			token := h.signInOAuth2(aliceID, tt.scopes).AccessToken
			resp := h.bearer(token, tt.call.method, tt.call.path, tt.call.body)
			if resp.header.Get("x-rate-limit-limit") == "" {
				t.Error("no rate-limit headers")
			}
			c := h.lastCall()
			if c.UserID != aliceID {
				t.Errorf("recorded user %q", c.UserID)
			}
			acted := len(h.sb.DMs()) + len(h.sb.Follows()) + len(h.sb.Tweets())
			if tt.missing == "" {
				requireStatus(t, resp, tt.call.okStatus)
				if tt.call.endpoint != EndpointUsersMe && acted != 1 {
					t.Errorf("the call acted %d times, want 1", acted)
				}
				return
			}
			requireStatus(t, resp, http.StatusForbidden)
			p := checkProblem(t, resp, "about:blank")
			if p.Title != "Forbidden" || p.Detail != "Forbidden" {
				t.Errorf("problem %+v, want X's bare Forbidden", p)
			}
			var doc struct {
				Errors []struct{ Message string } `json:"errors"`
			}
			decodeBody(t, resp, &doc)
			if want := "Missing scopes: " + tt.missing; len(doc.Errors) != 1 || doc.Errors[0].Message != want {
				t.Errorf("errors %+v, want one saying %q", doc.Errors, want)
			}
			if !strings.Contains(c.Error, "lacks scopes "+tt.missing) {
				t.Errorf("recorded error %q", c.Error)
			}
			if acted != 0 {
				t.Errorf("a refused call acted %d times", acted)
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
	access, refresh := h.sb.IssueOAuth2Token(carolID, "users.read", "tweet.read")
	if refresh != "" {
		t.Error("a refresh token without offline.access")
	}
	if resp := h.usersMe(access); resp.status != 200 || !strings.Contains(resp.body, carolID) {
		t.Errorf("users/me answered %d %s", resp.status, resp.body)
	}
	// Its scopes are checked like a sign-in's.
	short, _ := h.sb.IssueOAuth2Token(carolID, "users.read")
	requireStatus(t, h.usersMe(short), http.StatusForbidden)
	_, refresh = h.sb.IssueOAuth2Token(carolID, "users.read", "offline.access")
	requireStatus(t, h.token(refreshForm(refresh)), http.StatusOK)
}

func TestAnUnknownBearerTokenIsStillTakenForAppOnly(t *testing.T) {
	h := newOAuth2Harness(t)
	resp := h.usersMe("AAAAAAAAAAAAAAAAAAAAAMLheAAAAAAA0%2BuSeid")
	requireStatus(t, resp, http.StatusForbidden)
	checkProblem(t, resp, ProblemUnsupportedAuthentication)
}
