package xsandbox

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

const (
	testClientID     = "test-client-id"
	testClientSecret = "test client secret:+/"
	testVerifier     = "dBjftJeZ4CK-test-verifier-0123456789abcdefghijklmnop"
	allScopes        = "tweet.read tweet.write users.read follows.write dm.write dm.read offline.access"
)

// newOAuth2Harness is a harness whose app is an OAuth 2.0 confidential client.
func newOAuth2Harness(t *testing.T) *harness {
	t.Helper()
	return newHarness(t, func(o *Options) { o.ClientID, o.ClientSecret = testClientID, testClientSecret })
}

// challenge is the test's own S256, independent of S256Challenge.
func challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return strings.TrimRight(base64.URLEncoding.EncodeToString(sum[:]), "=")
}

// authorizeQuery is a valid authorize request; change overrides parameters
// (an empty value removes one).
func authorizeQuery(change map[string]string) string {
	q := url.Values{
		"response_type":         {"code"},
		"client_id":             {testClientID},
		"redirect_uri":          {testCallback},
		"scope":                 {allScopes},
		"state":                 {"state-123"},
		"code_challenge":        {challenge(testVerifier)},
		"code_challenge_method": {"S256"},
	}
	for k, v := range change {
		if v == "" {
			q.Del(k)
		} else {
			q.Set(k, v)
		}
	}
	return "/i/oauth2/authorize?" + q.Encode()
}

// tokenCall posts form to an OAuth 2.0 endpoint with Basic client
// authentication id:secret (none when id is "").
func (h *harness) tokenCall(path, id, secret string, form url.Values) response {
	h.t.Helper()
	r, err := http.NewRequest("POST", h.srv.URL+path, strings.NewReader(form.Encode()))
	if err != nil {
		h.t.Fatal(err)
	}
	r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if id != "" {
		r.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret)) // RFC 6749 2.3.1
	}
	resp, err := send(r)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp
}

func (h *harness) token(form url.Values) response {
	h.t.Helper()
	return h.tokenCall("/2/oauth2/token", testClientID, testClientSecret, form)
}

// code approves a valid authorize request for userID with scope and returns
// the code.
func (h *harness) code(userID, scope string) string {
	h.t.Helper()
	cb, err := h.sb.ApproveOAuth2(h.srv.URL+authorizeQuery(map[string]string{"scope": scope}), userID)
	if err != nil {
		h.t.Fatalf("ApproveOAuth2: %v", err)
	}
	return mustParseURL(h.t, cb).Query().Get("code")
}

func exchangeForm(code string) url.Values {
	return url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {testCallback},
		"code_verifier": {testVerifier}, "client_id": {testClientID}}
}

func refreshForm(refresh string) url.Values {
	return url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}, "client_id": {testClientID}}
}

type tokenAnswer struct {
	TokenType    string `json:"token_type"`
	ExpiresIn    int    `json:"expires_in"`
	AccessToken  string `json:"access_token"`
	Scope        string `json:"scope"`
	RefreshToken string `json:"refresh_token"`
}

func parseTokenAnswer(t *testing.T, resp response) tokenAnswer {
	t.Helper()
	requireStatus(t, resp, http.StatusOK)
	var a tokenAnswer
	if err := json.Unmarshal([]byte(resp.body), &a); err != nil || a.AccessToken == "" {
		t.Fatalf("not a token answer: %s", resp.body)
	}
	return a
}

// signInOAuth2 runs the flow for userID with scope and returns the tokens.
func (h *harness) signInOAuth2(userID, scope string) tokenAnswer {
	h.t.Helper()
	return parseTokenAnswer(h.t, h.token(exchangeForm(h.code(userID, scope))))
}

type oauth2ErrorDoc struct {
	Error       string `json:"error"`
	Description string `json:"error_description"`
}

func parseOAuth2Error(t *testing.T, resp response) oauth2ErrorDoc {
	t.Helper()
	var e oauth2ErrorDoc
	if err := json.Unmarshal([]byte(resp.body), &e); err != nil || e.Error == "" {
		t.Fatalf("not an OAuth 2.0 error: %d %s", resp.status, resp.body)
	}
	return e
}

// bearer calls a v2 endpoint with an OAuth 2.0 access token.
func (h *harness) bearer(token, method, path, body string) response {
	h.t.Helper()
	return h.jsonRequest(method, path, body, map[string]string{"Authorization": "Bearer " + token})
}

func (h *harness) usersMe(token string) response {
	h.t.Helper()
	return h.bearer(token, "GET", "/2/users/me", "")
}

// browse GETs path like a browser that does not follow redirects.
func (h *harness) browse(path string) response {
	h.t.Helper()
	r, err := http.NewRequest("GET", h.srv.URL+path, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	resp, err := send(r)
	if err != nil {
		h.t.Fatal(err)
	}
	return resp
}

func decodeBody(t *testing.T, resp response, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(resp.body), v); err != nil {
		t.Fatalf("decoding %d %s: %v", resp.status, resp.body, err)
	}
}
