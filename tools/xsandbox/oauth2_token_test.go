package xsandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestTheTokenEndpointAuthenticatesTheClient(t *testing.T) {
	tests := []struct {
		name        string
		id, secret  string
		form        func(code string) url.Values
		wantStatus  int
		wantError   string
		wantMessage string
	}{
		{name: "no Basic authentication answers 401 missing header", wantStatus: 401, wantError: "unauthorized_client", wantMessage: "Missing valid authorization header"},
		{name: "a wrong secret answers 401 invalid_client", id: testClientID, secret: "wrong", wantStatus: 401, wantError: "invalid_client"},
		{name: "a wrong client id answers 401 invalid_client", id: "other", secret: testClientSecret, wantStatus: 401, wantError: "invalid_client"},
		{name: "a body client_id other than the authenticated one answers 400", id: testClientID, secret: testClientSecret,
			form: func(code string) url.Values {
				f := exchangeForm(code)
				f.Set("client_id", "other")
				return f
			}, wantStatus: 400, wantError: "invalid_request"},
		{name: "an unknown grant type answers 400", id: testClientID, secret: testClientSecret,
			form:       func(string) url.Values { return url.Values{"grant_type": {"password"}} },
			wantStatus: 400, wantError: "unsupported_grant_type"},
		{name: "a missing grant type answers 400", id: testClientID, secret: testClientSecret,
			form:       func(string) url.Values { return url.Values{} },
			wantStatus: 400, wantError: "invalid_request"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newOAuth2Harness(t)
			code := h.code(aliceID, allScopes)
			form := exchangeForm(code)
			if tt.form != nil {
				form = tt.form(code)
			}
			resp := h.tokenCall("/2/oauth2/token", tt.id, tt.secret, form)
			requireStatus(t, resp, tt.wantStatus)
			e := parseOAuth2Error(t, resp)
			if e.Error != tt.wantError || !strings.Contains(e.Description, tt.wantMessage) {
				t.Errorf("error %+v, want %s %q", e, tt.wantError, tt.wantMessage)
			}
			if strings.Contains(h.lastCall().Error, testClientSecret) {
				t.Error("the client secret was recorded")
			}
			requireStatus(t, h.token(exchangeForm(code)), http.StatusOK) // the code was not spent
		})
	}
}

func TestTheAuthorizationCodeIsCheckedOnExchange(t *testing.T) {
	tests := []struct {
		name       string
		prepare    func(h *harness, code string)
		change     map[string]string
		wantStatus int
		wantReason string
	}{
		{name: "a code works once", prepare: func(h *harness, code string) { requireStatus(h.t, h.token(exchangeForm(code)), 200) },
			wantStatus: 400, wantReason: "already used"},
		{name: "a code expires after 30 seconds", prepare: func(h *harness, _ string) { h.clock.Advance(30 * time.Second) },
			wantStatus: 400, wantReason: "expired"},
		{name: "a code works for 29 seconds", prepare: func(h *harness, _ string) { h.clock.Advance(29 * time.Second) },
			wantStatus: 200},
		{name: "a verifier that does not match the challenge is refused", change: map[string]string{"code_verifier": testVerifier + "x"},
			wantStatus: 400, wantReason: "code_verifier"},
		{name: "the challenge itself is not a verifier", change: map[string]string{"code_verifier": challenge(testVerifier)},
			wantStatus: 400, wantReason: "code_verifier"},
		{name: "a redirect URI other than the authorize request's is refused", change: map[string]string{"redirect_uri": "https://other.example/cb?from=x"},
			wantStatus: 400, wantReason: "redirect_uri"},
		{name: "an unknown code is refused", change: map[string]string{"code": "made-up"},
			wantStatus: 400, wantReason: "unknown"},
		{name: "a missing verifier is refused", change: map[string]string{"code_verifier": ""},
			wantStatus: 400, wantReason: "code_verifier"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newOAuth2Harness(t)
			code := h.code(aliceID, allScopes)
			if tt.prepare != nil {
				tt.prepare(h, code)
			}
			form := exchangeForm(code)
			for k, v := range tt.change {
				form.Set(k, v)
				if v == "" {
					form.Del(k)
				}
			}
			resp := h.token(form)
			requireStatus(t, resp, tt.wantStatus)
			if tt.wantStatus == 200 {
				return
			}
			e := parseOAuth2Error(t, resp)
			if e.Error != "invalid_request" || !strings.Contains(h.lastCall().Error, tt.wantReason) {
				t.Errorf("error %+v, recorded %q, want reason %q", e, h.lastCall().Error, tt.wantReason)
			}
			want := "Value passed for the authorization code was invalid."
			if v, ok := tt.change["code_verifier"]; ok && v == "" {
				want = "Missing required parameter [code_verifier]."
			}
			if e.Description != want {
				t.Errorf("description %q, want %q", e.Description, want)
			}
		})
	}
}

