package xsandbox

import (
	"cmp"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// oauth2Grant is one user's consent to the app: every access and refresh
// token that descends from one authorization code (a token family).
type oauth2Grant struct {
	id        string
	userID    string
	scope     string
	issued    time.Time
	revoked   bool
	revokedBy string         // a RevokedBy* value once revoked
	tokens    []*oauth2Token // every token issued under it, in order
}

// oauth2Token is an access or a refresh token. A refresh token is spent once
// used; pair links a refresh token to the access token issued with it.
type oauth2Token struct {
	value     string
	grant     *oauth2Grant
	refresh   bool      // a refresh token, else an access token
	expires   time.Time // access tokens only
	revoked   bool
	revokedBy string // a RevokedBy* value once revoked
	spent     bool   // refresh tokens only
	pair      *oauth2Token
}

func (t *oauth2Token) revoke(by string) {
	if !t.revoked {
		t.revoked, t.revokedBy = true, by
	}
}

// OAuth2Refresh is one use of a refresh token at POST /2/oauth2/token, for
// tests to assert "one refresh per expiry, zero reuse".
type OAuth2Refresh struct {
	At      time.Time `json:"at"`
	UserID  string    `json:"user_id"`
	GrantID string    `json:"grant_id"`
	// TokenID identifies the refresh token presented (a hash prefix, never
	// the token itself).
	TokenID string `json:"token_id"`
	// Reuse is set when the token had already been used: the whole grant
	// was revoked.
	Reuse bool `json:"reuse"`
	// OK is set when new tokens were issued.
	OK bool `json:"ok"`
}

// OAuth2Refreshes returns every refresh-token use so far, oldest first.
func (s *Sandbox) OAuth2Refreshes() []OAuth2Refresh { return snapshot(s, &s.o2.refreshes) }

func tokenID(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:6])
}

// oauth2Error is X's OAuth 2.0 error object {"error","error_description"}.
func oauth2Error(status int, code, description, reason string) reply {
	rep := jsonReply(status, map[string]string{"error": code, "error_description": description})
	rep.reason = cmp.Or(reason, code+": "+description)
	return rep
}

func missingParam(name string) reply {
	return oauth2Error(http.StatusBadRequest, "invalid_request", "Missing required parameter ["+name+"].", "")
}

// oauth2Client authenticates the confidential client (HTTP Basic, RFC 6749
// section 2.3.1) and returns the form body.
func (s *Sandbox) oauth2Client(in *inbound) (url.Values, reply, bool) {
	rawID, rawSecret, ok := in.r.BasicAuth()
	// RFC 6749 2.3.1: id and secret are form-urlencoded before Basic encoding.
	id, errID := url.QueryUnescape(rawID)
	secret, errSecret := url.QueryUnescape(rawSecret)
	if !ok || errID != nil || errSecret != nil {
		return nil, oauth2Error(http.StatusUnauthorized, "unauthorized_client", "Missing valid authorization header", "no Basic client authentication"), false
	}
	good := s.opts.ClientID != "" && s.opts.ClientSecret != "" && id == s.opts.ClientID &&
		subtle.ConstantTimeCompare([]byte(secret), []byte(s.opts.ClientSecret)) == 1
	if !good {
		return nil, oauth2Error(http.StatusUnauthorized, "invalid_client", "Client authentication failed.", "wrong client id or secret for client "+strconv.Quote(id)), false
	}
	form, err := url.ParseQuery(string(in.body))
	if err != nil || !isFormEncoded(in.r.Header.Get("Content-Type")) {
		return nil, oauth2Error(http.StatusBadRequest, "invalid_request", "The request body must be application/x-www-form-urlencoded.", ""), false
	}
	if cid := form.Get("client_id"); cid != "" && cid != id {
		return nil, oauth2Error(http.StatusBadRequest, "invalid_request", "Value passed for the client_id was invalid.", "client_id in the body differs from the Basic authentication"), false
	}
	return form, reply{}, true
}

// handleOAuth2Token answers POST /2/oauth2/token.
func (s *Sandbox) handleOAuth2Token(in *inbound) reply {
	return s.v1Limited(EndpointOAuth2Token, in, func() reply {
		form, rep, ok := s.oauth2Client(in)
		if !ok {
			return rep
		}
		switch form.Get("grant_type") {
		case "authorization_code":
			return s.exchangeCode(form, in.now)
		case "refresh_token":
			return s.refreshGrant(form, in.now)
		case "":
			return missingParam("grant_type")
		}
		return oauth2Error(http.StatusBadRequest, "unsupported_grant_type", "grant_type "+strconv.Quote(form.Get("grant_type"))+" is not supported.", "")
	})
}

func (s *Sandbox) exchangeCode(form url.Values, now time.Time) reply {
	invalid := func(reason string) reply {
		return oauth2Error(http.StatusBadRequest, "invalid_request", "Value passed for the authorization code was invalid.", reason)
	}
	c := s.o2.codes[form.Get("code")]
	switch {
	case form.Get("code") == "":
		return missingParam("code")
	case form.Get("code_verifier") == "":
		return missingParam("code_verifier")
	case c == nil:
		return invalid("unknown authorization code")
	case c.used:
		return invalid("authorization code already used (codes are single-use)")
	case !now.Before(c.issued.Add(oauth2CodeTTL)):
		return invalid("authorization code expired: issued " + now.Sub(c.issued).String() + " ago, codes live 30s")
	case form.Get("redirect_uri") != c.req.redirectURI:
		return invalid("redirect_uri " + strconv.Quote(form.Get("redirect_uri")) + " differs from the authorize request's")
	case subtle.ConstantTimeCompare([]byte(S256Challenge(form.Get("code_verifier"))), []byte(c.req.challenge)) != 1:
		return invalid("code_verifier does not match the code_challenge (S256)")
	}
	c.used = true
	return s.tokenReply(s.newOAuth2Grant(c.userID, c.req.scope, now), now)
}

