package actionstore

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/twitter-sessions/twitter-sessions/shared/actions"
	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/tokens"
	"github.com/twitter-sessions/twitter-sessions/shared/useritem"
	"github.com/twitter-sessions/twitter-sessions/shared/userstore"
	"github.com/twitter-sessions/twitter-sessions/shared/xid"
)

// Members of the refresh lease (useritem.AttrRefreshLease, a map).
const (
	leaseOwner = useritem.MemberLeaseOwner // S: the invocation refreshing the token
	leaseUntil = useritem.MemberLeaseUntil // S, a time: when its lease ends
)

var _ tokens.Store = (*Store)(nil)

// ReadTokens reads a user's credentials (consistent read, opened), the
// stored pair's version, the refresh lease and the reconnect mark.
func (s *Store) ReadTokens(ctx context.Context, uid string) (tokens.Stored, error) {
	if _, err := xid.Parse(uid); err != nil {
		return tokens.Stored{}, fmt.Errorf("actionstore: %w", err)
	}
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.Name), Key: s.key(uid), ConsistentRead: aws.Bool(true)})
	switch {
	case err != nil:
		return tokens.Stored{}, fmt.Errorf("%w: get tokens %s: %w", actions.ErrStoreUnavailable, uid, err)
	case out.Item == nil:
		return tokens.Stored{}, actions.ErrNotFound
	}
	st := tokens.Stored{Reconnect: dynamo.GetBool(out.Item, useritem.AttrReconnect)}
	st.Version.Token, _ = dynamo.GetS(out.Item, useritem.AttrToken)
	st.Version.Refresh, _ = dynamo.GetS(out.Item, useritem.AttrRefresh)
	if m, ok := dynamo.GetM(out.Item, useritem.AttrRefreshLease); ok {
		st.Lease.Owner, _ = dynamo.GetS(m, leaseOwner)
		st.Lease.Until = dynamo.GetTime(m, leaseUntil)
	}
	if st.Credentials, err = s.credentials(out.Item, uid); err != nil {
		return tokens.Stored{}, err
	}
	return st, nil
}

// TakeRefreshLease writes the refresh lease l, only while the stored pair
// is v, no lease is held (a live one is another invocation's refresh, an
// expired one a refresh that never finished) and the user is not marked
// reconnect.
func (s *Store) TakeRefreshLease(ctx context.Context, uid string, v tokens.Version, l tokens.Lease) (bool, error) {
	u := dynamo.NewUpdate()
	u.Set(useritem.AttrRefreshLease, dynamo.M(dynamo.Item{leaseOwner: dynamo.S(l.Owner), leaseUntil: dynamo.Time(l.Until)}))
	u.When(pairIs(u, v) + fmt.Sprintf(" AND attribute_not_exists(%s) AND (attribute_not_exists(%s) OR %s = %s)",
		u.Name(useritem.AttrRefreshLease), u.Name(useritem.AttrReconnect), u.Name(useritem.AttrReconnect), u.Value(dynamo.Bool(false))))
	_, err := s.DB.UpdateItem(ctx, u.Input(s.Name, s.key(uid)))
	return s.conditional(err, "take refresh lease", uid)
}

// SaveRefreshed replaces the pair v with c (sealed) and ends the lease, only
// while the pair is v and owner's lease is live at now: a holder that
// overran its lease may find the user already taken for lost.
func (s *Store) SaveRefreshed(ctx context.Context, uid string, v tokens.Version, owner string, c signin.Credentials, now time.Time) (bool, error) {
	tok, err := s.Sealer.Seal(c.Token, userstore.TokenContext(uid))
	if err != nil {
		return false, fmt.Errorf("actionstore: sealing: %w", err)
	}
	u := dynamo.NewUpdate()
	u.Set(useritem.AttrKind, dynamo.S(string(signin.KindOAuth2)))
	u.Set(useritem.AttrToken, dynamo.S(tok))
	u.Set(useritem.AttrTokenExpiresAt, dynamo.Time(c.ExpiresAt))
	if c.Refresh == "" {
		u.Remove(useritem.AttrRefresh)
	} else {
		ref, err := s.Sealer.Seal(c.Refresh, userstore.RefreshContext(uid))
		if err != nil {
			return false, fmt.Errorf("actionstore: sealing: %w", err)
		}
		u.Set(useritem.AttrRefresh, dynamo.S(ref))
	}
	u.Remove(useritem.AttrRefreshLease)
	u.When(pairIs(u, v) + " AND " + leaseHeldBy(u, owner) + " AND " +
		u.Name(useritem.AttrRefreshLease, leaseUntil) + " > " + u.Value(dynamo.Time(now)))
	_, err = s.DB.UpdateItem(ctx, u.Input(s.Name, s.key(uid)))
	return s.conditional(err, "save refreshed tokens", uid)
}

