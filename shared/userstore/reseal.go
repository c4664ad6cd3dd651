package userstore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/shared/seal"
	"github.com/twitter-sessions/twitter-sessions/shared/useritem"
)

// ResealStats counts what a re-seal pass did.
type ResealStats struct {
	Scanned, Resealed, Current, Skipped, Failed int
}

// Reseal re-encrypts every user's sealed credentials (OAuth 1.0a token and
// secret, OAuth 2.0 access and refresh token) that are not sealed with
// the sealer's current key, so that an old key can be retired after a
// rotation. Each item is rewritten only if its sealed values are still the
// ones read (a sign-in in between wins), and values that do not open are
// counted and left alone, never destroyed.
func (s *Store) Reseal(ctx context.Context, current string) (ResealStats, error) {
	var st ResealStats
	var e dynamo.Expr
	proj := make([]string, 0, 5)
	for _, a := range []string{useritem.AttrUID, useritem.AttrToken, useritem.AttrSecret, useritem.AttrRefresh, useritem.AttrRefreshLease} {
		proj = append(proj, e.Name(a))
	}
	pages := dynamodb.NewScanPaginator(s.DB, e.Scan(s.Name, "", strings.Join(proj, ", ")))
	for pages.HasMorePages() {
		out, err := pages.NextPage(ctx)
		if err != nil {
			return st, fmt.Errorf("userstore: reseal: scanning: %w", err)
		}
		for _, item := range out.Items {
			st.Scanned++
			switch err := s.resealOne(ctx, item, current); {
			case errors.Is(err, errCurrent):
				st.Current++
			case errors.Is(err, errChanged):
				st.Skipped++
			case err != nil:
				st.Failed++
			default:
				st.Resealed++
			}
		}
	}
	return st, nil
}

var (
	errCurrent = errors.New("already sealed with the current key")
	errChanged = errors.New("changed since it was read")
)

// sealedFields are the sealed attributes of a user item and the context
// each is bound to: OAuth 1.0a items hold token and secret, OAuth 2.0 items
// token and refresh.
var sealedFields = []struct {
	attr    string
	context func(uid string) string
}{
	{useritem.AttrToken, TokenContext},
	{useritem.AttrSecret, SecretContext},
	{useritem.AttrRefresh, RefreshContext},
}

// resealOne re-encrypts every sealed value of one item in one conditional
// write: a sign-in or a token refresh in between (which seals with the
// current key anyway) wins.
func (s *Store) resealOne(ctx context.Context, item dynamo.Item, current string) error {
	uid, ok := dynamo.GetN(item, useritem.AttrUID)
	if _, hasToken := dynamo.GetS(item, useritem.AttrToken); !ok || !hasToken {
		return errors.New("no credentials")
	}
	u := dynamo.NewUpdate()
	var conds []string
	stale := false
	for _, f := range sealedFields {
		old, ok := dynamo.GetS(item, f.attr)
		if !ok {
			continue
		}
		if id, _ := seal.KeyIDOf(old); id != current {
			stale = true
		}
		resealed, err := s.reseal(old, f.context(uid))
		if err != nil {
			return err
		}
		u.Set(f.attr, dynamo.S(resealed))
		conds = append(conds, u.Name(f.attr)+" = "+u.Value(dynamo.S(old)))
	}
	if !stale {
		return errCurrent
	}
	// A refresh in flight holds a lease taken on the sealed pair as read, and
	// saves its new pair only while the stored one is still that: rewriting
	// it then would make the refresh fail and disconnect the user. Such an
	// item is skipped; the next pass finds it without a lease.
	if _, leased := item[useritem.AttrRefreshLease]; leased {
		return errChanged
	}
	conds = append(conds, "attribute_not_exists("+u.Name(useritem.AttrRefreshLease)+")")
	u.When(strings.Join(conds, " AND "))
	_, err := s.DB.UpdateItem(ctx, u.Input(s.Name, Key(uid)))
	if _, refused := dynamo.ConditionFailed(err); refused {
		return errChanged
	}
	return err
}

func (s *Store) reseal(sealed, context string) (string, error) {
	plain, err := s.Sealer.Open(sealed, context)
	if err != nil {
		return "", err
	}
	return s.Sealer.Seal(plain, context)
}
