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
// access token is invalidated. It says what happened, and fails when X
// does not confirm or nothing here can ask it to.
func (f *Forget) revoke(ctx context.Context, uid string, it dynamo.Item) (string, error) {
	kind := rowOf(it).Cred
	sealedTok, _ := dynamo.GetS(it, useritem.AttrToken)
	sealedRefresh, _ := dynamo.GetS(it, useritem.AttrRefresh)
	switch {
	case kind != string(signin.KindOAuth2) && sealedTok != "":
		sealedSecret, _ := dynamo.GetS(it, useritem.AttrSecret)
		return f.invalidate(ctx, uid, sealedTok, sealedSecret)
	case sealedTok == "" && sealedRefresh == "":
		return noToken, nil
	}
	return f.revokeGrant(ctx, uid, sealedTok, sealedRefresh)
}

// invalidate invalidates an OAuth 1.0a access token (the call is signed
// with the token and its secret, so both must open).
func (f *Forget) invalidate(ctx context.Context, uid, sealedTok, sealedSecret string) (string, error) {
	switch {
	case f.Invalidator == nil:
		return "", errors.New("the stage has no OAuth 1.0a app (TWITTER_CONSUMER_KEY and its secret) to invalidate the token with")
	case sealedSecret == "":
		return "", errors.New("the OAuth 1.0a token has no secret stored, and X takes no invalidation without it")
	}
	token, err := f.open(sealedTok, userstore.TokenContext(uid), "access token")
	if err != nil {
		return "", err
	}
	secret, err := f.open(sealedSecret, userstore.SecretContext(uid), "token secret")
	if err != nil {
		return "", err
	}
	already, err := f.Invalidator.Invalidate(ctx, token, secret)
	switch {
	case err != nil:
		return "", fmt.Errorf("X did not invalidate the OAuth 1.0a token: %w", err)
	case already:
		return oauth1AlreadyInvalid, nil
	}
	return oauth1Invalidated, nil
}

// revokeGrant revokes an OAuth 2.0 grant: the refresh token, then the
// access token.
func (f *Forget) revokeGrant(ctx context.Context, uid, sealedTok, sealedRefresh string) (string, error) {
	if f.Revoker == nil {
		return "", errors.New("the stage has no OAuth 2.0 client (TWITTER_CLIENT_ID and its secret) to revoke with")
	}
	var done []string
	for _, tk := range []struct{ sealed, context, hint string }{
		// The refresh token first: it is the lasting part of the grant, and
		// revoking it ends the grant's access tokens at X too (RFC 7009 2.1).
		{sealedRefresh, userstore.RefreshContext(uid), "refresh_token"},
		{sealedTok, userstore.TokenContext(uid), "access_token"},
	} {
		if tk.sealed == "" {
			continue
		}
		plain, err := f.open(tk.sealed, tk.context, tk.hint)
		if err != nil {
			return "", err
		}
		if err := f.Revoker.Revoke(ctx, plain, tk.hint); err != nil {
			return "", fmt.Errorf("X did not revoke the %s: %w", tk.hint, err)
		}
		done = append(done, tk.hint)
	}
	return "OAuth 2.0 grant revoked (" + strings.Join(done, " and ") + ")", nil
}

// open opens one sealed credential; the error names what, never the
// value nor the cause's text.
func (f *Forget) open(sealed, context, what string) (string, error) {
	plain, err := f.Opener.Open(sealed, context)
	if err != nil {
		return "", fmt.Errorf("the %s does not open with the stage's keys (%w)", what, seal.ErrOpen)
	}
	return plain, nil
}
