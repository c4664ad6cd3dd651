package xsandbox

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/dghubble/oauth1"
)

// requestTokenAt runs the first leg with req's x_auth_access_type (in its
// path's query or its form) and returns the answer.
func (h *harness) requestTokenWith(path string, form url.Values) response {
	h.t.Helper()
	return h.do(h.signer(), request{method: "POST", path: path, form: form, oauth: map[string]string{"oauth_callback": testCallback}})
}

// finishSignIn approves the request token as userID and exchanges it.
func (h *harness) finishSignIn(token, secret, userID string) url.Values {
	h.t.Helper()
	callback, err := h.sb.Approve(token, userID)
	if err != nil {
		h.t.Fatalf("Approve: %v", err)
	}
	verifier := mustParseURL(h.t, callback).Query().Get("oauth_verifier")
	resp := h.do(h.signer().withToken(token, secret), request{method: "POST", path: "/oauth/access_token", oauth: map[string]string{"oauth_verifier": verifier}})
	requireStatus(h.t, resp, http.StatusOK)
	return mustParseForm(h.t, resp.body)
}

func TestXAuthAccessTypeSetsTheTokensLevel(t *testing.T) {
	tests := []struct {
		name      string
		path      string
		form      url.Values
		wantLevel AccessLevel
		wantLines []string
		wantLimit string
	}{
		{name: "read in the query", path: "/oauth/request_token?x_auth_access_type=read", wantLevel: LevelRead,
			wantLines: []string{"Read your posts and profile"}, wantLimit: "It will not be able to post, follow or see your Direct Messages."},
		{name: "write in the query", path: "/oauth/request_token?x_auth_access_type=write", wantLevel: LevelWrite,
			wantLines: []string{"Read your posts and profile", "Post and follow for you"}, wantLimit: "It will not be able to see or send your Direct Messages."},
		{name: "read in the form body", path: "/oauth/request_token", form: url.Values{"x_auth_access_type": {"read"}}, wantLevel: LevelRead,
			wantLines: []string{"Read your posts and profile"}},
		{name: "write in the form body", path: "/oauth/request_token", form: url.Values{"x_auth_access_type": {"write"}}, wantLevel: LevelWrite,
			wantLines: []string{"Read your posts and profile", "Post and follow for you"}},
		{name: "absent: the app's own level, with Direct Messages", path: "/oauth/request_token", wantLevel: LevelDM,
			wantLines: []string{"Read your posts and profile", "Post and follow for you", "Read and send your Direct Messages"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			resp := h.requestTokenWith(tt.path, tt.form)
			requireStatus(t, resp, http.StatusOK)
			rt := mustParseForm(t, resp.body)

			for _, path := range []string{"/oauth/authenticate", "/oauth/authorize"} {
				page := h.get(path + "?oauth_token=" + rt.Get("oauth_token"))
				requireStatus(t, page, http.StatusOK)
				if want := `id="permissions" data-level="` + string(tt.wantLevel) + `"`; !strings.Contains(page.body, want) {
					t.Errorf("%s lacks %s:\n%s", path, want, page.body)
				}
				for _, line := range levelPermissionLines {
					want := slicesContains(tt.wantLines, line)
					if got := strings.Contains(page.body, "<li>"+line+"</li>"); got != want {
						t.Errorf("%s lists %q: %v, want %v", path, line, got, want)
					}
				}
				if tt.wantLimit != "" && !strings.Contains(page.body, tt.wantLimit) {
					t.Errorf("%s does not say %q", path, tt.wantLimit)
				}
				if tt.wantLevel == LevelDM && strings.Contains(page.body, `id="limits"`) {
					t.Errorf("%s names a limit at the app's own level", path)
				}
			}

			access := h.finishSignIn(rt.Get("oauth_token"), rt.Get("oauth_token_secret"), aliceID)
			grants := h.sb.Grants()
			if len(grants) != 1 || grants[0].Protocol != ProtocolOAuth1 || grants[0].Level != tt.wantLevel || grants[0].UserID != aliceID || grants[0].Scope != "" {
				t.Errorf("grants %+v, want one OAuth 1.0a grant of alice at %s", grants, tt.wantLevel)
			}
			if st, ok := h.sb.LookupToken(access.Get("oauth_token")); !ok || st.Grant.Level != tt.wantLevel || st.Kind != TokenOAuth1Access {
				t.Errorf("LookupToken = %+v, %v", st, ok)
			}
		})
	}
}

