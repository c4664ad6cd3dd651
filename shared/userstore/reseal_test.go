package userstore_test

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/shared/seal"
	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/userstore"
	"github.com/twitter-sessions/twitter-sessions/tools/teststack"
)

func TestResealAfterAKeyRotation(t *testing.T) {
	t.Parallel()
	tables := teststack.NewTables(t)
	db := tables.DB
	table := tables.Users
	ctx := context.Background()
	oldKey, newKey := bytes.Repeat([]byte{1}, 32), bytes.Repeat([]byte{2}, 32)

	before, _ := seal.New(oldKey)
	store := userstore.New(db, table, before)
	const n = 30 // more than one Scan page is not needed; the loop is exercised by the projection
	for i := range n {
		creds := signin.Credentials{Kind: signin.KindOAuth1, Token: fmt.Sprint("tok-", i), Secret: fmt.Sprint("sec-", i)}
		if i%2 == 1 { // half the users signed in over OAuth 2.0
			creds = signin.Credentials{Kind: signin.KindOAuth2, Token: fmt.Sprint("tok-", i), Refresh: fmt.Sprint("ref-", i), ExpiresAt: time.Now().Add(time.Hour)}
		}
		u := signin.User{
			Identity:   signin.Identity{UserID: fmt.Sprint(1_234_567_890_123_456_000 + i), ScreenName: "u", Credentials: creds},
			SignedInAt: time.Now(),
		}
		if _, err := store.SaveSignIn(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	// One user's row is corrupt: it must be counted and left as it is.
	if _, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(table), Key: dynamo.Item{"uid": dynamo.N("1234567890123456000")},
		UpdateExpression:          aws.String("SET #t = :v"),
		ExpressionAttributeNames:  map[string]string{"#t": "token"},
		ExpressionAttributeValues: dynamo.Item{":v": dynamo.S("v1.deadbeef.AAAA")},
	}); err != nil {
		t.Fatal(err)
	}

	// Another user's OAuth 2.0 token is being refreshed (a lease is held):
	// rewriting the pair under the refresh would make its save fail.
	leased := dynamo.Item{"uid": dynamo.N("1234567890123456005")}
	setLease := func(expr string) {
		t.Helper()
		in := &dynamodb.UpdateItemInput{TableName: aws.String(table), Key: leased, UpdateExpression: aws.String(expr),
			ExpressionAttributeNames: map[string]string{"#l": "refresh_lease"}}
		if strings.HasPrefix(expr, "SET") {
			in.ExpressionAttributeValues = dynamo.Item{":v": dynamo.M(dynamo.Item{"owner": dynamo.S("x")})}
		}
		if _, err := db.UpdateItem(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	setLease("SET #l = :v")

	rotated, _ := seal.New(newKey, oldKey)
	st, err := userstore.New(db, table, rotated).Reseal(ctx, rotated.CurrentKeyID())
	if err != nil {
		t.Fatal(err)
	}
	if st.Scanned != n || st.Resealed != n-2 || st.Failed != 1 || st.Skipped != 1 {
		t.Fatalf("stats %+v", st)
	}
	setLease("REMOVE #l")
	again, _ := userstore.New(db, table, rotated).Reseal(ctx, rotated.CurrentKeyID())
	if again.Current != n-2 || again.Resealed != 1 {
		t.Fatalf("second pass %+v: only the user whose refresh has ended is left to do", again)
	}

	// The old key can now be retired: every good value opens with the new key alone.
	onlyNew, _ := seal.New(newKey)
	out, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: dynamo.Item{"uid": dynamo.N("1234567890123456007")}})
	if err != nil {
		t.Fatal(err)
	}
	tok, _ := dynamo.GetS(out.Item, "token")
	if plain, err := onlyNew.Open(tok, "token:1234567890123456007"); err != nil || plain != "tok-7" {
		t.Fatalf("after reseal: %q, %v", plain, err)
	}
	ref, _ := dynamo.GetS(out.Item, "refresh")
	if plain, err := onlyNew.Open(ref, "refresh:1234567890123456007"); err != nil || plain != "ref-7" {
		t.Fatalf("the OAuth 2.0 refresh token after reseal: %q, %v", plain, err)
	}
	even, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: dynamo.Item{"uid": dynamo.N("1234567890123456008")}})
	if err != nil {
		t.Fatal(err)
	}
	sec, _ := dynamo.GetS(even.Item, "secret")
	if plain, err := onlyNew.Open(sec, "secret:1234567890123456008"); err != nil || plain != "sec-8" {
		t.Fatalf("the OAuth 1.0a secret after reseal: %q, %v", plain, err)
	}
	bad, _ := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: dynamo.Item{"uid": dynamo.N("1234567890123456000")}})
	if v, _ := dynamo.GetS(bad.Item, "token"); v != "v1.deadbeef.AAAA" {
		t.Fatalf("the unreadable value was changed to %q", v)
	}
}