// tokenReply issues a new access token (and a refresh token when the grant
// has offline.access) and answers them as X does.
func (s *Sandbox) tokenReply(g *oauth2Grant, now time.Time) reply {
	access, refresh := s.issueOAuth2Pair(g, now)
	body := map[string]any{
		"token_type":   "bearer",
		"expires_in":   int(oauth2AccessTTL / time.Second),
		"access_token": access.value,
		"scope":        g.scope,
	}
	if refresh != nil {
		body["refresh_token"] = refresh.value
	}
	rep := jsonReply(http.StatusOK, body)
	rep.setHeader("Cache-Control", "no-store")
	rep.userID = g.userID
	return rep
}

// newOAuth2Grant records a user's consent to scope. The caller holds s.mu.
func (s *Sandbox) newOAuth2Grant(userID, scope string, now time.Time) *oauth2Grant {
	g := &oauth2Grant{id: s.nextGrantID(ProtocolOAuth2), userID: userID, scope: scope, issued: now}
	s.o2.grants = append(s.o2.grants, g)
	return g
}

func (s *Sandbox) issueOAuth2Pair(g *oauth2Grant, now time.Time) (access, refresh *oauth2Token) {
	access = &oauth2Token{value: rand.Text() + rand.Text(), grant: g, expires: now.Add(oauth2AccessTTL)}
	s.o2.access[access.value] = access
	g.tokens = append(g.tokens, access)
	if hasScope(g.scope, "offline.access") {
		refresh = &oauth2Token{value: rand.Text() + rand.Text(), grant: g, refresh: true, pair: access}
		s.o2.refresh[refresh.value] = refresh
		g.tokens = append(g.tokens, refresh)
	}
	return access, refresh
}

// refreshGrant rotates a refresh token: the old refresh and access tokens
// stop working and a new pair is issued. A refresh token used twice revokes
// its whole family.
func (s *Sandbox) refreshGrant(form url.Values, now time.Time) reply {
	value := form.Get("refresh_token")
	if value == "" {
		return missingParam("refresh_token")
	}
	rt := s.o2.refresh[value]
	if rt == nil {
		return oauth2Error(http.StatusBadRequest, "invalid_request", "Value passed for the token was invalid.", "unknown refresh token")
	}
	rec := OAuth2Refresh{At: now, UserID: rt.grant.userID, GrantID: rt.grant.id, TokenID: tokenID(value), Reuse: rt.spent}
	var rep reply
	switch {
	case rt.spent:
		s.revokeGrant(rt.grant, RevokedByRefreshReuse)
		rep = oauth2Error(http.StatusBadRequest, "invalid_request", "Value passed for the token was invalid.",
			"refresh token already used: every token of grant "+rt.grant.id+" is revoked")
	case rt.revoked || rt.grant.revoked:
		rep = oauth2Error(http.StatusBadRequest, "invalid_request", "Value passed for the token was invalid.", "refresh token revoked")
	default:
		rt.spent = true
		rt.pair.revoke(RevokedByRotation)
		rec.OK = true
		rep = s.tokenReply(rt.grant, now)
	}
	s.o2.refreshes = append(s.o2.refreshes, rec)
	rep.userID = rt.grant.userID
	return rep
}

func (s *Sandbox) revokeGrant(g *oauth2Grant, by string) {
	if !g.revoked {
		g.revoked, g.revokedBy = true, by
	}
	for _, t := range g.tokens {
		t.revoke(by)
	}
}

// handleOAuth2Revoke answers POST /2/oauth2/revoke (RFC 7009): an access
// token stops working; a refresh token takes its whole grant with it. An
// unknown token is answered the same way, as the RFC asks.
func (s *Sandbox) handleOAuth2Revoke(in *inbound) reply {
	return s.v1Limited(EndpointOAuth2Revoke, in, func() reply {
		form, rep, ok := s.oauth2Client(in)
		if !ok {
			return rep
		}
		value := form.Get("token")
		if value == "" {
			return missingParam("token")
		}
		rep = jsonReply(http.StatusOK, map[string]bool{"revoked": true})
		if at := s.o2.access[value]; at != nil {
			at.revoke(RevokedByApp)
			rep.userID = at.grant.userID
		} else if rt := s.o2.refresh[value]; rt != nil {
			s.revokeGrant(rt.grant, RevokedByApp)
			rep.userID = rt.grant.userID
		}
		return rep
	})
}

// oauth2FaultError is the OAuth 2.0 error code of an injected fault's status.
func oauth2FaultError(status int) string {
	switch {
	case status == http.StatusUnauthorized:
		return "unauthorized_client"
	case status == http.StatusServiceUnavailable:
		return "temporarily_unavailable"
	case status >= 500:
		return "server_error"
	}
	return "invalid_request"
}
