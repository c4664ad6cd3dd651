package ops

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/shared/grants"
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
// to (grants.ErrNoApp, said in the operator's words).
func (f *Forget) revoke(ctx context.Context, uid string, it dynamo.Item) (string, error) {
	c := signin.Credentials{Kind: signin.Kind(rowOf(it).Cred)}
	sealed := sealedOf(it, c.OAuth2())
	if sealed.token == "" && sealed.refresh == "" {
		return noToken, nil
	}
	if !c.OAuth2() && sealed.secret == "" {
		return "", errors.New("the OAuth 1.0a token has no secret stored, and X takes no invalidation without it")
	}
	if err := f.open(&c, uid, sealed); err != nil {
		return "", err
	}
	done, err := f.Grants.End(ctx, c)
	switch {
	case errors.Is(err, grants.ErrNoApp) && c.OAuth2():
		return "", errors.New("the stage has no OAuth 2.0 client (TWITTER_CLIENT_ID and its secret) to revoke with")
	case errors.Is(err, grants.ErrNoApp):
		return "", errors.New("the stage has no OAuth 1.0a app (TWITTER_CONSUMER_KEY and its secret) to invalidate the token with")
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

// sealedCredentials are an item's sealed token, secret and refresh token,
// as its kind of grant has them.
type sealedCredentials struct{ token, secret, refresh string }

func sealedOf(it dynamo.Item, oauth2 bool) sealedCredentials {
	var s sealedCredentials
	s.token, _ = dynamo.GetS(it, useritem.AttrToken)
	if oauth2 {
		s.refresh, _ = dynamo.GetS(it, useritem.AttrRefresh)
	} else {
		s.secret, _ = dynamo.GetS(it, useritem.AttrSecret)
	}
	return s
}

// open opens the sealed credentials into c; the error names what, never
// the value nor the cause's text.
func (f *Forget) open(c *signin.Credentials, uid string, sealed sealedCredentials) error {
	for _, s := range []struct {
		to                    *string
		sealed, context, what string
	}{
		{&c.Refresh, sealed.refresh, userstore.RefreshContext(uid), "refresh token"},
		{&c.Token, sealed.token, userstore.TokenContext(uid), "access token"},
		{&c.Secret, sealed.secret, userstore.SecretContext(uid), "token secret"},
	} {
		if s.sealed == "" {
			continue
		}
		plain, err := f.Opener.Open(s.sealed, s.context)
		if err != nil {
			return fmt.Errorf("the %s does not open with the stage's keys (%w)", s.what, seal.ErrOpen)
		}
		*s.to = plain
	}
	return nil
}
