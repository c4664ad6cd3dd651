package userstore

import (
	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/shared/seal"
	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/useritem"
)

// Store is the users table, as the sign-in and the unsubscribe link write it.
type Store struct{ dynamo.Table }

var _ signin.UserStore = (*Store)(nil)

// New returns the store for one table, sealing the tokens with sealer.
func New(db dynamo.Client, table string, sealer seal.Box) *Store {
	return &Store{dynamo.Table{DB: db, Name: table, Sealer: sealer}}
}

// Key is the key of uid's item.
func Key(uid string) dynamo.Item { return dynamo.Item{useritem.AttrUID: dynamo.N(uid)} }

// TokenContext and SecretContext bind a sealed token or secret to its user
// and field: a value copied onto another row or field does not open.
func TokenContext(uid string) string { return "token:" + uid }

// SecretContext: see TokenContext.
func SecretContext(uid string) string { return "secret:" + uid }

// RefreshContext: see TokenContext (the OAuth 2.0 refresh token).
func RefreshContext(uid string) string { return "refresh:" + uid }
