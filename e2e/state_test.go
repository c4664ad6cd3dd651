package e2e

import (
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/twitter-sessions/twitter-sessions/tools/ddblocal"
	"github.com/twitter-sessions/twitter-sessions/tools/slsyml"
	"github.com/twitter-sessions/twitter-sessions/tools/xsandbox"
)

// The sandbox's accounts (xsandbox.DefaultUsers): the brand, and visitors
// whose ids exceed 2^53.
const (
	brandUID = "1900000000000000001"
	aliceUID = "1234567890123456789"
	bobUID   = "9007199254740993"
)

// userItem is a user as stored in <stage>_twitter.
type userItem map[string]types.AttributeValue

func (u userItem) str(name string) string {
	if v, ok := u[name].(*types.AttributeValueMemberS); ok {
		return v.Value
	}
	return ""
}

func (u userItem) boolean(name string) bool {
	v, ok := u[name].(*types.AttributeValueMemberBOOL)
	return ok && v.Value
}

func (u userItem) mapStr(name, key string) string {
	if m, ok := u[name].(*types.AttributeValueMemberM); ok {
		return userItem(m.Value).str(key)
	}
	return ""
}

// devDB is a client of the dev stack's DynamoDB Local (the endpoint
// tools/dev printed) and the local stage's environment (its table names).
func devDB(ctx context.Context, t *testing.T, s *devStack) (*dynamodb.Client, map[string]string) {
	t.Helper()
	env, err := slsyml.Environment(s.root, "local")
	if err != nil {
		t.Fatal(err)
	}
	db, err := ddblocal.Client(ctx, s.dynamo)
	if err != nil {
		t.Fatal(err)
	}
	return db, env
}

// storedUser reads user uid from the dev stack's users table in DynamoDB
// Local, the endpoint tools/dev printed.
func storedUser(t *testing.T, s *devStack, uid string) userItem {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	db, env := devDB(ctx, t, s)
	out, err := db.GetItem(ctx, &dynamodb.GetItemInput{
		TableName:      aws.String(env["TWITTER_TABLE"]),
		Key:            map[string]types.AttributeValue{"uid": &types.AttributeValueMemberN{Value: uid}},
		ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		t.Fatalf("reading user %s from %s at %s: %v", uid, env["TWITTER_TABLE"], s.dynamo, err)
	}
	if out.Item == nil {
		t.Fatalf("user %s is not in %s", uid, env["TWITTER_TABLE"])
	}
	return out.Item
}

// waitForUser reads user uid until done says so or within passes, and
// returns the last item it read.
func waitForUser(t *testing.T, s *devStack, uid string, within time.Duration, done func(userItem) bool) userItem {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		u := storedUser(t, s, uid)
		if done(u) || time.Now().After(deadline) {
			return u
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// sandboxState is what the X sandbox saw (GET /_sandbox/state).
type sandboxState xsandbox.State

func (st sandboxState) hasDM(from, to string) bool {
	for _, d := range st.DMs {
		if d.SenderID == from && d.RecipientID == to {
			return true
		}
	}
	return false
}

func (st sandboxState) hasTweetBy(author string) bool {
	for _, tw := range st.Tweets {
		if tw.AuthorID == author {
			return true
		}
	}
	return false
}

// waitForSandbox polls the sandbox's state until done says so or within
// passes, and returns the last state it read.
func waitForSandbox(t *testing.T, s *devStack, within time.Duration, done func(sandboxState) bool) sandboxState {
	t.Helper()
	var st sandboxState
	deadline := time.Now().Add(within)
	for {
		st = readSandbox(t, s)
		if done(st) || time.Now().After(deadline) {
			return st
		}
		time.Sleep(200 * time.Millisecond)
	}
}

func readSandbox(t *testing.T, s *devStack) sandboxState {
	t.Helper()
	resp, err := http.Get(s.sandbox.JoinPath("_sandbox/state").String())
	if err != nil {
		t.Fatalf("reading the sandbox's state: %v", err)
	}
	defer resp.Body.Close()
	var st sandboxState
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatalf("decoding the sandbox's state: %v", err)
	}
	return st
}