func TestWithoutOfflineAccessThereIsNoRefreshToken(t *testing.T) {
	h := newOAuth2Harness(t)
	a := h.signInOAuth2(aliceID, "users.read tweet.read")
	if a.RefreshToken != "" || a.Scope != "users.read tweet.read" {
		t.Errorf("answer %+v", a)
	}
}

func TestRefreshRotatesBothTokens(t *testing.T) {
	h := newOAuth2Harness(t)
	first := h.signInOAuth2(aliceID, allScopes)
	second := parseTokenAnswer(t, h.token(refreshForm(first.RefreshToken)))
	if second.AccessToken == first.AccessToken || second.RefreshToken == "" || second.RefreshToken == first.RefreshToken {
		t.Fatalf("refresh did not rotate: %+v after %+v", second, first)
	}
	if second.Scope != allScopes || second.ExpiresIn != 7200 {
		t.Errorf("refreshed answer %+v", second)
	}
	requireStatus(t, h.usersMe(first.AccessToken), http.StatusUnauthorized)
	requireStatus(t, h.usersMe(second.AccessToken), http.StatusOK)
	third := parseTokenAnswer(t, h.token(refreshForm(second.RefreshToken)))
	requireStatus(t, h.usersMe(third.AccessToken), http.StatusOK)

	refreshes := h.sb.OAuth2Refreshes()
	if len(refreshes) != 2 {
		t.Fatalf("refreshes %+v, want 2", refreshes)
	}
	for _, r := range refreshes {
		if !r.OK || r.Reuse || r.UserID != aliceID || r.TokenID == "" || strings.Contains(first.RefreshToken, r.TokenID) {
			t.Errorf("refresh record %+v", r)
		}
	}
	if refreshes[0].TokenID == refreshes[1].TokenID {
		t.Error("two refresh tokens share a TokenID")
	}
}

func TestReusingARefreshTokenRevokesTheWholeFamily(t *testing.T) {
	h := newOAuth2Harness(t)
	first := h.signInOAuth2(aliceID, allScopes)
	other := h.signInOAuth2(aliceID, allScopes) // another grant of the same user
	second := parseTokenAnswer(t, h.token(refreshForm(first.RefreshToken)))

	resp := h.token(refreshForm(first.RefreshToken))
	requireStatus(t, resp, http.StatusBadRequest)
	if e := parseOAuth2Error(t, resp); e.Error != "invalid_request" {
		t.Errorf("reuse answered %+v", e)
	}
	requireStatus(t, h.usersMe(second.AccessToken), http.StatusUnauthorized)
	requireStatus(t, h.token(refreshForm(second.RefreshToken)), http.StatusBadRequest)
	requireStatus(t, h.usersMe(other.AccessToken), http.StatusOK)

	var reuses int
	for _, r := range h.sb.OAuth2Refreshes() {
		if r.Reuse {
			reuses++
		}
	}
	if reuses != 1 {
		t.Errorf("refreshes %+v, want exactly one reuse", h.sb.OAuth2Refreshes())
	}
	var listed []OAuth2Refresh
	decodeBody(t, h.control("GET", "/_sandbox/oauth2/refreshes", ""), &listed)
	if len(listed) != 3 {
		t.Errorf("the control API lists %d refreshes, want 3", len(listed))
	}
}

