package xsandbox

import (
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// Errors of Approve and Deny: why a request token cannot be decided on.
var (
	ErrUnknownRequestToken = errors.New("xsandbox: unknown request token")
	ErrRequestTokenExpired = errors.New("xsandbox: request token expired")
	ErrRequestTokenUsed    = errors.New("xsandbox: request token already used")
	ErrUnknownUser         = errors.New("xsandbox: unknown user")
)

type tokenState int

const (
	tokenPending   tokenState = iota // issued, waiting for the user's decision
	tokenApproved                    // the user clicked Authorize: a verifier exists
	tokenDenied                      // the user clicked Cancel
	tokenExchanged                   // traded for an access token: spent
)

// requestToken is a temporary credential (RFC 5849 section 2.1).
type requestToken struct {
	token, secret string
	callback      string
	level         AccessLevel // from x_auth_access_type
	issued        time.Time
	state         tokenState
	userID        string
	verifier      string
}

// accessToken is a token credential (RFC 5849 section 2.3). X's never
// expire; they stop working when the user revokes the app or the app
// invalidates them.
type accessToken struct {
	id            string // its Grant.ID
	token, secret string
	userID        string
	level         AccessLevel
	issued        time.Time
	revoked       bool
	revokedBy     string // RevokedByUser or RevokedByApp (invalidated)
}

// handleRequestToken answers POST /oauth/request_token (RFC 5849 section 2.1):
// signed with the consumer credentials only, carrying oauth_callback, and
// optionally x_auth_access_type (a signed parameter of the query or the
// form body) to ask for less than the app's own level.
func (s *Sandbox) handleRequestToken(in *inbound) reply {
	return s.v1Limited(EndpointRequestToken, in, func() reply {
		sr, aerr := parseSignedRequest(in.r, in.body)
		if aerr == nil {
			aerr = s.verify(sr, "", in.now)
		}
		if aerr != nil {
			return authErrorReply(aerr)
		}
		level, bad := accessTypeLevel(sr)
		if bad != nil {
			return *bad
		}
		callback := strings.TrimSpace(sr.get(paramCallback))
		switch {
		case callback == "oob":
			return v1ErrorReply(http.StatusForbidden, 417,
				"oauth_callback=oob (PIN flow) is for desktop apps; this app is a web app with callback URLs")
		case !s.callbackAllowed(callback):
			return v1ErrorReply(http.StatusForbidden, 415,
				fmt.Sprintf("oauth_callback %q is not in the app's allowed callback URLs %q", callback, s.opts.AllowedCallbacks))
		}
		rt := &requestToken{token: rand.Text(), secret: rand.Text() + rand.Text(), callback: callback, level: level, issued: in.now}
		s.requestTokens[rt.token] = rt
		return formReply(url.Values{
			"oauth_token":              {rt.token},
			"oauth_token_secret":       {rt.secret},
			"oauth_callback_confirmed": {"true"},
		})
	})
}

func (s *Sandbox) callbackAllowed(callback string) bool {
	return callback != "" && slices.Contains(s.opts.AllowedCallbacks, callback)
}

// handleAccessToken answers POST /oauth/access_token (RFC 5849 section 2.3):
// signed with the consumer secret and the request token's secret, carrying
// oauth_token and oauth_verifier. Each success issues a new access token.
func (s *Sandbox) handleAccessToken(in *inbound) reply {
	return s.v1Limited(EndpointAccessToken, in, func() reply {
		sr, aerr := parseSignedRequest(in.r, in.body)
		if aerr != nil {
			return authErrorReply(aerr)
		}
		if sr.get(paramToken) == "" {
			return authErrorReply(errBadAuthData("missing oauth_token"))
		}
		rt, tokenErr := s.usableRequestToken(sr.get(paramToken), in.now)
		if rt == nil { // no secret to check the signature with
			return authErrorReply(tokenErr)
		}
		// The signature is checked before the token's state, so a client
		// with a broken signer hears 32 or 135 rather than 89.
		if aerr := s.verify(sr, rt.secret, in.now); aerr != nil {
			return authErrorReply(aerr)
		}
		if tokenErr != nil {
			return authErrorReply(tokenErr)
		}
		if sr.get(paramVerifier) == "" || sr.get(paramVerifier) != rt.verifier {
			return authErrorReply(errInvalidToken("oauth_verifier does not match the one given to the callback"))
		}
		rt.state = tokenExchanged
		at := s.issueAccessToken(rt.userID, rt.level, in.now)
		user := s.userByID[rt.userID]
		rep := formReply(url.Values{
			"oauth_token":        {at.token},
			"oauth_token_secret": {at.secret},
			"user_id":            {user.ID},
			"screen_name":        {user.Username},
		})
		rep.userID = user.ID
		return rep
	})
}

// usableRequestToken finds a request token that the user has approved and
// that has not expired or been exchanged yet. It returns the token, when it
// exists, even if it is not usable, so that its secret can check the
// signature.
func (s *Sandbox) usableRequestToken(token string, now time.Time) (*requestToken, *authError) {
	rt := s.requestTokens[token]
	switch {
	case rt == nil:
		return nil, errInvalidToken("unknown request token")
	case s.expired(rt, now):
		return rt, errInvalidToken(fmt.Sprintf("request token expired: issued %s ago, request tokens live %s",
			now.Sub(rt.issued).Round(time.Second), s.opts.RequestTokenTTL))
	case rt.state == tokenPending:
		return rt, errInvalidToken("request token not authorized: nobody clicked Authorize yet")
	case rt.state == tokenDenied:
		return rt, errInvalidToken("the user cancelled this authorization")
	case rt.state == tokenExchanged:
		return rt, errInvalidToken("request token already exchanged (request tokens are single-use)")
	}
	return rt, nil
}

func (s *Sandbox) expired(rt *requestToken, now time.Time) bool {
	return !now.Before(rt.issued.Add(s.opts.RequestTokenTTL))
}

// v1Limited applies a rate limit set with SetRateLimit to an OAuth endpoint,
// per app: X's code 88 when exhausted, the headers while a limit is set.
func (s *Sandbox) v1Limited(endpoint string, in *inbound, h func() reply) reply {
	if _, limited := s.limits.limits[endpoint]; !limited {
		return h()
	}
	st, ok := s.limits.take(endpoint, "", in.now)
	var rep reply
	if ok {
		rep = h()
	} else {
		rep = v1ErrorReply(http.StatusTooManyRequests, 88, "rate limit of "+endpoint+" exhausted until the reset")
	}
	st.setHeaders(&rep)
	return rep
}

// Approve does what clicking "Authorize" does: it gives the request token a
// verifier for userID and returns the app's callback URL carrying
// oauth_token and oauth_verifier (RFC 5849 section 2.2).
func (s *Sandbox) Approve(requestToken, userID string) (callbackURL string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.approve(requestToken, userID, s.opts.Now())
}

// Deny does what clicking "Cancel" does: the request token is spent and the
// returned callback URL carries denied=<request token>, as X sends it.
func (s *Sandbox) Deny(requestToken string) (callbackURL string, err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.deny(requestToken, s.opts.Now())
}

func (s *Sandbox) approve(token, userID string, now time.Time) (string, error) {
	rt, err := s.decidable(token, now)
	if err != nil {
		return "", err
	}
	if _, ok := s.userByID[userID]; !ok {
		return "", fmt.Errorf("%w: %q", ErrUnknownUser, userID)
	}
	rt.state, rt.userID, rt.verifier = tokenApproved, userID, rand.Text()
	return withQuery(rt.callback, url.Values{"oauth_token": {rt.token}, "oauth_verifier": {rt.verifier}}), nil
}

func (s *Sandbox) deny(token string, now time.Time) (string, error) {
	rt, err := s.decidable(token, now)
	if err != nil {
		return "", err
	}
	rt.state = tokenDenied
	return withQuery(rt.callback, url.Values{"denied": {rt.token}}), nil
}

// decidable finds a request token still waiting for the user's decision.
func (s *Sandbox) decidable(token string, now time.Time) (*requestToken, error) {
	rt := s.requestTokens[token]
	switch {
	case rt == nil:
		return nil, ErrUnknownRequestToken
	case s.expired(rt, now):
		return nil, ErrRequestTokenExpired
	case rt.state != tokenPending:
		return nil, ErrRequestTokenUsed
	}
	return rt, nil
}

// withQuery appends params to a callback URL, after its own query if it has
// one and before any fragment.
func withQuery(callback string, params url.Values) string {
	u, err := url.Parse(callback)
	if err != nil { // allowed callbacks are compared as strings, so be lenient
		sep := "?"
		if strings.Contains(callback, "?") {
			sep = "&"
		}
		return callback + sep + params.Encode()
	}
	if u.RawQuery != "" {
		u.RawQuery += "&" + params.Encode()
	} else {
		u.RawQuery = params.Encode()
	}
	return u.String()
}

// IssueAccessToken mints an access token for userID directly, as if that user
// had just signed in, for tests of the v2 calls. It carries the app's own
// level (LevelDM: every call). Tokens of an id that is not a sandbox user
// answer 401.
func (s *Sandbox) IssueAccessToken(userID string) (token, secret string) {
	return s.IssueAccessTokenLevel(userID, LevelDM)
}

// IssueAccessTokenLevel is IssueAccessToken at an access level, as if the
// request token had asked for it with x_auth_access_type. It panics on a
// level that is not LevelRead, LevelWrite or LevelDM.
func (s *Sandbox) IssueAccessTokenLevel(userID string, level AccessLevel) (token, secret string) {
	if !level.Valid() {
		panic(fmt.Sprintf("xsandbox: access level %q is not read, write or dm", level))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	at := s.issueAccessToken(userID, level, s.opts.Now())
	return at.token, at.secret
}

func (s *Sandbox) issueAccessToken(userID string, level AccessLevel, now time.Time) *accessToken {
	at := &accessToken{id: s.nextGrantID(ProtocolOAuth1), token: userID + "-" + rand.Text(), secret: rand.Text() + rand.Text(),
		userID: userID, level: level, issued: now}
	s.accessTokens[at.token] = at
	s.o1Grants = append(s.o1Grants, at)
	return at
}

// Revoke does what a user revoking the app does: every access token issued to
// userID so far answers 401. Signing in again issues a working one.
func (s *Sandbox) Revoke(userID string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, at := range s.accessTokens {
		if at.userID == userID && !at.revoked {
			at.revoked, at.revokedBy = true, RevokedByUser
		}
	}
}

// formReply answers form-encoded, with the text/html content type X uses on
// its OAuth endpoints.
func formReply(v url.Values) reply {
	rep := reply{status: http.StatusOK, body: []byte(v.Encode())}
	rep.setHeader("Content-Type", "text/html; charset=utf-8")
	return rep
}
