package xsandbox

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestTheAuthorizePageOffersEveryAccountAndCancel(t *testing.T) {
	for _, path := range []string{"/oauth/authenticate", "/oauth/authorize"} {
		t.Run(path+" shows a button per account and a cancel button", func(t *testing.T) {
			h := newHarness(t)
			token, _ := h.requestToken()
			resp := h.get(path + "?oauth_token=" + token)
			if resp.status != http.StatusOK || !strings.HasPrefix(resp.header.Get("Content-Type"), "text/html") {
				t.Fatalf("got %d %s", resp.status, resp.header.Get("Content-Type"))
			}
			for _, want := range []string{
				`id="authorize-brand"`, `id="authorize-alice"`, `id="authorize-bob"`, `id="authorize-carol"`, `id="authorize-dave"`,
				`id="cancel"`, `name="oauth_token" value="` + token + `"`, `action="` + path + `"`, testCallback, testConsumerKey,
			} {
				if !strings.Contains(resp.body, want) {
					t.Errorf("page lacks %s", want)
				}
			}
			if strings.Contains(resp.body, testConsumerSecret) {
				t.Error("page shows the consumer secret")
			}
			for _, external := range []string{"<link", "<script", "<img", "@import", "url("} {
				if strings.Contains(resp.body, external) {
					t.Errorf("page loads an asset (%s)", external)
				}
			}
		})
	}
}

func TestClickingOnTheAuthorizePage(t *testing.T) {
	tests := []struct {
		name         string
		form         func(token string) url.Values
		wantStatus   int
		wantLocation func(token string) string // prefix
		wantUserID   string
	}{
		{name: "authorize as alice redirects to the callback with a verifier",
			form:         func(tok string) url.Values { return url.Values{"oauth_token": {tok}, "user": {"alice"}} },
			wantStatus:   http.StatusFound,
			wantLocation: func(tok string) string { return testCallback + "?oauth_token=" + tok + "&oauth_verifier=" },
			wantUserID:   aliceID},
		{name: "cancel redirects to the callback with denied",
			form:         func(tok string) url.Values { return url.Values{"oauth_token": {tok}, "cancel": {"1"}} },
			wantStatus:   http.StatusFound,
			wantLocation: func(tok string) string { return testCallback + "?denied=" + tok }},
		{name: "an unknown account answers 400",
			form:       func(tok string) url.Values { return url.Values{"oauth_token": {tok}, "user": {"mallory"}} },
			wantStatus: http.StatusBadRequest},
		{name: "an unknown token answers 400",
			form:       func(string) url.Values { return url.Values{"oauth_token": {"nope"}, "user": {"alice"}} },
			wantStatus: http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			token, _ := h.requestToken()
			resp := h.postForm("/oauth/authenticate", tt.form(token))
			requireStatus(t, resp, tt.wantStatus)
			if tt.wantLocation != nil {
				if loc, want := resp.header.Get("Location"), tt.wantLocation(token); !strings.HasPrefix(loc, want) {
					t.Errorf("Location %s, want %s...", loc, want)
				}
			}
			if c := h.lastCall(); c.Endpoint != EndpointAuthenticate || c.UserID != tt.wantUserID {
				t.Errorf("recorded %+v, want endpoint authenticate and user %q", c, tt.wantUserID)
			}
		})
	}
}

func TestTheAuthorizePageRefusesDeadTokens(t *testing.T) {
	tests := []struct {
		name    string
		prepare func(h *harness, token string) string // returns the token to open the page with
		want    string
	}{
		{"an unknown token shows a page saying it is not valid", func(*harness, string) string { return "nope" }, "not valid"},
		{"a missing token shows a page saying it is not valid", func(*harness, string) string { return "" }, "not valid"},
		{"an expired token shows a page saying it has expired", func(h *harness, tok string) string {
			h.clock.Advance(16 * time.Minute)
			return tok
		}, "expired"},
		{"a used token shows a page saying it was already used", func(h *harness, tok string) string {
			if _, err := h.sb.Approve(tok, aliceID); err != nil {
				h.t.Fatal(err)
			}
			return tok
		}, "already been used"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t)
			token, _ := h.requestToken()
			resp := h.get("/oauth/authenticate?oauth_token=" + tt.prepare(h, token))
			if resp.status != http.StatusBadRequest || !strings.Contains(resp.body, tt.want) || !strings.Contains(resp.body, `id="error-title"`) {
				t.Errorf("got %d, want 400 with %q:\n%s", resp.status, tt.want, resp.body)
			}
		})
	}
}

func TestThePanelShowsWhatHappenedNewestFirst(t *testing.T) {
	h := newHarness(t)
	brand := h.userSigner(brandID)
	alice := h.userSigner(aliceID)
	h.do(alice, request{method: "POST", path: "/2/users/" + aliceID + "/following", json: `{"target_user_id":"` + brandID + `"}`})
	h.do(brand, request{method: "POST", path: "/2/dm_conversations/with/" + aliceID + "/messages", json: `{"text":"first <b>welcome</b>"}`})
	h.clock.Advance(time.Second)
	h.do(brand, request{method: "POST", path: "/2/dm_conversations/with/" + bobID + "/messages", json: `{"text":"second"}`})
	h.do(alice, request{method: "POST", path: "/2/tweets", json: `{"text":"I joined"}`})

	resp := h.get("/_sandbox/")
	if resp.status != http.StatusOK {
		t.Fatalf("panel: %d", resp.status)
	}
	for _, want := range []string{
		`id="follows"`, `id="dms"`, `id="tweets"`, `id="calls"`, `http-equiv="refresh" content="2"`,
		`<strong>@alice</strong> followed <strong>@brand</strong>`, `I joined`,
		`first &lt;b&gt;welcome&lt;/b&gt;`, // escaped
	} {
		if !strings.Contains(resp.body, want) {
			t.Errorf("panel lacks %s", want)
		}
	}
	if strings.Index(resp.body, "second") > strings.Index(resp.body, "first &lt;b&gt;") {
		t.Error("DMs are not listed newest first")
	}
}

func TestThePanelListsTheGrantsWithoutTokens(t *testing.T) {
	h := newOAuth2Harness(t)
	a := h.signInOAuth2(aliceID, "users.read tweet.read")
	h.revokeOAuth2(a.AccessToken)
	token, secret := h.sb.IssueAccessTokenLevel(bobID, LevelWrite)

	resp := h.get("/_sandbox/")
	requireStatus(t, resp, http.StatusOK)
	for _, want := range []string{
		`id="grants"`,
		`<tr data-grant-id="oauth2-1"><td>12:00:00</td><td>oauth2-1</td><td>@alice</td><td><code>users.read tweet.read</code></td><td>revoked (app)</td></tr>`,
		`<tr data-grant-id="oauth1-2"><td>12:00:00</td><td>oauth1-2</td><td>@bob</td><td>level <code>write</code></td><td>live</td></tr>`,
	} {
		if !strings.Contains(resp.body, want) {
			t.Errorf("panel lacks %s", want)
		}
	}
	if strings.Index(resp.body, `data-grant-id="oauth1-2"`) > strings.Index(resp.body, `data-grant-id="oauth2-1"`) {
		t.Error("grants are not listed newest first")
	}
	for _, s := range []string{a.AccessToken, token, secret} {
		if strings.Contains(resp.body, s) {
			t.Error("the panel shows a token or secret")
		}
	}
}