func TestRevokingTokens(t *testing.T) {
	h := newOAuth2Harness(t)
	a := h.signInOAuth2(aliceID, allScopes)
	resp := h.tokenCall("/2/oauth2/revoke", testClientID, testClientSecret, url.Values{"token": {a.AccessToken}, "token_type_hint": {"access_token"}})
	requireStatus(t, resp, http.StatusOK)
	if strings.TrimSpace(resp.body) != `{"revoked":true}` {
		t.Errorf("revoke answered %s", resp.body)
	}
	requireStatus(t, h.usersMe(a.AccessToken), http.StatusUnauthorized)
	b := parseTokenAnswer(t, h.token(refreshForm(a.RefreshToken))) // the refresh token survives
	requireStatus(t, h.tokenCall("/2/oauth2/revoke", testClientID, testClientSecret, url.Values{"token": {b.RefreshToken}}), http.StatusOK)
	requireStatus(t, h.usersMe(b.AccessToken), http.StatusUnauthorized)
	requireStatus(t, h.token(refreshForm(b.RefreshToken)), http.StatusBadRequest)

	requireStatus(t, h.tokenCall("/2/oauth2/revoke", "", "", url.Values{"token": {a.AccessToken}}), http.StatusUnauthorized)
	requireStatus(t, h.tokenCall("/2/oauth2/revoke", testClientID, testClientSecret, url.Values{}), http.StatusBadRequest)
	requireStatus(t, h.tokenCall("/2/oauth2/revoke", testClientID, testClientSecret, url.Values{"token": {"unknown"}}), http.StatusOK)
}

func TestFaultsOnTheOAuth2Endpoints(t *testing.T) {
	h := newOAuth2Harness(t)
	code := h.code(aliceID, allScopes)
	h.sb.InjectFault(Fault{Endpoint: EndpointOAuth2Token, Status: http.StatusServiceUnavailable})
	resp := h.token(exchangeForm(code))
	requireStatus(t, resp, http.StatusServiceUnavailable)
	if e := parseOAuth2Error(t, resp); e.Error != "temporarily_unavailable" {
		t.Errorf("fault answered %+v", e)
	}
	if c := h.lastCall(); c.Endpoint != EndpointOAuth2Token || !strings.Contains(c.Error, "injected") {
		t.Errorf("recorded %+v", c)
	}
	a := parseTokenAnswer(t, h.token(exchangeForm(code))) // the fault did not spend the code

	requireStatus(t, h.control("POST", "/_sandbox/faults", `{"endpoint":"oauth2_token","status":500}`), http.StatusNoContent)
	requireStatus(t, h.token(refreshForm(a.RefreshToken)), http.StatusInternalServerError)
	requireStatus(t, h.token(refreshForm(a.RefreshToken)), http.StatusOK)

	h.sb.InjectFault(Fault{Endpoint: EndpointOAuth2Authorize, Status: http.StatusInternalServerError})
	requireStatus(t, h.browse(authorizeQuery(nil)), http.StatusInternalServerError)
	h.sb.InjectFault(Fault{Endpoint: EndpointOAuth2Revoke, Body: "{not json"})
	if resp := h.tokenCall("/2/oauth2/revoke", testClientID, testClientSecret, url.Values{"token": {"x"}}); resp.body != "{not json" {
		t.Errorf("revoke fault answered %s", resp.body)
	}
}

func TestNoOAuth2SecretIsRecordedOrLogged(t *testing.T) {
	var (
		logMu sync.Mutex
		logs  strings.Builder
	)
	h := newHarness(t, func(o *Options) {
		o.ClientID, o.ClientSecret = testClientID, testClientSecret
		o.Logf = func(format string, args ...any) {
			logMu.Lock()
			defer logMu.Unlock()
			fmt.Fprintf(&logs, format+"\n", args...)
		}
	})
	code := h.code(aliceID, allScopes)
	h.tokenCall("/2/oauth2/token", testClientID, "wrong", exchangeForm(code))
	bad := exchangeForm(code)
	bad.Set("code_verifier", "wrong-verifier")
	h.token(bad)
	a := parseTokenAnswer(t, h.token(exchangeForm(code)))
	h.token(exchangeForm(code))
	b := parseTokenAnswer(t, h.token(refreshForm(a.RefreshToken)))
	h.token(refreshForm(a.RefreshToken))
	h.usersMe(b.AccessToken)
	h.tokenCall("/2/oauth2/revoke", testClientID, testClientSecret, url.Values{"token": {b.RefreshToken}})

	recorded, err := json.Marshal(h.sb.Calls())
	if err != nil {
		t.Fatal(err)
	}
	refreshes, _ := json.Marshal(h.sb.OAuth2Refreshes())
	logMu.Lock()
	logged := logs.String()
	logMu.Unlock()
	for _, s := range []string{testClientSecret, testVerifier, code, a.AccessToken, a.RefreshToken, b.AccessToken, b.RefreshToken} {
		for where, text := range map[string]string{"calls": string(recorded), "log": logged, "refreshes": string(refreshes)} {
			if strings.Contains(text, s) {
				t.Errorf("a secret appears in the %s: %s", where, text)
			}
		}
	}
}
