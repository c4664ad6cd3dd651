package users

import (
	"context"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/xapi"
)

// DynamoDB is the part of the DynamoDB client the store uses.
type DynamoDB interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	Scan(ctx context.Context, in *dynamodb.ScanInput, opts ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
}

// Sealer encrypts credentials at rest.
type Sealer interface {
	Seal(plaintext, context string) (string, error)
	Open(sealed, context string) (string, error)
}

// Store is the users table.
type Store struct {
	db     DynamoDB
	table  string
	sealer Sealer
}

var _ signin.UserStore = (*Store)(nil)

// New returns the store for one table.
func New(db DynamoDB, table string, sealer Sealer) *Store {
	return &Store{db: db, table: table, sealer: sealer}
}

// Seal contexts bind a sealed value to its user and field.
func tokenContext(uid string) string  { return "token:" + uid }
func secretContext(uid string) string { return "secret:" + uid }

// SaveSignIn creates or updates the user in a single UpdateItem, so a sign-in
// either is stored whole or not at all. New credentials replace old ones (a
// returning user's old token may be revoked); created_at, the first
// attribution and the subscription choice are kept; an action is requested
// only if it never was, except the brand's release, which every brand
// sign-in requests again.
func (s *Store) SaveSignIn(ctx context.Context, u signin.User) error {
	if _, err := xapi.ParseID(u.UserID); err != nil {
		return fmt.Errorf("users: %w", err)
	}
	tok, err := s.sealer.Seal(u.Token, tokenContext(u.UserID))
	if err != nil {
		return fmt.Errorf("users: sealing: %w", err)
	}
	sec, err := s.sealer.Seal(u.Secret, secretContext(u.UserID))
	if err != nil {
		return fmt.Errorf("users: sealing: %w", err)
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
		MemberState:       dynamo.S(string(StatePending)),
		MemberRequestedAt: dynamo.Time(u.SignedInAt),
	})
	for _, a := range u.Actions {
		if a == signin.ActionRelease {
			ub.Set(ActionAttr(string(a)), pending)
		} else {
			ub.SetIfNotExists(ActionAttr(string(a)), pending)
		}
	}

	in := ub.Input(s.table, dynamo.Item{AttrUID: dynamo.N(u.UserID)})
	if _, err := s.db.UpdateItem(ctx, in); err != nil {
		return fmt.Errorf("%w: users: save sign-in: %w", signin.ErrStoreUnavailable, err)
	}
	return nil
}
