package xoauth2

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/xapi"
)

// accessTTL is how long X says its access tokens live (expires_in 7200),
// assumed when an answer leaves expires_in out (RFC 6749 5.1 makes it
// RECOMMENDED): the refresh token is already spent, so refusing the answer
// would lose the grant.
const accessTTL = 2 * time.Hour

// maxExpiresIn bounds a believable expires_in (a year, in seconds), so that
// no answer overflows a time.Duration.
const maxExpiresIn = 366 * 24 * 3600

// tokenAnswer is the token endpoint's success (RFC 6749 section 5.1).
type tokenAnswer struct {
	TokenType    string      `json:"token_type"`
	ExpiresIn    json.Number `json:"expires_in"` // a number; a string of one is read too
	AccessToken  string      `json:"access_token"`
	RefreshToken string      `json:"refresh_token"` // with offline.access
	Scope        string      `json:"scope"`
}

// readToken reads a token answer into OAuth 2.0 credentials expiring
// expires_in after now. Its errors never quote the body: it holds tokens.
func readToken(step string, body []byte, now time.Time) (signin.Credentials, error) {
	var a tokenAnswer
	if err := json.Unmarshal(body, &a); err != nil {
		return signin.Credentials{}, fmt.Errorf("%w: %s: the answer is not a token object", xapi.ErrMalformed, step)
	}
	if a.AccessToken == "" {
		return signin.Credentials{}, fmt.Errorf("%w: %s: no access_token", xapi.ErrMalformed, step)
	}
	if a.TokenType != "" && !strings.EqualFold(a.TokenType, "bearer") {
		// RFC 6749 7.1: a client must not use a token type it does not know.
		return signin.Credentials{}, fmt.Errorf("%w: %s: token_type %.20q is not bearer", xapi.ErrMalformed, step, a.TokenType)
	}
	ttl := accessTTL
	if s, err := a.ExpiresIn.Int64(); err == nil && s > 0 && s <= maxExpiresIn {
		ttl = time.Duration(s) * time.Second
	}
	return signin.Credentials{
		Kind:      signin.KindOAuth2,
		Token:     a.AccessToken,
		Refresh:   a.RefreshToken,
		ExpiresAt: now.Add(ttl).UTC(),
	}, nil
}
