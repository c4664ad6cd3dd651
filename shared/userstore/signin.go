package userstore

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/useritem"
	"github.com/twitter-sessions/twitter-sessions/shared/xid"
)

// SaveSignIn creates or updates the user in a single UpdateItem, so a sign-in
// either is stored whole or not at all. New credentials replace old ones of
// either kind (a returning user's old token may be revoked); a sign-in that
// keeps none (u.Credentials zero: nothing to do with the visitor's token)
// leaves what the item holds as it is, for the work of an earlier sign-in
// that is not finished yet (the actions function removes it once it is); created_at, the first
// attribution and the subscription choice are kept; an action is requested
// only if it never was, except the brand's release, which every brand
// sign-in requests again.
//
// created reports that the write created the item: the same UpdateItem
// returns the old values of what it updated (UPDATED_OLD), and an item
// without logins before it is a first sign-in. Asking the write itself
// costs no round trip and no read, and two racing first sign-ins of one
// user cannot both see it: the writes are applied one after the other.
func (s *Store) SaveSignIn(ctx context.Context, u signin.User) (created bool, err error) {
	if _, err := xid.Parse(u.UserID); err != nil {
		return false, fmt.Errorf("userstore: %w", err)
	}
	ub := dynamo.NewUpdate()
	if u.Credentials != (signin.Credentials{}) {
		if err := s.setCredentials(ub, u.UserID, u.Credentials, u.SignedInAt); err != nil {
			return false, err
		}
	}
	ub.Set(useritem.AttrScreenName, dynamo.S(u.ScreenName))
	ub.Set(useritem.AttrFollow, dynamo.Bool(u.Follow))
	ub.Set(useritem.AttrTweet, dynamo.Bool(u.Tweet))
	ub.Set(useritem.AttrLastLoginAt, dynamo.Time(u.SignedInAt))
	ub.SetIfNotExists(useritem.AttrCreatedAt, dynamo.Time(u.SignedInAt))
	ub.SetIfNotExists(useritem.AttrSubscribed, dynamo.Bool(true))
	ub.Set(useritem.AttrRevoked, dynamo.Bool(false))
	ub.Remove(useritem.AttrRevokedAt)
	ub.Add(useritem.AttrLogins, dynamo.Int(1))
	if u.Brand {
		ub.Set(useritem.AttrBrand, dynamo.Bool(true))
	}
	if len(u.UTM) > 0 {
		ub.SetIfNotExists(useritem.AttrAttribution, dynamo.StringMap(u.UTM))
		ub.Set(useritem.AttrLastAttribution, dynamo.StringMap(u.UTM))
	}
	pending := dynamo.M(dynamo.Item{
		useritem.MemberState:       dynamo.S(string(useritem.StatePending)),
		useritem.MemberRequestedAt: dynamo.Time(u.SignedInAt),
	})
	for _, a := range u.Actions {
		if a == useritem.ActionRelease {
			ub.Set(a.Attr(), pending)
		} else {
			ub.SetIfNotExists(a.Attr(), pending)
		}
	}

	in := ub.Input(s.Name, Key(u.UserID))
	in.ReturnValues = types.ReturnValueUpdatedOld
	out, err := s.DB.UpdateItem(ctx, in)
	if err != nil {
		return false, fmt.Errorf("%w: userstore: save sign-in: %w", signin.ErrStoreUnavailable, err)
	}
	// The old values include the sealed credentials: read only logins.
	_, existed := out.Attributes[useritem.AttrLogins]
	return !existed, nil
}

// setCredentials writes the sign-in's credentials, sealed, in place of
// whatever the item held: a user may switch protocols between sign-ins, and
// nothing of the other kind may stay behind (an OAuth 1.0a secret beside an
// OAuth 2.0 token, a refresh token of a grant the new sign-in replaced). A
// sign-in is a fresh grant: it ends a lost one (reconnect) and any refresh
// lease on the old one.
func (s *Store) setCredentials(ub *dynamo.Update, uid string, c signin.Credentials, at time.Time) error {
	tok, err := s.seal(c.Token, TokenContext(uid))
	if err != nil {
		return err
	}
	ub.Set(useritem.AttrToken, dynamo.S(tok))
	ub.Set(useritem.AttrCredentialsAt, dynamo.Time(at))
	ub.Remove(useritem.AttrReconnect)
	ub.Remove(useritem.AttrReconnectAt)
	ub.Remove(useritem.AttrRefreshLease)
	if !c.OAuth2() {
		sec, err := s.seal(c.Secret, SecretContext(uid))
		if err != nil {
			return err
		}
		ub.Set(useritem.AttrKind, dynamo.S(string(signin.KindOAuth1)))
		ub.Set(useritem.AttrSecret, dynamo.S(sec))
		ub.Remove(useritem.AttrRefresh)
		ub.Remove(useritem.AttrTokenExpiresAt)
		return nil
	}
	ub.Set(useritem.AttrKind, dynamo.S(string(signin.KindOAuth2)))
	ub.Set(useritem.AttrTokenExpiresAt, dynamo.Time(c.ExpiresAt))
	ub.Remove(useritem.AttrSecret)
	if c.Refresh == "" { // the grant has no offline.access: nothing to refresh with
		ub.Remove(useritem.AttrRefresh)
		return nil
	}
	ref, err := s.seal(c.Refresh, RefreshContext(uid))
	if err != nil {
		return err
	}
	ub.Set(useritem.AttrRefresh, dynamo.S(ref))
	return nil
}

func (s *Store) seal(v, context string) (string, error) {
	sealed, err := s.Sealer.Seal(v, context)
	if err != nil {
		return "", fmt.Errorf("userstore: sealing: %w", err)
	}
	return sealed, nil
}

// Unsubscribe stops promotional DMs to the user (the link at the foot of
// every DM). It is idempotent and keeps the first unsubscribed_at. False
// when there is no such user.
func (s *Store) Unsubscribe(ctx context.Context, uid string, now time.Time) (bool, error) {
	if _, err := xid.Parse(uid); err != nil {
		return false, fmt.Errorf("userstore: %w", err)
	}
	u := dynamo.NewUpdate()
	u.Set(useritem.AttrSubscribed, dynamo.Bool(false))
	u.SetIfNotExists(useritem.AttrUnsubscribedAt, dynamo.Time(now))
	u.When("attribute_exists(" + u.Name(useritem.AttrUID) + ")")
	_, err := s.DB.UpdateItem(ctx, u.Input(s.Name, Key(uid)))
	switch _, refused := dynamo.ConditionFailed(err); {
	case refused:
		return false, nil
	case err != nil:
		return false, fmt.Errorf("userstore: unsubscribe %s: %w", uid, err)
	}
	return true, nil
}
