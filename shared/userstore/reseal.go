package userstore

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/shared/seal"
)

// ResealStats counts what a re-seal pass did.
type ResealStats struct {
	Scanned, Resealed, Current, Skipped, Failed int
}

// Reseal re-encrypts every user's token and secret that is not sealed with
// the sealer's current key, so that an old key can be retired after a
// rotation. Each item is rewritten only if its sealed values are still the
// ones read (a sign-in in between wins), and values that do not open are
// counted and left alone, never destroyed.
func (s *Store) Reseal(ctx context.Context, current string) (ResealStats, error) {
	var st ResealStats
	var start dynamo.Item
	for {
		out, err := s.DB.Scan(ctx, &dynamodb.ScanInput{
			TableName:                aws.String(s.Name),
			ProjectionExpression:     aws.String("#uid, #token, #secret"),
			ExpressionAttributeNames: map[string]string{"#uid": AttrUID, "#token": AttrToken, "#secret": AttrSecret},
			ExclusiveStartKey:        start,
		})
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
		if len(out.LastEvaluatedKey) == 0 {
			return st, nil
		}
		start = out.LastEvaluatedKey
	}
}

var (
	errCurrent = errors.New("already sealed with the current key")
	errChanged = errors.New("changed since it was read")
)

func (s *Store) resealOne(ctx context.Context, item dynamo.Item, current string) error {
	uid, ok := dynamo.GetN(item, AttrUID)
	tok, ok1 := dynamo.GetS(item, AttrToken)
	sec, ok2 := dynamo.GetS(item, AttrSecret)
	if !ok || !ok1 || !ok2 {
		return errors.New("no credentials")
	}
	tid, _ := seal.KeyIDOf(tok)
	sid, _ := seal.KeyIDOf(sec)
	if tid == current && sid == current {
		return errCurrent
	}
	newTok, err := s.reseal(tok, TokenContext(uid))
	if err != nil {
		return err
	}
	newSec, err := s.reseal(sec, SecretContext(uid))
	if err != nil {
		return err
	}
	u := dynamo.NewUpdate()
	u.Set(AttrToken, dynamo.S(newTok))
	u.Set(AttrSecret, dynamo.S(newSec))
	u.When(fmt.Sprintf("%s = %s AND %s = %s", u.Name(AttrToken), u.Value(dynamo.S(tok)), u.Name(AttrSecret), u.Value(dynamo.S(sec))))
	_, err = s.DB.UpdateItem(ctx, u.Input(s.Name, Key(uid)))
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
