package actionstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/twitter-sessions/twitter-sessions/shared/actionstore"
	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/shared/seal"
	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/useritem"
	"github.com/twitter-sessions/twitter-sessions/shared/userstore"
	"github.com/twitter-sessions/twitter-sessions/tools/teststack"
)

const alice = "1234567890123456789"

// store is the users table through both of its packages: the sign-in's
// writes (userstore) and the actions' (actionstore).
type store struct {
	*actionstore.Store
	users *userstore.Store
}

func (s store) SaveSignIn(ctx context.Context, u signin.User) (bool, error) {
	return s.users.SaveSignIn(ctx, u)
}

func (s store) Unsubscribe(ctx context.Context, uid string, now time.Time) (bool, error) {
	return s.users.Unsubscribe(ctx, uid, now)
}

func newStore(t *testing.T) (store, *seal.Sealer) {
	t.Helper()
	tables := teststack.NewTables(t)
	users, db := tables.Users, tables.DB
	sealer, err := seal.New(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	return store{actionstore.New(db, users, sealer), userstore.New(db, users, sealer)}, sealer
}

func signIn(t *testing.T, s signin.UserStore, uid string, acts ...useritem.Action) {
	t.Helper()
	_, err := s.SaveSignIn(context.Background(), signin.User{
		Identity:   signin.Identity{UserID: uid, ScreenName: "u", Credentials: signin.Credentials{Token: "tok-" + uid, Secret: "sec-" + uid}},
		SignedInAt: time.Now(),
		Actions:    acts,
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestCredentialsThatDoNotOpenAreReported(t *testing.T) {
	t.Parallel()
	tables := teststack.NewTables(t)
	users, db := tables.Users, tables.DB
	k1, k2 := make([]byte, 32), make([]byte, 32)
	k2[0] = 1
	s1, _ := seal.New(k1)
	s2, _ := seal.New(k2)
	signIn(t, userstore.New(db, users, s1), alice, useritem.ActionWelcome)
	other := actionstore.New(db, users, s2)
	u, err := other.GetActionUser(context.Background(), alice)
	if err != nil || u.HasCredentials() || u.CredentialsErr == nil || u.Credentials.Token != "" || !u.CredentialsUnopenable() {
		t.Fatalf("user %+v err %v", u, err)
	}
	t.Run("an item without credentials is not unopenable", func(t *testing.T) {
		const bob = "9007199254740993"
		if _, err := db.PutItem(context.Background(), &dynamodb.PutItemInput{
			TableName: aws.String(users), Item: dynamo.Item{useritem.AttrUID: dynamo.N(bob)},
		}); err != nil {
			t.Fatal(err)
		}
		u, err := other.GetActionUser(context.Background(), bob)
		if err != nil || u.HasCredentials() || u.CredentialsErr == nil || u.CredentialsUnopenable() {
			t.Fatalf("user %+v err %v", u, err)
		}
	})
}

// A sign-in requests its actions in the state the actions claim.
func TestASignInRequestsActionsInThePendingState(t *testing.T) {
	if string(useritem.StatePending) != string(useritem.StatePending) {
		t.Fatalf("string(useritem.StatePending) %q, useritem.StatePending %q", string(useritem.StatePending), useritem.StatePending)
	}
}
