package xsandbox

import (
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"
)

func (h *harness) revokeOAuth2(token string) {
	h.t.Helper()
	requireStatus(h.t, h.tokenCall("/2/oauth2/revoke", testClientID, testClientSecret, url.Values{"token": {token}}), http.StatusOK)
}

func TestGrantsSayWhetherTheyWereRevoked(t *testing.T) {
	const noOffline = "users.read tweet.read follows.write"
	const offline = "users.read tweet.read offline.access"
	tests := []struct {
		name string
		// run makes one grant and does things to it; it returns the access
		// token to look up.
		run           func(h *harness) string
		wantRevoked   bool
		wantBy        string
		wantExpired   bool
		tokenRevoked  bool   // TokenRevoked of the returned token
		tokenRevokeBy string // and how
	}{
		{name: "an OAuth 2.0 grant untouched is alive",
			run: func(h *harness) string { return h.signInOAuth2(aliceID, noOffline).AccessToken }},
		{name: "an OAuth 2.0 grant without offline.access whose access token the app revoked is revoked by the app",
			run: func(h *harness) string {
				a := h.signInOAuth2(aliceID, noOffline).AccessToken
				h.revokeOAuth2(a)
				return a
			}, wantRevoked: true, wantBy: RevokedByApp, tokenRevoked: true, tokenRevokeBy: RevokedByApp},
		{name: "an OAuth 2.0 grant without offline.access two hours later has expired, not been revoked",
			run: func(h *harness) string {
				a := h.signInOAuth2(aliceID, noOffline).AccessToken
				h.clock.Advance(2 * time.Hour)
				return a
			}, wantExpired: true},
		{name: "an OAuth 2.0 grant with offline.access whose access token alone was revoked can still refresh",
			run: func(h *harness) string {
				a := h.signInOAuth2(aliceID, offline).AccessToken
				h.revokeOAuth2(a)
				return a
			}, tokenRevoked: true, tokenRevokeBy: RevokedByApp},
		{name: "an OAuth 2.0 grant whose refresh token the app revoked is revoked whole",
			run: func(h *harness) string {
				a := h.signInOAuth2(aliceID, offline)
				h.revokeOAuth2(a.RefreshToken)
				return a.AccessToken
			}, wantRevoked: true, wantBy: RevokedByApp, tokenRevoked: true, tokenRevokeBy: RevokedByApp},
		{name: "an OAuth 2.0 grant refreshed lives on, its old access token rotated away",
			run: func(h *harness) string {
				a := h.signInOAuth2(aliceID, offline)
				parseTokenAnswer(h.t, h.token(refreshForm(a.RefreshToken)))
				return a.AccessToken
			}, tokenRevoked: true, tokenRevokeBy: RevokedByRotation},
		{name: "an OAuth 2.0 grant whose spent refresh token came back is revoked whole",
			run: func(h *harness) string {
				a := h.signInOAuth2(aliceID, offline)
				b := parseTokenAnswer(h.t, h.token(refreshForm(a.RefreshToken)))
				h.token(refreshForm(a.RefreshToken))
				return b.AccessToken
			}, wantRevoked: true, wantBy: RevokedByRefreshReuse, tokenRevoked: true, tokenRevokeBy: RevokedByRefreshReuse},
		{name: "an OAuth 2.0 grant with offline.access two hours later has not expired: it can refresh",
			run: func(h *harness) string {
				a := h.signInOAuth2(aliceID, offline).AccessToken
				h.clock.Advance(3 * time.Hour)
				return a
			}},
		{name: "an OAuth 1.0a token untouched is alive",
			run: func(h *harness) string { return h.userSigner(aliceID).token }},
		{name: "an OAuth 1.0a token the app invalidated is revoked by the app",
			run: func(h *harness) string {
				s := h.userSigner(aliceID)
				requireStatus(h.t, h.do(s, request{method: "POST", path: invalidatePath}), http.StatusOK)
				return s.token
			}, wantRevoked: true, wantBy: RevokedByApp, tokenRevoked: true, tokenRevokeBy: RevokedByApp},
		{name: "an OAuth 1.0a token whose user revoked the app is revoked by the user",
			run: func(h *harness) string {
				s := h.userSigner(aliceID)
				h.sb.Revoke(aliceID)
				return s.token
			}, wantRevoked: true, wantBy: RevokedByUser, tokenRevoked: true, tokenRevokeBy: RevokedByUser},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newOAuth2Harness(t)
			token := tt.run(h)
			grants := h.sb.Grants()
			if len(grants) != 1 {
				t.Fatalf("grants %+v, want one", grants)
			}
			g := grants[0]
			if g.Revoked != tt.wantRevoked || g.RevokedBy != tt.wantBy || g.Expired != tt.wantExpired || g.UserID != aliceID {
				t.Errorf("grant %+v, want revoked %v by %q, expired %v", g, tt.wantRevoked, tt.wantBy, tt.wantExpired)
			}
			st, ok := h.sb.LookupToken(token)
			if !ok || st.Grant != g || st.Revoked != tt.tokenRevoked || st.RevokedBy != tt.tokenRevokeBy {
				t.Errorf("LookupToken = %+v, %v; want revoked %v by %q, grant %+v", st, ok, tt.tokenRevoked, tt.tokenRevokeBy, g)
			}
			if got := h.sb.TokenRevoked(token); got != tt.tokenRevoked {
				t.Errorf("TokenRevoked = %v, want %v", got, tt.tokenRevoked)
			}
		})
	}
}

