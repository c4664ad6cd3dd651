package userstore_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/shared/seal"
	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/useritem"
	"github.com/twitter-sessions/twitter-sessions/shared/userstore"
	"github.com/twitter-sessions/twitter-sessions/tools/teststack"
)

// A user may sign in with either protocol, and a stage may switch: each
// sign-in leaves exactly one kind of credentials on the item, and nothing
// else the item holds is lost.
func TestSaveSignInSwitchesTheKindOfCredentials(t *testing.T) {
	t.Parallel()
	tables := teststack.NewTables(t)
	table, db, ctx := tables.Users, tables.DB, context.Background()
	sealer, err := seal.New(teststack.NewKey(t))
	if err != nil {
		t.Fatal(err)
	}
	store := userstore.New(db, table, sealer)
	const uid = "1234567890123456789"
	begin := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	expires := begin.Add(2 * time.Hour)
	user := func(at time.Time, c signin.Credentials) signin.User {
		return signin.User{
			Identity:   signin.Identity{UserID: uid, ScreenName: "alice", Credentials: c},
			Choices:    signin.Choices{Follow: true, UTM: map[string]string{"utm_source": at.Format("15h")}},
			SignedInAt: at,
			Actions:    []useritem.Action{useritem.ActionWelcome},
		}
	}
	item := func() dynamo.Item {
		out, err := db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(table), Key: userstore.Key(uid), ConsistentRead: aws.Bool(true)})
		if err != nil {
			t.Fatal(err)
		}
		return out.Item
	}
	open := func(it dynamo.Item, attr, context string) string {
		t.Helper()
		v, ok := dynamo.GetS(it, attr)
		if !ok {
			t.Fatalf("no %s", attr)
		}
		plain, err := sealer.Open(v, context)
		if err != nil || plain == v {
			t.Fatalf("%s is not sealed for %s: %v", attr, context, err)
		}
		return plain
	}
	absent := func(it dynamo.Item, attrs ...string) {
		t.Helper()
		for _, a := range attrs {
			if _, ok := it[a]; ok {
				t.Errorf("%s is still on the item", a)
			}
		}
	}

	// First sign-in with OAuth 1.0a; then what the actions and campaigns
	// write (a record, a campaign mark, an unsubscribe) and what a lost
	// OAuth 2.0 grant would leave (reconnect, a refresh lease).
	if _, err := store.SaveSignIn(ctx, user(begin, signin.Credentials{Kind: signin.KindOAuth1, Token: "t1", Secret: "s1"})); err != nil {
		t.Fatal(err)
	}
	if _, err := db.UpdateItem(ctx, &dynamodb.UpdateItemInput{
		TableName: aws.String(table), Key: userstore.Key(uid),
		UpdateExpression: aws.String("SET #w.#st = :done, #cs = :cs, #sub = :f, #rc = :t, #rca = :now, #rl = :lease"),
		ExpressionAttributeNames: map[string]string{"#w": "a_welcome", "#st": "state", "#cs": "campaigns_sent", "#sub": "subscribed",
			"#rc": useritem.AttrReconnect, "#rca": useritem.AttrReconnectAt, "#rl": useritem.AttrRefreshLease},
		ExpressionAttributeValues: dynamo.Item{":done": dynamo.S("done"), ":cs": dynamo.StringSet("spring"), ":f": dynamo.Bool(false),
			":t": dynamo.Bool(true), ":now": dynamo.Time(begin), ":lease": dynamo.M(dynamo.Item{"owner": dynamo.S("req-1")})},
	}); err != nil {
		t.Fatal(err)
	}
	it := item()
	if k, _ := dynamo.GetS(it, useritem.AttrKind); k != "oauth1" || open(it, "token", userstore.TokenContext(uid)) != "t1" || open(it, "secret", userstore.SecretContext(uid)) != "s1" {
		t.Fatalf("OAuth 1.0a sign-in stored %v", it)
	}

	t.Run("a switch to OAuth 2.0 stores the tokens and expiry and drops the secret and the lost grant", func(t *testing.T) {
		if _, err := store.SaveSignIn(ctx, user(begin.Add(time.Hour), signin.Credentials{Kind: signin.KindOAuth2, Token: "a2", Refresh: "r2", ExpiresAt: expires})); err != nil {
			t.Fatal(err)
		}
		it := item()
		if k, _ := dynamo.GetS(it, useritem.AttrKind); k != "oauth2" {
			t.Fatalf("cred = %q", k)
		}
		if open(it, "token", userstore.TokenContext(uid)) != "a2" || open(it, "refresh", userstore.RefreshContext(uid)) != "r2" {
			t.Fatal("the OAuth 2.0 tokens do not open to what was signed in with")
		}
		if v, _ := dynamo.GetS(it, "refresh"); sealerOpens(sealer, v, userstore.TokenContext(uid)) {
			t.Fatal("the sealed refresh token opens as the access token")
		}
		if got := dynamo.GetTime(it, useritem.AttrTokenExpiresAt); !got.Equal(expires) {
			t.Fatalf("token_expires_at = %v, want %v", got, expires)
		}
		absent(it, "secret", useritem.AttrReconnect, useritem.AttrReconnectAt, useritem.AttrRefreshLease)
		kept(t, it, begin)
	})
	t.Run("a switch back to OAuth 1.0a drops the refresh token and the expiry", func(t *testing.T) {
		if _, err := store.SaveSignIn(ctx, user(begin.Add(2*time.Hour), signin.Credentials{Token: "t3", Secret: "s3"})); err != nil {
			t.Fatal(err)
		}
		it := item()
		if k, _ := dynamo.GetS(it, useritem.AttrKind); k != "oauth1" || open(it, "token", userstore.TokenContext(uid)) != "t3" || open(it, "secret", userstore.SecretContext(uid)) != "s3" {
			t.Fatalf("OAuth 1.0a sign-in stored %v", it)
		}
		absent(it, "refresh", useritem.AttrTokenExpiresAt)
		kept(t, it, begin)
	})
	t.Run("an OAuth 2.0 grant without a refresh token stores none", func(t *testing.T) {
		if _, err := store.SaveSignIn(ctx, user(begin.Add(3*time.Hour), signin.Credentials{Kind: signin.KindOAuth2, Token: "a4", ExpiresAt: expires})); err != nil {
			t.Fatal(err)
		}
		it := item()
		absent(it, "refresh", "secret")
		if open(it, "token", userstore.TokenContext(uid)) != "a4" {
			t.Fatal("the access token is not stored")
		}
	})
}

