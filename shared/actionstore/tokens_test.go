package actionstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/useritem"
	"github.com/twitter-sessions/twitter-sessions/shared/userstore"
)

// TestACredentialsKindThisCodeDoesNotKnowDoesNotOpen: an item whose
// credentials' kind attribute holds a kind this code does not know (a
// later version wrote it) reads as unopenable credentials, not as OAuth
// 1.0a ones. The kinds it knows are the contract's (shared/storetest).
func TestACredentialsKindThisCodeDoesNotKnowDoesNotOpen(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	ctx := context.Background()
	const carol = "1400000000000000003"
	noRefresh := signin.Credentials{Kind: signin.KindOAuth2, Token: "at", ExpiresAt: time.Now().UTC().Truncate(time.Millisecond)}
	if _, err := s.SaveSignIn(ctx, signin.User{
		Identity: signin.Identity{UserID: carol, ScreenName: "u", Credentials: noRefresh}, SignedInAt: time.Now(),
		Actions: []useritem.Action{useritem.ActionTweet},
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(s.Name), Key: userstore.Key(carol), UpdateExpression: aws.String("SET #k = :k"),
		ExpressionAttributeNames: map[string]string{"#k": useritem.AttrKind}, ExpressionAttributeValues: dynamo.Item{":k": dynamo.S("oauth3")},
	}); err != nil {
		t.Fatal(err)
	}
	if u, err := s.GetActionUser(ctx, carol); err != nil || !u.CredentialsUnopenable() {
		t.Fatalf("%+v %v", u, err)
	}
}
