package ops

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/shared/seal"
	"github.com/twitter-sessions/twitter-sessions/shared/useritem"
	"github.com/twitter-sessions/twitter-sessions/shared/userstore"
	"github.com/twitter-sessions/twitter-sessions/tools/teststack"
)

// stack is a test's own tables in DynamoDB Local, as a Target, and the
// keys its users' tokens are sealed with.
type stack struct {
	*Target
	db     *dynamodb.Client
	sealer *seal.Sealer
	refKey []byte
}

func newStack(t *testing.T) *stack {
	t.Helper()
	tb := teststack.NewTables(t)
	sealer, err := seal.New(teststack.NewKey(t))
	if err != nil {
		t.Fatal(err)
	}
	return &stack{
		Target: &Target{Stage: tb.Stage, Local: true, Endpoint: tb.Endpoint, Where: "DynamoDB Local at " + tb.Endpoint, DB: tb.DB,
			UsersTable: tb.Users, SessionTable: tb.Session, CampaignsTable: tb.Campaigns, BrandUID: teststack.BrandUID},
		db: tb.DB, sealer: sealer, refKey: teststack.NewKey(t),
	}
}

// user is what a test stores of a user; the item is written as the
// service writes it (userstore's attributes, sealed tokens).
type user struct {
	uid, name        string
	cred             string // "" (an item from before OAuth 2.0), oauth1, oauth2
	token, secret    string // in clear; sealed on the item
	refresh          string
	created, last    time.Time
	source           string // utm_source of the first sign-in
	unsubscribed     time.Time
	revoked          time.Time
	reconnect, brand bool
	welcome          string // the welcome DM's state
}

func (s *stack) item(t testing.TB, u user) dynamo.Item {
	t.Helper()
	seal := func(v, ctx string) types.AttributeValue {
		out, err := s.sealer.Seal(v, ctx)
		if err != nil {
			t.Fatal(err)
		}
		return dynamo.S(out)
	}
	if u.last.IsZero() {
		u.last = u.created
	}
	it := dynamo.Item{
		useritem.AttrUID: dynamo.N(u.uid), useritem.AttrScreenName: dynamo.S(u.name),
		useritem.AttrCreatedAt: dynamo.Time(u.created), useritem.AttrLastLoginAt: dynamo.Time(u.last),
		useritem.AttrLogins: dynamo.Int(1), useritem.AttrSubscribed: dynamo.Bool(u.unsubscribed.IsZero()),
		useritem.AttrRevoked: dynamo.Bool(!u.revoked.IsZero()), useritem.AttrFollow: dynamo.Bool(true), useritem.AttrTweet: dynamo.Bool(false),
	}
	if u.token != "" {
		it[useritem.AttrToken] = seal(u.token, userstore.TokenContext(u.uid))
	}
	if u.secret != "" {
		it[useritem.AttrSecret] = seal(u.secret, userstore.SecretContext(u.uid))
	}
	if u.refresh != "" {
		it[useritem.AttrRefresh] = seal(u.refresh, userstore.RefreshContext(u.uid))
		it[useritem.AttrTokenExpiresAt] = dynamo.Time(u.last.Add(2 * time.Hour))
	}
	if u.cred != "" {
		it[useritem.AttrKind] = dynamo.S(u.cred)
	}
	if u.source != "" {
		it[useritem.AttrAttribution] = dynamo.StringMap(map[string]string{"utm_source": u.source, "utm_medium": "social"})
		it[useritem.AttrLastAttribution] = dynamo.StringMap(map[string]string{"utm_source": u.source})
	}
	if !u.unsubscribed.IsZero() {
		it[useritem.AttrUnsubscribedAt] = dynamo.Time(u.unsubscribed)
	}
	if !u.revoked.IsZero() {
		it[useritem.AttrRevokedAt] = dynamo.Time(u.revoked)
	}
	if u.reconnect {
		it[useritem.AttrReconnect], it[useritem.AttrReconnectAt] = dynamo.Bool(true), dynamo.Time(u.last)
	}
	if u.brand {
		it[useritem.AttrBrand] = dynamo.Bool(true)
	}
	if u.welcome != "" {
		it[useritem.ActionWelcome.Attr()] = dynamo.M(dynamo.Item{useritem.MemberState: dynamo.S(u.welcome), useritem.MemberUpdatedAt: dynamo.Time(u.last)})
	}
	return it
}

func (s *stack) put(t testing.TB, us ...user) {
	t.Helper()
	for _, u := range us {
		if _, err := s.db.PutItem(context.Background(), &dynamodb.PutItemInput{TableName: aws.String(s.UsersTable), Item: s.item(t, u)}); err != nil {
			t.Fatal(err)
		}
	}
}

// putMany writes n users, 25 to a BatchWriteItem.
func (s *stack) putMany(t testing.TB, n int, base time.Time) {
	t.Helper()
	ctx := context.Background()
	for start := 0; start < n; start += 25 {
		var reqs []types.WriteRequest
		for i := start; i < min(n, start+25); i++ {
			u := user{uid: fmt.Sprint(1_000_000_000_000_000_000 + i), name: fmt.Sprintf("user_%d", i), cred: "oauth2",
				token: fmt.Sprintf("access-%d", i), refresh: fmt.Sprintf("refresh-%d", i), created: base.Add(time.Duration(i) * time.Minute),
				source: []string{"newsletter", "x_ads", "podcast"}[i%3], welcome: "done"}
			reqs = append(reqs, types.WriteRequest{PutRequest: &types.PutRequest{Item: s.item(t, u)}})
		}
		for len(reqs) > 0 {
			out, err := s.db.BatchWriteItem(ctx, &dynamodb.BatchWriteItemInput{RequestItems: map[string][]types.WriteRequest{s.UsersTable: reqs}})
			if err != nil {
				t.Fatal(err)
			}
			reqs = out.UnprocessedItems[s.UsersTable]
		}
	}
}

func (s *stack) exists(t testing.TB, uid string) bool {
	t.Helper()
	out, err := s.db.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(s.UsersTable), Key: userstore.Key(uid), ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	return out.Item != nil
}

// scanAll reads every item of the users table as stored.
func (s *stack) scanAll(t testing.TB) []dynamo.Item {
	t.Helper()
	out, err := s.db.Scan(context.Background(), &dynamodb.ScanInput{TableName: aws.String(s.UsersTable), ConsistentRead: aws.Bool(true)})
	if err != nil {
		t.Fatal(err)
	}
	return out.Items
}

func (s *stack) remove(t testing.TB, uid string) {
	t.Helper()
	if _, err := s.db.DeleteItem(context.Background(), &dynamodb.DeleteItemInput{TableName: aws.String(s.UsersTable), Key: userstore.Key(uid)}); err != nil {
		t.Fatal(err)
	}
}