// kept checks what the sign-ins must not lose.
func kept(t *testing.T, it dynamo.Item, first time.Time) {
	t.Helper()
	w, _ := dynamo.GetM(it, "a_welcome")
	if st, _ := dynamo.GetS(w, "state"); st != "done" {
		t.Errorf("a_welcome state %q: the welcome would be requested again", st)
	}
	if !slices.Equal(dynamo.GetStringSet(it, "campaigns_sent"), []string{"spring"}) || dynamo.GetBool(it, "subscribed") {
		t.Errorf("the campaign marks or the unsubscribe were lost: %v %v", it["campaigns_sent"], it["subscribed"])
	}
	if got := dynamo.GetTime(it, "created_at"); !got.Equal(first) {
		t.Errorf("created_at = %v", got)
	}
	if dynamo.GetStringMap(it, "attribution")["utm_source"] != first.Format("15h") {
		t.Errorf("the first attribution was replaced: %v", it["attribution"])
	}
	if sn, _ := dynamo.GetS(it, "screen_name"); sn != "alice" || !dynamo.GetBool(it, "follow") {
		t.Errorf("screen_name %q follow %v", sn, dynamo.GetBool(it, "follow"))
	}
}

func sealerOpens(s *seal.Sealer, v, context string) bool {
	_, err := s.Open(v, context)
	return err == nil
}