// levelPermissionLines are every line the OAuth 1.0a authorize page may
// list (the test's own copy).
var levelPermissionLines = []string{"Read your posts and profile", "Post and follow for you", "Read and send your Direct Messages"}

func slicesContains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

func TestAnInvalidXAuthAccessTypeIsRefused(t *testing.T) {
	tests := []struct {
		name   string
		path   string
		form   url.Values
		tamper func(*http.Request)
		status int
		code   int
	}{
		{name: "another word", path: "/oauth/request_token?x_auth_access_type=admin", status: 403, code: 195},
		{name: "an empty value", path: "/oauth/request_token?x_auth_access_type=", status: 403, code: 195},
		{name: "the right word in capitals", path: "/oauth/request_token?x_auth_access_type=Read", status: 403, code: 195},
		{name: "X's portal name of the DM level", form: url.Values{"x_auth_access_type": {"read-write-directmessages"}}, path: "/oauth/request_token", status: 403, code: 195},
		{name: "twice", path: "/oauth/request_token?x_auth_access_type=read&x_auth_access_type=write", status: 403, code: 195},
		{name: "read and write in the query and the body", path: "/oauth/request_token?x_auth_access_type=read", form: url.Values{"x_auth_access_type": {"write"}}, status: 403, code: 195},
		{name: "added to the URL after signing: not signed, so the signature fails", path: "/oauth/request_token", status: 401, code: 32,
			tamper: func(r *http.Request) { r.URL.RawQuery = "x_auth_access_type=read" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			resp := h.do(h.signer(), request{method: "POST", path: tt.path, form: tt.form, tamper: tt.tamper,
				oauth: map[string]string{"oauth_callback": testCallback}})
			requireStatus(t, resp, tt.status)
			if code := xCode(t, resp.body); code != tt.code {
				t.Errorf("code %d, want %d: %s", code, tt.code, resp.body)
			}
			if tt.code == 195 && !strings.Contains(resp.body, "Missing or invalid url parameter.") {
				t.Errorf("body %s", resp.body)
			}
			if c := h.lastCall(); c.Endpoint != EndpointRequestToken || c.Error == "" {
				t.Errorf("recorded %+v", c)
			}
			h.sb.mu.Lock()
			n := len(h.sb.requestTokens)
			h.sb.mu.Unlock()
			if n != 0 {
				t.Errorf("%d request tokens issued", n)
			}
		})
	}
}

// The service's library signs the request-token URL's query: a level asked
// for there is signed and kept.
func TestXAuthAccessTypeWithTheDghubbleClient(t *testing.T) {
	sb := New(Options{ConsumerKey: testConsumerKey, ConsumerSecret: testConsumerSecret, AllowedCallbacks: []string{testCallback}})
	srv := httptest.NewServer(sb)
	defer srv.Close()
	for _, level := range []AccessLevel{LevelRead, LevelWrite} {
		config := &oauth1.Config{
			ConsumerKey: testConsumerKey, ConsumerSecret: testConsumerSecret, CallbackURL: testCallback,
			Endpoint: oauth1.Endpoint{
				RequestTokenURL: srv.URL + "/oauth/request_token?x_auth_access_type=" + string(level),
				AuthorizeURL:    srv.URL + "/oauth/authenticate",
				AccessTokenURL:  srv.URL + "/oauth/access_token",
			},
			HTTPClient: srv.Client(),
		}
		token, secret, err := config.RequestToken()
		if err != nil {
			t.Fatalf("%s: RequestToken: %v", level, err)
		}
		callback, err := sb.Approve(token, bobID)
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(callback)
		if _, _, err := config.AccessToken(token, secret, u.Query().Get("oauth_verifier")); err != nil {
			t.Fatalf("%s: AccessToken: %v", level, err)
		}
	}
	grants := sb.Grants()
	if len(grants) != 2 || grants[0].Level != LevelRead || grants[1].Level != LevelWrite {
		t.Errorf("grants %+v, want read then write", grants)
	}
}

