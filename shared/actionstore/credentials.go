package actionstore

import (
	"fmt"

	"github.com/twitter-sessions/twitter-sessions/shared/actions"
	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/useritem"
	"github.com/twitter-sessions/twitter-sessions/shared/userstore"
)

// credentials opens the user's credentials, of either kind: an OAuth 1.0a
// token and secret, or an OAuth 2.0 access token with its refresh token
// and expiry. actions.ErrNoCredentials when the item holds none,
// actions.ErrCredentialsUnopenable when they do not open (or are of a kind
// this code does not know: a newer version wrote them, which may heal).
func (s *Store) credentials(item dynamo.Item, uid string) (signin.Credentials, error) {
	kind, _ := dynamo.GetS(item, useritem.AttrKind)
	switch signin.Kind(kind) {
	case signin.KindOAuth2:
		return s.oauth2(item, uid)
	case "", signin.KindOAuth1:
		return s.oauth1(item, uid)
	}
	return signin.Credentials{}, fmt.Errorf("%w: credentials of kind %q", actions.ErrCredentialsUnopenable, kind)
}

func (s *Store) oauth1(item dynamo.Item, uid string) (signin.Credentials, error) {
	tok, okT := dynamo.GetS(item, useritem.AttrToken)
	sec, okS := dynamo.GetS(item, useritem.AttrSecret)
	if !okT || !okS || tok == "" || sec == "" {
		return signin.Credentials{}, actions.ErrNoCredentials
	}
	c := signin.Credentials{Kind: signin.KindOAuth1}
	var err error
	if c.Token, err = s.Sealer.Open(tok, userstore.TokenContext(uid)); err == nil {
		c.Secret, err = s.Sealer.Open(sec, userstore.SecretContext(uid))
	}
	if err != nil {
		return signin.Credentials{}, fmt.Errorf("%w: %w", actions.ErrCredentialsUnopenable, err)
	}
	return c, nil
}

// oauth2 opens an OAuth 2.0 access token and, when the grant has one, its
// refresh token.
func (s *Store) oauth2(item dynamo.Item, uid string) (signin.Credentials, error) {
	tok, ok := dynamo.GetS(item, useritem.AttrToken)
	if !ok || tok == "" {
		return signin.Credentials{}, actions.ErrNoCredentials
	}
	c := signin.Credentials{Kind: signin.KindOAuth2, ExpiresAt: dynamo.GetTime(item, useritem.AttrTokenExpiresAt)}
	var err error
	c.Token, err = s.Sealer.Open(tok, userstore.TokenContext(uid))
	if ref, ok := dynamo.GetS(item, useritem.AttrRefresh); ok && ref != "" && err == nil {
		c.Refresh, err = s.Sealer.Open(ref, userstore.RefreshContext(uid))
	}
	if err != nil {
		return signin.Credentials{}, fmt.Errorf("%w: %w", actions.ErrCredentialsUnopenable, err)
	}
	return c, nil
}
