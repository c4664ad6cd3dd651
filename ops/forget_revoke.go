package ops

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/shared/seal"
	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/useritem"
	"github.com/twitter-sessions/twitter-sessions/shared/userstore"
)

// What forget did at X, in its line.
const (
	oauth1Invalidated    = "OAuth 1.0a token invalidated"
	oauth1AlreadyInvalid = "OAuth 1.0a token already invalid at X (code 89: the person removed the app, or it was invalidated before)"
	noToken              = "no token was stored"
)

// revoke ends at X the grant the item holds, as its kind allows: an OAuth
// 2.0 user's refresh and access tokens are revoked, an OAuth 1.0a user's
// access token is invalidated (grants, as the functions do). It says what
// happened, and fails when X does not confirm or nothing here can ask it
// to.
func (f *Forget) revoke(ctx context.Context, uid string, it dynamo.Item) (string, error) {
	c := signin.Credentials{Kind: signin.Kind(rowOf(it).Cred)}
	sealedTok, _ := dynamo.GetS(it, useritem.AttrToken)
	sealedRefresh, _ := dynamo.GetS(it, useritem.AttrRefresh)
	sealedSecret, _ := dynamo.GetS(it, useritem.AttrSecret)
	if c.OAuth2() {
		sealedSecret = "" // an OAuth 2.0 grant has none
	} else {
		sealedRefresh = "" // nor an OAuth 1.0a grant
	}
	switch {
	case sealedTok == "" && sealedRefresh == "":
		return noToken, nil
	case !c.OAuth2() && f.Grants.OAuth1 == nil:
		return "", errors.New("the stage has no OAuth 1.0a app (TWITTER_CONSUMER_KEY and its secret) to invalidate the token with")
	case !c.OAuth2() && sealedSecret == "":
		return "", errors.New("the OAuth 1.0a token has no secret stored, and X takes no invalidation without it")
	case c.OAuth2() && f.Grants.OAuth2 == nil:
		return "", errors.New("the stage has no OAuth 2.0 client (TWITTER_CLIENT_ID and its secret) to revoke with")
	}
	for _, s := range []struct {
		to                    *string
		sealed, context, what string
	}{
		{&c.Refresh, sealedRefresh, userstore.RefreshContext(uid), "refresh token"},
		{&c.Token, sealedTok, userstore.TokenContext(uid), "access token"},
		{&c.Secret, sealedSecret, userstore.SecretContext(uid), "token secret"},
	} {
		if s.sealed == "" {
			continue
		}
		plain, err := f.Opener.Open(s.sealed, s.context)
		if err != nil {
			// The error names what, never the value nor the cause's text.
			return "", fmt.Errorf("the %s does not open with the stage's keys (%w)", s.what, seal.ErrOpen)
		}
		*s.to = plain
	}
	done, err := f.Grants.End(ctx, c)
	switch {
	case err != nil && !c.OAuth2():
		return "", fmt.Errorf("X did not invalidate the OAuth 1.0a token: %w", err)
	case err != nil:
		return "", fmt.Errorf("X did not revoke %w", err)
	case !c.OAuth2() && done.AlreadyInvalid:
		return oauth1AlreadyInvalid, nil
	case !c.OAuth2():
		return oauth1Invalidated, nil
	}
	return "OAuth 2.0 grant revoked (" + strings.Join(done.Revoked, " and ") + ")", nil
}