// ReleaseRefreshLease ends owner's lease: X refused before looking at the
// refresh token, which stays usable. Nothing when owner does not hold it.
func (s *Store) ReleaseRefreshLease(ctx context.Context, uid, owner string) error {
	u := dynamo.NewUpdate()
	u.Remove(useritem.AttrRefreshLease)
	u.When(leaseHeldBy(u, owner))
	_, err := s.DB.UpdateItem(ctx, u.Input(s.Name, s.key(uid)))
	_, err = s.conditional(err, "release refresh lease", uid)
	return err
}

// MarkReconnect records that the user's OAuth 2.0 grant is lost (the
// refresh token may be spent) and ends any lease, only while the pair is v:
// a sign-in in between brought a new grant. Nothing is sent with the
// user's credentials until their next sign-in, which clears the mark.
func (s *Store) MarkReconnect(ctx context.Context, uid string, v tokens.Version, now time.Time) (bool, error) {
	u := markReconnect(now)
	u.When(pairIs(u, v))
	_, err := s.DB.UpdateItem(ctx, u.Input(s.Name, s.key(uid)))
	return s.conditional(err, "mark reconnect", uid)
}

// MarkLeaseExpired is MarkReconnect for a lease l found expired (its holder
// died mid-refresh), only while the pair is v and l, its owner and until
// as read, is still the lease held: after a release, another invocation's
// live lease on the same pair is not taken for l.
func (s *Store) MarkLeaseExpired(ctx context.Context, uid string, v tokens.Version, l tokens.Lease, now time.Time) (bool, error) {
	u := markReconnect(now)
	u.When(pairIs(u, v) + " AND " + leaseHeldBy(u, l.Owner) + " AND " +
		u.Name(useritem.AttrRefreshLease, leaseUntil) + " = " + u.Value(dynamo.Time(l.Until)))
	_, err := s.DB.UpdateItem(ctx, u.Input(s.Name, s.key(uid)))
	return s.conditional(err, "mark reconnect (expired lease)", uid)
}

// markReconnect is the update of the reconnect mark, which ends any lease.
func markReconnect(now time.Time) *dynamo.Update {
	u := dynamo.NewUpdate()
	u.Set(useritem.AttrReconnect, dynamo.Bool(true))
	u.Set(useritem.AttrReconnectAt, dynamo.Time(now))
	u.Remove(useritem.AttrRefreshLease)
	return u
}

// pairIs is the condition that the stored pair is v (as sealed: sealing is
// randomized, so a new pair never compares equal to an old one).
func pairIs(u *dynamo.Update, v tokens.Version) string {
	cond := u.Name(useritem.AttrToken) + " = " + u.Value(dynamo.S(v.Token))
	if v.Refresh == "" {
		return cond + " AND attribute_not_exists(" + u.Name(useritem.AttrRefresh) + ")"
	}
	return cond + " AND " + u.Name(useritem.AttrRefresh) + " = " + u.Value(dynamo.S(v.Refresh))
}

func leaseHeldBy(u *dynamo.Update, owner string) string {
	return u.Name(useritem.AttrRefreshLease, leaseOwner) + " = " + u.Value(dynamo.S(owner))
}
