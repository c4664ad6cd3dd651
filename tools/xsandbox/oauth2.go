package xsandbox

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// OAuth 2.0 lifetimes, as X documents them.
const (
	oauth2CodeTTL   = 30 * time.Second // an authorization code must be exchanged within 30 s
	oauth2AccessTTL = 2 * time.Hour    // expires_in 7200
)

// Errors of ApproveOAuth2 and DenyOAuth2.
var (
	ErrInvalidAuthorizeRequest    = errors.New("xsandbox: invalid OAuth 2.0 authorize request")
	ErrUnknownOAuth2Authorization = errors.New("xsandbox: no OAuth 2.0 authorization with that state")
	ErrOAuth2AuthorizationUsed    = errors.New("xsandbox: OAuth 2.0 authorization already decided")
)

// oauth2Scopes are the scopes X knows; any other answers invalid_scope.
var oauth2Scopes = map[string]bool{
	"tweet.read": true, "tweet.write": true, "tweet.moderate.write": true,
	"users.read": true, "users.email": true, "follows.read": true, "follows.write": true,
	"offline.access": true, "space.read": true, "mute.read": true, "mute.write": true,
	"like.read": true, "like.write": true, "list.read": true, "list.write": true,
	"block.read": true, "block.write": true, "bookmark.read": true, "bookmark.write": true,
	"dm.read": true, "dm.write": true, "media.write": true,
}

// oauth2Request is a validated authorize request (RFC 6749 section 4.1.1,
// RFC 7636 section 4.3).
type oauth2Request struct {
	clientID, redirectURI, scope, state, challenge string
}

// oauth2Authorization is an authorize request waiting for a person's decision.
type oauth2Authorization struct {
	id      string
	req     oauth2Request
	decided bool
}

// oauth2Code is an authorization code given to the redirect URI.
type oauth2Code struct {
	code   string
	req    oauth2Request
	userID string
	issued time.Time
	used   bool
}

// oauth2State is everything the sandbox knows about OAuth 2.0 grants.
type oauth2State struct {
	auths     map[string]*oauth2Authorization // by id
	codes     map[string]*oauth2Code
	access    map[string]*oauth2Token
	refresh   map[string]*oauth2Token
	refreshes []OAuth2Refresh
	grants    []*oauth2Grant // in the order issued
}

// authorizeError is a refused authorize request. When redirect is set the
// error goes to the (registered) redirect URI, else an error page shows it.
type authorizeError struct {
	redirect    bool
	code        string
	description string
}

// location is the redirect URI carrying the error, or "" when the redirect
// URI is not trusted.
func (e *authorizeError) location(req oauth2Request) string {
	if !e.redirect {
		return ""
	}
	v := url.Values{"error": {e.code}, "error_description": {e.description}}
	if req.state != "" {
		v.Set("state", req.state)
	}
	return withQuery(req.redirectURI, v)
}

// parseAuthorizeRequest checks an authorize request's parameters in X's
// order: an unknown client or redirect URI shows an error page (never a
// redirect to an unverified URI); anything else wrong is redirected.
func (s *Sandbox) parseAuthorizeRequest(q url.Values) (oauth2Request, *authorizeError) {
	req := oauth2Request{
		clientID:    q.Get("client_id"),
		redirectURI: q.Get("redirect_uri"),
		scope:       strings.Join(strings.Fields(q.Get("scope")), " "),
		state:       q.Get("state"),
		challenge:   q.Get("code_challenge"),
	}
	switch {
	case s.opts.ClientID == "" || req.clientID != s.opts.ClientID:
		return req, &authorizeError{code: "invalid_client", description: fmt.Sprintf("client_id %q is not a registered OAuth 2.0 client", req.clientID)}
	case !s.callbackAllowed(req.redirectURI):
		return req, &authorizeError{code: "invalid_request", description: fmt.Sprintf("redirect_uri %q is not one of the app's callback URLs", req.redirectURI)}
	}
	return req, checkAuthorizeParams(q, req)
}