func TestOAuth1LevelsAllowTheirV2Calls(t *testing.T) {
	allowed := map[AccessLevel]map[string]bool{
		LevelRead:  {EndpointUsersMe: true},
		LevelWrite: {EndpointUsersMe: true, EndpointFollow: true, EndpointTweet: true},
		LevelDM:    {EndpointUsersMe: true, EndpointFollow: true, EndpointTweet: true, EndpointDM: true},
	}
	for _, level := range []AccessLevel{LevelRead, LevelWrite, LevelDM} {
		for _, c := range v2Calls {
			ok := allowed[level][c.endpoint]
			name := string(level) + " token on " + c.endpoint
			if ok {
				name += " goes through"
			} else {
				name += " answers 403 oauth1-permissions"
			}
			t.Run(name, func(t *testing.T) {
				h := newHarness(t)
				token, secret := h.sb.IssueAccessTokenLevel(aliceID, level)
				resp := h.do(h.signer().withToken(token, secret), request{method: c.method, path: c.path, json: c.body})
				acted := len(h.sb.DMs()) + len(h.sb.Follows()) + len(h.sb.Tweets())
				if ok {
					requireStatus(t, resp, c.okStatus)
					return
				}
				requireStatus(t, resp, http.StatusForbidden)
				p := checkProblem(t, resp, ProblemOAuth1Permissions)
				if p.Type != "https://api.twitter.com/2/problems/oauth1-permissions" || p.Title != "Forbidden" ||
					p.Detail != "Your client app is not configured with the appropriate oauth1 app permissions for this endpoint." {
					t.Errorf("problem %+v", p)
				}
				if resp.header.Get("x-rate-limit-limit") == "" {
					t.Error("no rate-limit headers")
				}
				if rc := h.lastCall(); rc.UserID != aliceID || !strings.Contains(rc.Error, `level "`+string(level)+`"`) {
					t.Errorf("recorded %+v", rc)
				}
				if acted != 0 {
					t.Errorf("a refused call acted %d times", acted)
				}
			})
		}
	}
}

func TestIssueAccessTokenIsAtTheAppsLevel(t *testing.T) {
	h := newHarness(t)
	token, _ := h.sb.IssueAccessToken(aliceID)
	if st, ok := h.sb.LookupToken(token); !ok || st.Grant.Level != LevelDM {
		t.Errorf("LookupToken = %+v, %v; want level dm", st, ok)
	}
	defer func() {
		if recover() == nil {
			t.Error("IssueAccessTokenLevel took the level \"admin\"")
		}
	}()
	h.sb.IssueAccessTokenLevel(aliceID, "admin")
}

func TestControlAPIIssuesTokensAtALevel(t *testing.T) {
	tests := []struct {
		body       string
		wantStatus int
		wantLevel  AccessLevel
	}{
		{`{"user_id":"` + aliceID + `"}`, 200, LevelDM},
		{`{"user_id":"` + aliceID + `","level":"read"}`, 200, LevelRead},
		{`{"user_id":"` + aliceID + `","level":"write"}`, 200, LevelWrite},
		{`{"user_id":"` + aliceID + `","level":"dm"}`, 200, LevelDM},
		{`{"user_id":"` + aliceID + `","level":"admin"}`, 400, ""},
	}
	for _, tt := range tests {
		t.Run(tt.body, func(t *testing.T) {
			h := newHarness(t)
			resp := h.control("POST", "/_sandbox/tokens", tt.body)
			requireStatus(t, resp, tt.wantStatus)
			var got struct {
				Token string      `json:"oauth_token"`
				Level AccessLevel `json:"level"`
				Error string      `json:"error"`
			}
			decodeBody(t, resp, &got)
			if tt.wantStatus != 200 {
				if got.Error == "" || len(h.sb.Grants()) != 0 {
					t.Errorf("answer %s, grants %+v", resp.body, h.sb.Grants())
				}
				return
			}
			if st, ok := h.sb.LookupToken(got.Token); got.Level != tt.wantLevel || !ok || st.Grant.Level != tt.wantLevel {
				t.Errorf("answer %s, token %+v", resp.body, st)
			}
		})
	}
}
