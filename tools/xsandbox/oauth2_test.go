package xsandbox

import (
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

var authorizationField = regexp.MustCompile(`name="authorization" value="([^"]+)"`)

func TestTheWholeOAuth2FlowWithPKCEThroughThePage(t *testing.T) {
	for _, path := range []string{"/i/oauth2/authorize", "/2/oauth2/authorize"} {
		t.Run("at "+path, func(t *testing.T) {
			h := newOAuth2Harness(t)
			query := strings.TrimPrefix(authorizeQuery(nil), "/i/oauth2/authorize")
			page := h.browse(path + query)
			requireStatus(t, page, http.StatusOK)
			for _, want := range []string{`id="authorize-alice"`, `id="cancel"`, "dm.write", testClientID, testCallback} {
				if !strings.Contains(page.body, want) {
					t.Errorf("the page lacks %q", want)
				}
			}
			m := authorizationField.FindStringSubmatch(page.body)
			if m == nil {
				t.Fatalf("no authorization field in %s", page.body)
			}
			resp := h.postForm(path, url.Values{"authorization": {m[1]}, "user": {"alice"}})
			requireStatus(t, resp, http.StatusFound)
			loc := mustParseURL(t, resp.header.Get("Location"))
			if got := loc.Scheme + "://" + loc.Host + loc.Path; got != testCallback {
				t.Errorf("redirected to %s, want %s", got, testCallback)
			}
			if loc.Query().Get("state") != "state-123" || loc.Query().Get("code") == "" {
				t.Fatalf("redirect %s lacks state or code", loc)
			}
			a := parseTokenAnswer(t, h.token(exchangeForm(loc.Query().Get("code"))))
			if a.TokenType != "bearer" || a.ExpiresIn != 7200 || a.Scope != allScopes || a.RefreshToken == "" {
				t.Errorf("token answer %+v", a)
			}
			me := h.usersMe(a.AccessToken)
			requireStatus(t, me, http.StatusOK)
			if !strings.Contains(me.body, `"id":"`+aliceID+`"`) {
				t.Errorf("users/me answered %s", me.body)
			}
			var endpoints []string
			for _, c := range h.sb.Calls() {
				endpoints = append(endpoints, c.Endpoint+"/"+c.UserID)
			}
			want := "oauth2_authorize/ oauth2_authorize/" + aliceID + " oauth2_token/" + aliceID + " users_me/" + aliceID
			if got := strings.Join(endpoints, " "); got != want {
				t.Errorf("calls %s, want %s", got, want)
			}
		})
	}
}

func TestTheOAuth2AuthorizeRequestIsChecked(t *testing.T) {
	tests := []struct {
		name      string
		change    map[string]string
		noClient  bool
		wantError string // error= on the redirect; "" means an error page without redirect
	}{
		{name: "a plain challenge method is refused", change: map[string]string{"code_challenge_method": "plain", "code_challenge": testVerifier}, wantError: "invalid_request"},
		{name: "a missing challenge method is refused", change: map[string]string{"code_challenge_method": ""}, wantError: "invalid_request"},
		{name: "a missing challenge is refused", change: map[string]string{"code_challenge": ""}, wantError: "invalid_request"},
		{name: "a challenge that is not a SHA-256 is refused", change: map[string]string{"code_challenge": "short"}, wantError: "invalid_request"},
		{name: "another response type is refused", change: map[string]string{"response_type": "token"}, wantError: "invalid_request"},
		{name: "a missing state is refused", change: map[string]string{"state": ""}, wantError: "invalid_request"},
		{name: "a missing scope is refused", change: map[string]string{"scope": ""}, wantError: "invalid_request"},
		{name: "an unknown scope is refused", change: map[string]string{"scope": "users.read telepathy.write"}, wantError: "invalid_scope"},
		{name: "a wrong redirect URI shows an error page", change: map[string]string{"redirect_uri": testCallback + "/evil"}},
		{name: "a redirect URI that only starts like a registered one shows an error page", change: map[string]string{"redirect_uri": "https://app.example/api"}},
		{name: "an unknown client shows an error page", change: map[string]string{"client_id": "someone-else"}},
		{name: "a sandbox without OAuth 2.0 shows an error page", noClient: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newOAuth2Harness(t)
			if tt.noClient {
				h = newHarness(t)
			}
			resp := h.browse(authorizeQuery(tt.change))
			if tt.wantError == "" {
				requireStatus(t, resp, http.StatusBadRequest)
				if resp.header.Get("Location") != "" || !strings.Contains(resp.body, "Something went wrong") {
					t.Errorf("want an error page, got Location %q body %s", resp.header.Get("Location"), resp.body)
				}
			} else {
				requireStatus(t, resp, http.StatusFound)
				q := mustParseURL(t, resp.header.Get("Location")).Query()
				if q.Get("error") != tt.wantError || q.Get("code") != "" {
					t.Errorf("redirect %s, want error=%s", resp.header.Get("Location"), tt.wantError)
				}
			}
			_, err := h.sb.ApproveOAuth2(h.srv.URL+authorizeQuery(tt.change), aliceID)
			if !errors.Is(err, ErrInvalidAuthorizeRequest) {
				t.Errorf("ApproveOAuth2 = %v, want ErrInvalidAuthorizeRequest", err)
			}
		})
	}
}