func checkAuthorizeParams(q url.Values, req oauth2Request) *authorizeError {
	bad := func(d string) *authorizeError {
		return &authorizeError{redirect: true, code: "invalid_request", description: d}
	}
	switch {
	case q.Get("response_type") != "code":
		return bad("response_type must be code")
	case req.state == "":
		return bad("Missing required parameter [state].")
	case req.challenge == "":
		return bad("Missing required parameter [code_challenge].")
	case q.Get("code_challenge_method") != "S256":
		return bad(fmt.Sprintf("code_challenge_method %q is not supported: use S256", q.Get("code_challenge_method")))
	case !isS256Challenge(req.challenge):
		return bad("code_challenge must be BASE64URL(SHA256(code_verifier)) without padding")
	case req.scope == "":
		return bad("Missing required parameter [scope].")
	}
	for _, sc := range strings.Fields(req.scope) {
		if !oauth2Scopes[sc] {
			return &authorizeError{redirect: true, code: "invalid_scope", description: fmt.Sprintf("unknown scope %q", sc)}
		}
	}
	return nil
}

func isS256Challenge(c string) bool {
	b, err := base64.RawURLEncoding.DecodeString(c)
	return err == nil && len(b) == sha256.Size
}

// S256Challenge is the code_challenge of a PKCE code_verifier under the S256
// method (RFC 7636 section 4.2).
func S256Challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

func (s *Sandbox) newAuthorization(req oauth2Request, now time.Time) *oauth2Authorization {
	a := &oauth2Authorization{id: rand.Text(), req: req}
	s.o2.auths[a.id] = a
	return a
}

// ApproveOAuth2 does what choosing an account on the OAuth 2.0 authorize page
// does. ref is either the full authorize URL (it is validated as the page
// would) or the state of an authorize page already shown. It returns the
// redirect URI carrying state and code; for an invalid authorize URL whose
// redirect URI is registered it returns the error redirect and an error.
func (s *Sandbox) ApproveOAuth2(ref, userID string) (callbackURL string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.opts.Now()
	a, loc, err := s.authorization(ref, now)
	if err != nil {
		return loc, err
	}
	return s.approveOAuth2(a, userID, now)
}

// DenyOAuth2 does what Cancel does on the OAuth 2.0 authorize page: the
// redirect URI gets error=access_denied and the state.
func (s *Sandbox) DenyOAuth2(ref string) (callbackURL string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, loc, err := s.authorization(ref, s.opts.Now())
	if err != nil {
		return loc, err
	}
	return s.denyOAuth2(a), nil
}

// authorization finds (by state) or creates (from an authorize URL) an
// authorization waiting for a decision.
func (s *Sandbox) authorization(ref string, now time.Time) (*oauth2Authorization, string, error) {
	if strings.Contains(ref, "?") {
		u, err := url.Parse(ref)
		if err != nil {
			return nil, "", fmt.Errorf("%w: %v", ErrInvalidAuthorizeRequest, err)
		}
		req, aerr := s.parseAuthorizeRequest(u.Query())
		if aerr != nil {
			return nil, aerr.location(req), fmt.Errorf("%w: %s: %s", ErrInvalidAuthorizeRequest, aerr.code, aerr.description)
		}
		return s.newAuthorization(req, now), "", nil
	}
	var decided bool
	for _, a := range s.o2.auths {
		if a.req.state == ref && !a.decided {
			return a, "", nil
		}
		decided = decided || a.req.state == ref
	}
	if decided {
		return nil, "", ErrOAuth2AuthorizationUsed
	}
	return nil, "", ErrUnknownOAuth2Authorization
}

func (s *Sandbox) approveOAuth2(a *oauth2Authorization, userID string, now time.Time) (string, error) {
	if a.decided {
		return "", ErrOAuth2AuthorizationUsed
	}
	if _, ok := s.userByID[userID]; !ok {
		return "", fmt.Errorf("%w: %q", ErrUnknownUser, userID)
	}
	a.decided = true
	c := &oauth2Code{code: rand.Text() + rand.Text(), req: a.req, userID: userID, issued: now}
	s.o2.codes[c.code] = c
	return withQuery(a.req.redirectURI, url.Values{"state": {a.req.state}, "code": {c.code}}), nil
}

func (s *Sandbox) denyOAuth2(a *oauth2Authorization) string {
	a.decided = true
	return withQuery(a.req.redirectURI, url.Values{"error": {"access_denied"}, "state": {a.req.state}})
}