func TestLookupTokenTellsTheKindsApart(t *testing.T) {
	h := newOAuth2Harness(t)
	a := h.signInOAuth2(bobID, "users.read tweet.read offline.access")
	o1 := h.userSigner(bobID)
	tests := []struct {
		value, kind string
		known       bool
	}{
		{a.AccessToken, TokenOAuth2Access, true},
		{a.RefreshToken, TokenOAuth2Refresh, true},
		{o1.token, TokenOAuth1Access, true},
		{o1.tokenSecret, "", false}, // a secret is no token
		{"never-issued", "", false},
		{"", "", false},
	}
	for _, tt := range tests {
		st, ok := h.sb.LookupToken(tt.value)
		if ok != tt.known || st.Kind != tt.kind {
			t.Errorf("LookupToken(%s...) = %+v, %v; want kind %q, known %v", prefix(tt.value), st, ok, tt.kind, tt.known)
		}
		if h.sb.TokenRevoked(tt.value) {
			t.Errorf("TokenRevoked(%s...) with nothing revoked", prefix(tt.value))
		}
	}
	h.clock.Advance(2 * time.Hour)
	if st, _ := h.sb.LookupToken(a.AccessToken); !st.Expired || st.Revoked {
		t.Errorf("two hours later: %+v, want expired and not revoked", st)
	}
	parseTokenAnswer(t, h.token(refreshForm(a.RefreshToken)))
	if st, _ := h.sb.LookupToken(a.RefreshToken); !st.Spent || st.Revoked {
		t.Errorf("a used refresh token: %+v, want spent and not revoked", st)
	}
}

func prefix(s string) string {
	if len(s) > 6 {
		return s[:6]
	}
	return s
}

func TestGrantsListBothProtocolsInIssueOrderWithTheirScopeOrLevel(t *testing.T) {
	h := newOAuth2Harness(t)
	h.signInOAuth2(aliceID, "users.read tweet.read follows.write")
	rt := mustParseForm(t, h.requestTokenWith("/oauth/request_token?x_auth_access_type=write", nil).body)
	h.finishSignIn(rt.Get("oauth_token"), rt.Get("oauth_token_secret"), bobID)
	h.sb.IssueOAuth2Token(brandID, "users.read", "tweet.read", "dm.read", "dm.write", "offline.access")
	h.sb.IssueAccessToken(carolID)

	type g struct {
		id, protocol, user, scope string
		level                     AccessLevel
	}
	want := []g{
		{"oauth2-1", ProtocolOAuth2, aliceID, "users.read tweet.read follows.write", ""},
		{"oauth1-2", ProtocolOAuth1, bobID, "", LevelWrite},
		{"oauth2-3", ProtocolOAuth2, brandID, "users.read tweet.read dm.read dm.write offline.access", ""},
		{"oauth1-4", ProtocolOAuth1, carolID, "", LevelDM},
	}
	var got []g
	for _, x := range h.sb.Grants() {
		got = append(got, g{x.ID, x.Protocol, x.UserID, x.Scope, x.Level})
		if !x.IssuedAt.Equal(h.clock.Now()) {
			t.Errorf("%s issued at %v, want the sandbox clock's %v", x.ID, x.IssuedAt, h.clock.Now())
		}
	}
	if !slices.Equal(got, want) {
		t.Errorf("grants\n%+v\nwant\n%+v", got, want)
	}
	if sc := h.sb.Grants()[0].Scopes(); !slices.Equal(sc, []string{"follows.write", "tweet.read", "users.read"}) {
		t.Errorf("Scopes() = %v, want them sorted", sc)
	}
	// A denied sign-in and a refused authorize request grant nothing.
	denied := mustParseForm(t, h.requestTokenWith("/oauth/request_token?x_auth_access_type=read", nil).body)
	if _, err := h.sb.Deny(denied.Get("oauth_token")); err != nil {
		t.Fatal(err)
	}
	if _, err := h.sb.DenyOAuth2(h.srv.URL + authorizeQuery(nil)); err != nil {
		t.Fatal(err)
	}
	if n := len(h.sb.Grants()); n != 4 {
		t.Errorf("%d grants after two refusals, want 4", n)
	}
}

