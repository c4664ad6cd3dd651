package actionstore

import (
	"errors"
	"fmt"

	"github.com/twitter-sessions/twitter-sessions/shared/actions"
	"github.com/twitter-sessions/twitter-sessions/shared/campaigns"
	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/shared/seal"
	"github.com/twitter-sessions/twitter-sessions/shared/useritem"
	"github.com/twitter-sessions/twitter-sessions/shared/userstore"
)

// Store is the users table as the actions and campaigns use it.
type Store struct{ dynamo.Table }

var (
	_ actions.UserReader    = (*Store)(nil)
	_ actions.Claimer       = (*Store)(nil)
	_ actions.Revoker       = (*Store)(nil)
	_ actions.Requeuer      = (*Store)(nil)
	_ actions.SendingMarker = (*Store)(nil)
	_ campaigns.Audience    = (*Store)(nil)
)

// New returns the store for one table, opening the tokens with sealer.
func New(db dynamo.Client, table string, sealer seal.Box) *Store {
	return &Store{dynamo.Table{DB: db, Name: table, Sealer: sealer}}
}

func (s *Store) key(uid string) dynamo.Item { return userstore.Key(uid) }

// lastUID is the uid of a scan's LastEvaluatedKey: "" when the scan is over.
func lastUID(k dynamo.Item) string {
	if k == nil {
		return ""
	}
	uid, _ := dynamo.GetN(k, useritem.AttrUID)
	return uid
}

// writeErr is what a failed write means to the use cases.
func (s *Store) writeErr(op, uid string, err error) error {
	if _, refused := dynamo.ConditionFailed(err); refused {
		return fmt.Errorf("%w: %s %s", actions.ErrConflict, op, uid)
	}
	return fmt.Errorf("%w: %s %s: %w", actions.ErrStoreUnavailable, op, uid, err)
}

// conditional is the outcome of a conditional write: false when its
// condition failed.
func (s *Store) conditional(err error, op, uid string) (bool, error) {
	if err == nil {
		return true, nil
	}
	if err = s.writeErr(op, uid, err); errors.Is(err, actions.ErrConflict) {
		return false, nil
	}
	return false, err
}