func TestCancellingOAuth2RedirectsWithAccessDenied(t *testing.T) {
	t.Run("on the page", func(t *testing.T) {
		h := newOAuth2Harness(t)
		m := authorizationField.FindStringSubmatch(h.browse(authorizeQuery(nil)).body)
		resp := h.postForm("/i/oauth2/authorize", url.Values{"authorization": {m[1]}, "cancel": {"1"}})
		requireStatus(t, resp, http.StatusFound)
		q := mustParseURL(t, resp.header.Get("Location")).Query()
		if q.Get("error") != "access_denied" || q.Get("state") != "state-123" {
			t.Errorf("redirect %s", resp.header.Get("Location"))
		}
		again := h.postForm("/i/oauth2/authorize", url.Values{"authorization": {m[1]}, "user": {"alice"}})
		requireStatus(t, again, http.StatusBadRequest)
	})
	t.Run("with DenyOAuth2 on a shown page's state", func(t *testing.T) {
		h := newOAuth2Harness(t)
		h.browse(authorizeQuery(nil))
		cb, err := h.sb.DenyOAuth2("state-123")
		if err != nil || mustParseURL(t, cb).Query().Get("error") != "access_denied" {
			t.Fatalf("DenyOAuth2 = %q, %v", cb, err)
		}
		if _, err := h.sb.ApproveOAuth2("state-123", aliceID); !errors.Is(err, ErrOAuth2AuthorizationUsed) {
			t.Errorf("approving a denied authorization: %v", err)
		}
		if _, err := h.sb.DenyOAuth2("no-such-state"); !errors.Is(err, ErrUnknownOAuth2Authorization) {
			t.Errorf("denying an unknown state: %v", err)
		}
	})
}

func TestApproveOAuth2ByStateAfterThePageWasShown(t *testing.T) {
	h := newOAuth2Harness(t)
	h.browse(authorizeQuery(nil))
	if _, err := h.sb.ApproveOAuth2("state-123", "42"); !errors.Is(err, ErrUnknownUser) {
		t.Errorf("approving as an unknown user: %v", err)
	}
	cb, err := h.sb.ApproveOAuth2("state-123", bobID)
	if err != nil {
		t.Fatal(err)
	}
	a := parseTokenAnswer(t, h.token(exchangeForm(mustParseURL(t, cb).Query().Get("code"))))
	if me := h.usersMe(a.AccessToken); !strings.Contains(me.body, bobID) {
		t.Errorf("users/me answered %s", me.body)
	}
}

func TestControlAPIApprovesAndDeniesOAuth2(t *testing.T) {
	h := newOAuth2Harness(t)
	resp := h.control("POST", "/_sandbox/oauth2/approve", `{"authorize_url":"`+authorizeQuery(nil)+`","user_id":"`+aliceID+`"}`)
	requireStatus(t, resp, http.StatusOK)
	if !strings.Contains(resp.body, "code=") {
		t.Errorf("approve answered %s", resp.body)
	}
	h.browse(authorizeQuery(map[string]string{"state": "s2"}))
	resp = h.control("POST", "/_sandbox/oauth2/deny", `{"state":"s2"}`)
	requireStatus(t, resp, http.StatusOK)
	if !strings.Contains(resp.body, "access_denied") {
		t.Errorf("deny answered %s", resp.body)
	}
	requireStatus(t, h.control("POST", "/_sandbox/oauth2/deny", `{"state":"nope"}`), http.StatusNotFound)
	requireStatus(t, h.control("POST", "/_sandbox/oauth2/approve", `{"authorize_url":"`+authorizeQuery(map[string]string{"code_challenge_method": "plain"})+`","user_id":"`+aliceID+`"}`), http.StatusBadRequest)
}
