package userstore

import (
	"context"
	"fmt"
	"time"

	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/xid"
)

// SaveSignIn creates or updates the user in a single UpdateItem, so a sign-in
// either is stored whole or not at all. New credentials replace old ones (a
// returning user's old token may be revoked); created_at, the first
// attribution and the subscription choice are kept; an action is requested
// only if it never was, except the brand's release, which every brand
// sign-in requests again.
func (s *Store) SaveSignIn(ctx context.Context, u signin.User) error {
	if _, err := xid.Parse(u.UserID); err != nil {
		return fmt.Errorf("userstore: %w", err)
	}
	tok, err := s.Sealer.Seal(u.Token, TokenContext(u.UserID))
	if err != nil {
		return fmt.Errorf("userstore: sealing: %w", err)
	}
	sec, err := s.Sealer.Seal(u.Secret, SecretContext(u.UserID))
	if err != nil {
		return fmt.Errorf("userstore: sealing: %w", err)
	}

	ub := dynamo.NewUpdate()
	ub.Set(AttrScreenName, dynamo.S(u.ScreenName))
	ub.Set(AttrToken, dynamo.S(tok))
	ub.Set(AttrSecret, dynamo.S(sec))
	ub.Set(AttrFollow, dynamo.Bool(u.Follow))
	ub.Set(AttrTweet, dynamo.Bool(u.Tweet))
	ub.Set(AttrLastLoginAt, dynamo.Time(u.SignedInAt))
	ub.SetIfNotExists(AttrCreatedAt, dynamo.Time(u.SignedInAt))
	ub.SetIfNotExists(AttrSubscribed, dynamo.Bool(true))
	ub.Set(AttrRevoked, dynamo.Bool(false))
	ub.Remove(AttrRevokedAt)
	ub.Add(AttrLogins, dynamo.Int(1))
	if u.Brand {
		ub.Set(AttrBrand, dynamo.Bool(true))
	}
	if len(u.UTM) > 0 {
		ub.SetIfNotExists(AttrAttribution, dynamo.StringMap(u.UTM))
		ub.Set(AttrLastAttribution, dynamo.StringMap(u.UTM))
	}
	pending := dynamo.M(dynamo.Item{
		MemberState:       dynamo.S(StatePending),
		MemberRequestedAt: dynamo.Time(u.SignedInAt),
	})
	for _, a := range u.Actions {
		if a == signin.ActionRelease {
			ub.Set(ActionAttr(string(a)), pending)
		} else {
			ub.SetIfNotExists(ActionAttr(string(a)), pending)
		}
	}

	in := ub.Input(s.Name, Key(u.UserID))
	if _, err := s.DB.UpdateItem(ctx, in); err != nil {
		return fmt.Errorf("%w: userstore: save sign-in: %w", signin.ErrStoreUnavailable, err)
	}
	return nil
}

// Unsubscribe stops promotional DMs to the user (the link at the foot of
// every DM). It is idempotent and keeps the first unsubscribed_at. False
// when there is no such user.
func (s *Store) Unsubscribe(ctx context.Context, uid string, now time.Time) (bool, error) {
	if _, err := xid.Parse(uid); err != nil {
		return false, fmt.Errorf("userstore: %w", err)
	}
	u := dynamo.NewUpdate()
	u.Set(AttrSubscribed, dynamo.Bool(false))
	u.SetIfNotExists(AttrUnsubscribedAt, dynamo.Time(now))
	u.When("attribute_exists(" + u.Name(AttrUID) + ")")
	_, err := s.DB.UpdateItem(ctx, u.Input(s.Name, Key(uid)))
	switch _, refused := dynamo.ConditionFailed(err); {
	case refused:
		return false, nil
	case err != nil:
		return false, fmt.Errorf("userstore: unsubscribe %s: %w", uid, err)
	}
	return true, nil
}
