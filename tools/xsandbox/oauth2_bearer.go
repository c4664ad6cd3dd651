package xsandbox

import (
	"cmp"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// bearerToken returns the token of an "Authorization: Bearer" header.
func bearerToken(r *http.Request) (string, bool) {
	scheme, token, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	return strings.TrimSpace(token), strings.EqualFold(scheme, "Bearer")
}

// authenticateBearer checks an OAuth 2.0 user-context access token on a v2
// endpoint. A bearer token the sandbox never issued is taken for an
// app-only token, which X refuses on user-context endpoints with 403.
func (s *Sandbox) authenticateBearer(token, endpoint string, now time.Time) (User, reply, bool) {
	at := s.o2.access[token]
	if at == nil {
		return User{}, problemReply(http.StatusForbidden, ProblemUnsupportedAuthentication, "Unsupported Authentication",
			"Authenticating with OAuth 2.0 Application-Only is forbidden for this endpoint.  Supported authentication types are [OAuth 1.0a User Context, OAuth 2.0 User Context].",
			"app-only bearer token on a user-context endpoint"), false
	}
	switch {
	case at.revoked:
		return User{}, unauthorized("OAuth 2.0 access token revoked (grant " + at.grant.id + ")"), false
	case !now.Before(at.expires):
		return User{}, unauthorized(fmt.Sprintf("OAuth 2.0 access token expired %s ago", now.Sub(at.expires))), false
	}
	me, ok := s.userByID[at.grant.userID]
	if !ok {
		return User{}, unauthorized("OAuth 2.0 access token of " + at.grant.userID + ", which is not a sandbox user"), false
	}
	if missing := missingScopes(at.grant.scope, endpoint); len(missing) > 0 {
		rep := insufficientScope(missing, at.grant.scope)
		rep.userID = me.ID
		return User{}, rep, false
	}
	return me, reply{}, true
}

// IssueOAuth2Token mints OAuth 2.0 tokens for userID directly, as if that
// user had just approved the app with these scopes, for tests of the v2
// calls. refresh is "" unless scopes include offline.access. Each call is
// a grant of its own (see Grants), and the v2 calls check its scopes as
// they check a sign-in's (see RequiredScopes).
func (s *Sandbox) IssueOAuth2Token(userID string, scopes ...string) (access, refresh string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	g := s.newOAuth2Grant(userID, strings.Join(scopes, " "), now)
	at, rt := s.issueOAuth2Pair(g, now)
	if rt != nil {
		refresh = rt.value
	}
	return at.value, refresh
}

// ExpireOAuth2Tokens makes every OAuth 2.0 access token of userID expired
// now, as if two hours had passed for them. Refresh tokens keep working.
func (s *Sandbox) ExpireOAuth2Tokens(userID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	for _, at := range s.o2.access {
		if at.grant.userID == userID && at.expires.After(now) {
			at.expires = now
		}
	}
}

func (s *Sandbox) oauth2ControlRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /_sandbox/oauth2/expire", forUser(s.ExpireOAuth2Tokens))
	mux.HandleFunc("POST /_sandbox/oauth2/approve", decide(func(d oauth2Decision) (string, error) { return s.ApproveOAuth2(d.ref(), d.UserID) }))
	mux.HandleFunc("POST /_sandbox/oauth2/deny", decide(func(d oauth2Decision) (string, error) { return s.DenyOAuth2(d.ref()) }))
	mux.HandleFunc("GET /_sandbox/oauth2/refreshes", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, nonNil(s.OAuth2Refreshes()))
	})
}

// oauth2Decision is the body of POST /_sandbox/oauth2/approve and deny:
// "authorize_url" or "state" names the authorization.
type oauth2Decision struct {
	AuthorizeURL string `json:"authorize_url"`
	State        string `json:"state"`
	UserID       string `json:"user_id"`
}

func (d oauth2Decision) ref() string { return cmp.Or(d.AuthorizeURL, d.State) }