func TestControlAPIListsGrantsWithoutTokens(t *testing.T) {
	h := newOAuth2Harness(t)
	a := h.signInOAuth2(aliceID, "users.read tweet.read offline.access")
	h.revokeOAuth2(a.RefreshToken)
	o1 := h.userSigner(bobID)
	levelRead, readSecret := h.sb.IssueAccessTokenLevel(aliceID, LevelRead)

	resp := h.control("GET", "/_sandbox/grants", "")
	requireStatus(t, resp, http.StatusOK)
	for _, secret := range []string{a.AccessToken, a.RefreshToken, o1.token, o1.tokenSecret, levelRead, readSecret, testClientSecret, testConsumerSecret} {
		if strings.Contains(resp.body, secret) {
			t.Fatalf("the listing holds a token or secret: %s", resp.body)
		}
	}
	var raw []map[string]any
	decodeBody(t, resp, &raw)
	if len(raw) != 3 {
		t.Fatalf("listing %s, want 3 grants", resp.body)
	}
	wantKeys := map[string][]string{
		"oauth2-1": {"expired", "id", "issued_at", "protocol", "revoked", "revoked_by", "scope", "user_id"},
		"oauth1-2": {"expired", "id", "issued_at", "level", "protocol", "revoked", "user_id"},
		"oauth1-3": {"expired", "id", "issued_at", "level", "protocol", "revoked", "user_id"},
	}
	for _, g := range raw {
		var keys []string
		for k := range g {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if id, _ := g["id"].(string); !slices.Equal(keys, wantKeys[id]) {
			t.Errorf("grant %v has keys %v, want %v", g, keys, wantKeys[id])
		}
	}
	if raw[0]["revoked"] != true || raw[0]["revoked_by"] != "app" || raw[0]["scope"] != "users.read tweet.read offline.access" {
		t.Errorf("the revoked OAuth 2.0 grant: %v", raw[0])
	}
	if raw[2]["level"] != "read" || raw[2]["user_id"] != aliceID {
		t.Errorf("the read token: %v", raw[2])
	}

	filters := []struct {
		query string
		ids   []string
	}{
		{"?user_id=" + aliceID, []string{"oauth2-1", "oauth1-3"}},
		{"?user_id=" + bobID + "&protocol=oauth1", []string{"oauth1-2"}},
		{"?protocol=oauth2", []string{"oauth2-1"}},
		{"?user_id=" + daveID, []string{}},
	}
	for _, f := range filters {
		var got []Grant
		resp := h.control("GET", "/_sandbox/grants"+f.query, "")
		decodeBody(t, resp, &got)
		ids := []string{}
		for _, g := range got {
			ids = append(ids, g.ID)
		}
		if !slices.Equal(ids, f.ids) || (len(f.ids) == 0 && strings.TrimSpace(resp.body) != "[]") {
			t.Errorf("GET /_sandbox/grants%s = %s, want ids %v", f.query, resp.body, f.ids)
		}
	}
	if calls := h.sb.Calls(); slices.ContainsFunc(calls, func(c Call) bool { return strings.HasPrefix(c.Path, ControlPrefix) }) {
		t.Errorf("control calls were recorded: %+v", calls)
	}
}

func TestControlAPILooksTokensUp(t *testing.T) {
	h := newOAuth2Harness(t)
	a := h.signInOAuth2(aliceID, "users.read tweet.read")
	h.revokeOAuth2(a.AccessToken)
	o1 := h.userSigner(bobID)

	tests := []struct {
		name, body string
		wantStatus int
		want       TokenLookupJSON
	}{
		{"a revoked OAuth 2.0 access token", `{"token":"` + a.AccessToken + `"}`, 200, TokenLookupJSON{Known: true, TokenState: TokenState{
			Kind: TokenOAuth2Access, Revoked: true, RevokedBy: RevokedByApp,
			Grant: Grant{ID: "oauth2-1", Protocol: ProtocolOAuth2, UserID: aliceID, Scope: "users.read tweet.read", IssuedAt: h.clock.Now(), Revoked: true, RevokedBy: RevokedByApp}}}},
		{"a live OAuth 1.0a token", `{"token":"` + o1.token + `"}`, 200, TokenLookupJSON{Known: true, TokenState: TokenState{
			Kind:  TokenOAuth1Access,
			Grant: Grant{ID: "oauth1-2", Protocol: ProtocolOAuth1, UserID: bobID, Level: LevelDM, IssuedAt: h.clock.Now()}}}},
		{"a value never issued", `{"token":"nope"}`, 200, TokenLookupJSON{}},
		{"no token", `{}`, 400, TokenLookupJSON{}},
		{"not JSON", `token=x`, 400, TokenLookupJSON{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := h.control("POST", "/_sandbox/tokens/lookup", tt.body)
			requireStatus(t, resp, tt.wantStatus)
			if tt.wantStatus != 200 {
				return
			}
			var got TokenLookupJSON
			if err := json.Unmarshal([]byte(resp.body), &got); err != nil {
				t.Fatal(err)
			}
			got.Grant.IssuedAt, tt.want.Grant.IssuedAt = got.Grant.IssuedAt.UTC(), tt.want.Grant.IssuedAt.UTC()
			if got != tt.want {
				t.Errorf("got %+v\nwant %+v", got, tt.want)
			}
			if strings.Contains(resp.body, a.AccessToken) || strings.Contains(resp.body, o1.token) {
				t.Errorf("the answer echoes the token: %s", resp.body)
			}
		})
	}
}
