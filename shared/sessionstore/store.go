package sessionstore

import (
	"context"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/shared/seal"
	"github.com/twitter-sessions/twitter-sessions/shared/signin"
)

// Attribute names of a session item.
const (
	attrKey       = "request_token"
	attrSecret    = "request_secret"
	attrBinding   = "binding"
	attrFollow    = "follow"
	attrTweet     = "tweet"
	attrBrand     = "brand" // the brand's own start (absent: a visitor's)
	attrUTM       = "utm"
	attrReturnTo  = "return_to"
	attrCreatedAt = "created_at"
	attrExpiresAt = "expires_at"
)

// AttrSealed and AttrExpiresAt name a session item's sealed value (the
// request secret, or the PKCE verifier) and its end (epoch seconds), for the
// tools that scan the table for the keys in use (make retire-keys).
const (
	AttrSealed    = attrSecret
	AttrExpiresAt = attrExpiresAt
)

// Store is the session table.
type Store struct{ dynamo.Table }

var _ signin.SessionStore = (*Store)(nil)

// New returns the store for one table, sealing the request secrets with sealer.
func New(db dynamo.Client, table string, sealer seal.Box) *Store {
	return &Store{dynamo.Table{DB: db, Name: table, Sealer: sealer}}
}

func sealContext(key string) string { return "session:" + key }

// Put stores a new session. A session with the same key is never overwritten
// (X's request tokens are unique; a clash means something is wrong).
func (s *Store) Put(ctx context.Context, sess signin.Session) error {
	sealed, err := s.Sealer.Seal(sess.Secret, sealContext(sess.Key))
	if err != nil {
		return fmt.Errorf("sessions: sealing: %w", err)
	}
	item := dynamo.Item{
		attrKey:       dynamo.S(sess.Key),
		attrSecret:    dynamo.S(sealed),
		attrBinding:   dynamo.S(sess.BindingHash),
		attrFollow:    dynamo.Bool(sess.Follow),
		attrTweet:     dynamo.Bool(sess.Tweet),
		attrCreatedAt: dynamo.Time(sess.CreatedAt),
		attrExpiresAt: dynamo.Int(sess.ExpiresAt.Unix()),
	}
	if len(sess.UTM) > 0 {
		item[attrUTM] = dynamo.StringMap(sess.UTM)
	}
	if sess.ReturnTo != "" {
		item[attrReturnTo] = dynamo.S(sess.ReturnTo)
	}
	if sess.Brand {
		item[attrBrand] = dynamo.Bool(true)
	}
	var e dynamo.Expr
	_, err = s.DB.PutItem(ctx, e.Put(s.Name, item, "attribute_not_exists("+e.Name(attrKey)+")"))
	if err != nil {
		return fmt.Errorf("%w: sessions: put: %w", signin.ErrStoreUnavailable, err)
	}
	return nil
}

// Consume deletes and returns the session in one conditional DeleteItem. When
// the condition fails, DynamoDB returns the item as it was
// (ReturnValuesOnConditionCheckFailure), which tells the three refusals apart
// without a second call.
func (s *Store) Consume(ctx context.Context, key, bindingHash string, now time.Time) (signin.Session, error) {
	if key == "" {
		return signin.Session{}, signin.ErrSessionNotFound
	}
	var e dynamo.Expr
	in := e.Delete(s.Name, dynamo.Item{attrKey: dynamo.S(key)}, "attribute_exists("+e.Name(attrKey)+") AND "+
		e.Name(attrExpiresAt)+" > "+e.Value(dynamo.Int(now.Unix()))+" AND "+e.Name(attrBinding)+" = "+e.Value(dynamo.S(bindingHash)))
	in.ReturnValues = types.ReturnValueAllOld
	in.ReturnValuesOnConditionCheckFailure = types.ReturnValuesOnConditionCheckFailureAllOld
	out, err := s.DB.DeleteItem(ctx, in)
	old, refused := dynamo.ConditionFailed(err)
	switch {
	case refused:
		return signin.Session{}, refusal(old, now)
	case err != nil:
		return signin.Session{}, fmt.Errorf("%w: sessions: consume: %w", signin.ErrStoreUnavailable, err)
	}
	return s.decode(out.Attributes)
}

// refusal says why the conditional delete did not happen.
func refusal(old dynamo.Item, now time.Time) error {
	if len(old) == 0 {
		return signin.ErrSessionNotFound
	}
	if exp, ok := dynamo.GetInt(old, attrExpiresAt); !ok || exp <= now.Unix() {
		return signin.ErrSessionExpired
	}
	return signin.ErrSessionMismatch
}

func (s *Store) decode(item dynamo.Item) (signin.Session, error) {
	key, ok1 := dynamo.GetS(item, attrKey)
	sealed, ok2 := dynamo.GetS(item, attrSecret)
	exp, ok3 := dynamo.GetInt(item, attrExpiresAt)
	if !ok1 || !ok2 || !ok3 {
		return signin.Session{}, fmt.Errorf("%w: missing attributes", signin.ErrCorrupt)
	}
	secret, err := s.Sealer.Open(sealed, sealContext(key))
	if err != nil {
		return signin.Session{}, fmt.Errorf("%w: %w", signin.ErrCorrupt, err)
	}
	sess := signin.Session{Key: key, Secret: secret, ExpiresAt: time.Unix(exp, 0).UTC()}
	sess.BindingHash, _ = dynamo.GetS(item, attrBinding)
	sess.Follow = dynamo.GetBool(item, attrFollow)
	sess.Tweet = dynamo.GetBool(item, attrTweet)
	sess.Brand = dynamo.GetBool(item, attrBrand)
	sess.ReturnTo, _ = dynamo.GetS(item, attrReturnTo)
	sess.CreatedAt = dynamo.GetTime(item, attrCreatedAt)
	sess.UTM = dynamo.GetStringMap(item, attrUTM)
	return sess, nil
}
