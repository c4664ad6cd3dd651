package sessions

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/shared/signin"
)

// DynamoDB is the part of the DynamoDB client the store uses.
type DynamoDB interface {
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	DeleteItem(ctx context.Context, in *dynamodb.DeleteItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error)
}

// Sealer encrypts the request secret at rest.
type Sealer interface {
	Seal(plaintext, context string) (string, error)
	Open(sealed, context string) (string, error)
}

// Store is the session table.
type Store struct {
	db     DynamoDB
	table  string
	sealer Sealer
}

var _ signin.SessionStore = (*Store)(nil)

// New returns the store for one table.
func New(db DynamoDB, table string, sealer Sealer) *Store {
	return &Store{db: db, table: table, sealer: sealer}
}

// Attribute names of a session item.
const (
	attrKey       = "request_token"
	attrSecret    = "request_secret"
	attrBinding   = "binding"
	attrFollow    = "follow"
	attrTweet     = "tweet"
	attrUTM       = "utm"
	attrReturnTo  = "return_to"
	attrCreatedAt = "created_at"
	attrExpiresAt = "expires_at"
)

func sealContext(key string) string { return "session:" + key }

// Put stores a new session. A session with the same key is never overwritten
// (X's request tokens are unique; a clash means something is wrong).
func (s *Store) Put(ctx context.Context, sess signin.Session) error {
	sealed, err := s.sealer.Seal(sess.Secret, sealContext(sess.Key))
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
	_, err = s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName:           aws.String(s.table),
		Item:                item,
		ConditionExpression: aws.String("attribute_not_exists(request_token)"),
	})
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
	out, err := s.db.DeleteItem(ctx, &dynamodb.DeleteItemInput{
		TableName:           aws.String(s.table),
		Key:                 dynamo.Item{attrKey: dynamo.S(key)},
		ConditionExpression: aws.String("attribute_exists(request_token) AND expires_at > :now AND binding = :binding"),
		ExpressionAttributeValues: dynamo.Item{
			":now":     dynamo.Int(now.Unix()),
			":binding": dynamo.S(bindingHash),
		},
		ReturnValues:                        types.ReturnValueAllOld,
		ReturnValuesOnConditionCheckFailure: types.ReturnValuesOnConditionCheckFailureAllOld,
	})
	var ccf *types.ConditionalCheckFailedException
	switch {
	case errors.As(err, &ccf):
		return signin.Session{}, refusal(ccf.Item, now)
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
	secret, err := s.sealer.Open(sealed, sealContext(key))
	if err != nil {
		return signin.Session{}, fmt.Errorf("%w: %w", signin.ErrCorrupt, err)
	}
	sess := signin.Session{Key: key, Secret: secret, ExpiresAt: time.Unix(exp, 0).UTC()}
	sess.BindingHash, _ = dynamo.GetS(item, attrBinding)
	sess.Follow = dynamo.GetBool(item, attrFollow)
	sess.Tweet = dynamo.GetBool(item, attrTweet)
	sess.ReturnTo, _ = dynamo.GetS(item, attrReturnTo)
	sess.CreatedAt = dynamo.GetTime(item, attrCreatedAt)
	sess.UTM = dynamo.GetStringMap(item, attrUTM)
	return sess, nil
}
