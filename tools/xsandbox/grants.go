package xsandbox

import (
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Protocols of a Grant.
const (
	ProtocolOAuth1 = "oauth1"
	ProtocolOAuth2 = "oauth2"
)

// Who or what revoked a token (Grant.RevokedBy, TokenState.RevokedBy).
const (
	// RevokedByApp: the app revoked it, at POST /2/oauth2/revoke or
	// POST /1.1/oauth/invalidate_token.
	RevokedByApp = "app"
	// RevokedByUser: its user revoked the app (Revoke, POST /_sandbox/revoke).
	RevokedByUser = "user"
	// RevokedByRotation: an OAuth 2.0 token replaced by a refresh.
	RevokedByRotation = "rotated"
	// RevokedByRefreshReuse: an OAuth 2.0 grant revoked whole because a
	// spent refresh token of it was presented again.
	RevokedByRefreshReuse = "refresh_reuse"
)

// Grant is one consent of a user to the app, as the sandbox issued it: an
// OAuth 2.0 grant (every token descending from one authorization code, or
// one IssueOAuth2Token) or an OAuth 1.0a access token. It holds no secret.
type Grant struct {
	// ID is "oauth2-N" or "oauth1-N", N counting the grants of both
	// protocols from 1 in the order they were issued.
	ID       string `json:"id"`
	Protocol string `json:"protocol"` // ProtocolOAuth2 or ProtocolOAuth1
	UserID   string `json:"user_id"`
	// Scope is an OAuth 2.0 grant's scopes, space-separated, in the order
	// the authorize request named them (the token answer's "scope").
	Scope string `json:"scope,omitempty"`
	// Level is an OAuth 1.0a token's access level.
	Level    AccessLevel `json:"level,omitempty"`
	IssuedAt time.Time   `json:"issued_at"`
	// Revoked is set once no token of the grant can act any more because it
	// was revoked (not merely expired): an OAuth 1.0a token invalidated by
	// the app or revoked by its user; an OAuth 2.0 grant revoked whole (its
	// refresh token revoked, a spent refresh token reused) or whose every
	// access token was revoked and which has no usable refresh token.
	Revoked bool `json:"revoked"`
	// RevokedBy says how, when Revoked: one of the RevokedBy* values.
	RevokedBy string `json:"revoked_by,omitempty"`
	// Expired is set on an OAuth 2.0 grant that is not revoked but cannot
	// act any more: its access tokens are past their two hours and it has
	// no usable refresh token (no offline.access, or the refresh token spent).
	Expired bool `json:"expired"`
}

// Scopes returns an OAuth 2.0 grant's scopes, sorted.
func (g Grant) Scopes() []string {
	sc := strings.Fields(g.Scope)
	slices.Sort(sc)
	return sc
}

// Token kinds of a TokenState.
const (
	TokenOAuth2Access  = "oauth2_access"
	TokenOAuth2Refresh = "oauth2_refresh"
	TokenOAuth1Access  = "oauth1_access"
)

// TokenState is what the sandbox knows of one token it issued, found by its
// value (LookupToken, POST /_sandbox/tokens/lookup). It holds no secret.
type TokenState struct {
	Kind  string `json:"kind"`  // one of the Token* kinds
	Grant Grant  `json:"grant"` // the grant it belongs to
	// Revoked is set when this token is refused from now on because it was
	// revoked (RevokedBy says how) or its grant was.
	Revoked   bool   `json:"revoked"`
	RevokedBy string `json:"revoked_by,omitempty"`
	// Expired is set on an OAuth 2.0 access token past its two hours.
	Expired bool `json:"expired"`
	// Spent is set on an OAuth 2.0 refresh token already used.
	Spent bool `json:"spent"`
}

// Grants returns every grant issued so far, oldest first: sign-ins of both
// protocols and the tokens of IssueAccessToken, IssueAccessTokenLevel and
// IssueOAuth2Token.
func (s *Sandbox) Grants() []Grant {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.grants(s.opts.Now())
}

// grants is Grants for a caller that holds s.mu.
func (s *Sandbox) grants(now time.Time) []Grant {
	out := make([]Grant, 0, len(s.o2.grants)+len(s.o1Grants))
	for _, g := range s.o2.grants {
		out = append(out, g.view(now))
	}
	for _, at := range s.o1Grants {
		out = append(out, at.view())
	}
	slices.SortFunc(out, func(a, b Grant) int { return grantSeq(a.ID) - grantSeq(b.ID) })
	return out
}

// grantSeq is the N of a grant id "<protocol>-N".
func grantSeq(id string) int {
	_, n, _ := strings.Cut(id, "-")
	seq, _ := strconv.Atoi(n)
	return seq
}

// nextGrantID numbers a new grant. The caller holds s.mu.
func (s *Sandbox) nextGrantID(protocol string) string {
	s.lastGrant++
	return fmt.Sprintf("%s-%d", protocol, s.lastGrant)
}

// LookupToken finds a token the sandbox issued by its value: an OAuth 2.0
// access or refresh token, or an OAuth 1.0a access token (also one
// invalidated since). ok is false for a value it never issued.
func (s *Sandbox) LookupToken(value string) (state TokenState, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	if t := s.o2.access[value]; t != nil {
		return TokenState{Kind: TokenOAuth2Access, Grant: t.grant.view(now), Revoked: t.revoked, RevokedBy: t.revokedBy,
			Expired: !now.Before(t.expires)}, true
	}
	if t := s.o2.refresh[value]; t != nil {
		return TokenState{Kind: TokenOAuth2Refresh, Grant: t.grant.view(now), Revoked: t.revoked, RevokedBy: t.revokedBy, Spent: t.spent}, true
	}
	for _, at := range s.o1Grants {
		if at.token == value {
			return TokenState{Kind: TokenOAuth1Access, Grant: at.view(), Revoked: at.revoked, RevokedBy: at.revokedBy}, true
		}
	}
	return TokenState{}, false
}

// TokenRevoked reports whether the token of that value was revoked at X:
// an OAuth 2.0 access or refresh token revoked (or its grant), an OAuth 1.0a
// token invalidated or revoked by its user. A value the sandbox never issued
// is not revoked; an expired token is not revoked either.
func (s *Sandbox) TokenRevoked(value string) bool {
	st, ok := s.LookupToken(value)
	return ok && st.Revoked
}

// view is the grant as Grants lists it. The caller holds s.mu.
func (g *oauth2Grant) view(now time.Time) Grant {
	v := Grant{ID: g.id, Protocol: ProtocolOAuth2, UserID: g.userID, Scope: g.scope, IssuedAt: g.issued}
	if g.revoked {
		v.Revoked, v.RevokedBy = true, g.revokedBy
		return v
	}
	var accessAlive, refreshUsable, allAccessRevoked = false, false, true
	var lastRevokedBy string
	for _, t := range g.tokens {
		switch {
		case t.refresh:
			refreshUsable = refreshUsable || (!t.revoked && !t.spent)
		case t.revoked:
			lastRevokedBy = t.revokedBy
		default:
			allAccessRevoked = false
			accessAlive = accessAlive || now.Before(t.expires)
		}
	}
	switch {
	case refreshUsable || accessAlive:
	case allAccessRevoked:
		v.Revoked, v.RevokedBy = true, lastRevokedBy
	default:
		v.Expired = true
	}
	return v
}

// view is the OAuth 1.0a token as Grants lists it.
func (at *accessToken) view() Grant {
	return Grant{ID: at.id, Protocol: ProtocolOAuth1, UserID: at.userID, Level: at.level, IssuedAt: at.issued,
		Revoked: at.revoked, RevokedBy: at.revokedBy}
}

// controlGrants is Grants over HTTP: GET /_sandbox/grants lists them all,
// ?user_id= those of one user, ?protocol= those of one protocol.
func (s *Sandbox) controlGrants(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	out := []Grant{}
	for _, g := range s.Grants() {
		if (q.Has("user_id") && g.UserID != q.Get("user_id")) || (q.Has("protocol") && g.Protocol != q.Get("protocol")) {
			continue
		}
		out = append(out, g)
	}
	writeJSON(w, http.StatusOK, out)
}

// TokenLookupJSON is the answer of POST /_sandbox/tokens/lookup, whose
// body is {"token":"<value>"}: Known is false (and the rest empty) for a
// value the sandbox never issued. The value is taken in a body, not a URL,
// and is never recorded, logged or echoed.
type TokenLookupJSON struct {
	Known bool `json:"known"`
	TokenState
}

func (s *Sandbox) controlLookupToken(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Token string `json:"token"`
	}
	if !readControlJSON(w, r, &req) {
		return
	}
	if req.Token == "" {
		writeJSON(w, http.StatusBadRequest, controlError{"token is required"})
		return
	}
	st, ok := s.LookupToken(req.Token)
	writeJSON(w, http.StatusOK, TokenLookupJSON{Known: ok, TokenState: st})
}
