package sessionstore_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/shared/seal"
	"github.com/twitter-sessions/twitter-sessions/shared/sessionstore"
	"github.com/twitter-sessions/twitter-sessions/shared/signin"
)

// Unit tests against a fake of the client: what the store asks DynamoDB,
// and how it reads the answers. DynamoDB Local runs the same store in
// integration/signin's tests.

const (
	table       = "t_session"
	consumeCond = "attribute_exists(#n0) AND #n1 > :v0 AND #n2 = :v1"
)

// fakeDB is the session table holding at most one item (stored), seen
// through dynamo.Client. It records every request; DeleteItem evaluates the
// one condition the store writes, and answers as DynamoDB does: the old item
// with ReturnValues ALL_OLD, and, when the condition fails, a
// ConditionalCheckFailedException carrying the item only if the request
// asked for it (ReturnValuesOnConditionCheckFailure ALL_OLD). The calls the
// store must not make panic (the nil dynamo.Client).
type fakeDB struct {
	dynamo.Client
	t       *testing.T
	stored  dynamo.Item
	err     error // every call fails with it, when set
	puts    []*dynamodb.PutItemInput
	deletes []*dynamodb.DeleteItemInput
}

func (f *fakeDB) PutItem(_ context.Context, in *dynamodb.PutItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error) {
	f.puts = append(f.puts, in)
	if f.err != nil {
		return nil, f.err
	}
	f.stored = in.Item
	return &dynamodb.PutItemOutput{}, nil
}

func (f *fakeDB) DeleteItem(_ context.Context, in *dynamodb.DeleteItemInput, _ ...func(*dynamodb.Options)) (*dynamodb.DeleteItemOutput, error) {
	f.deletes = append(f.deletes, in)
	if f.err != nil {
		return nil, f.err
	}
	if got, names := str(in.ConditionExpression), in.ExpressionAttributeNames; got != consumeCond ||
		names["#n0"] != "request_token" || names["#n1"] != "expires_at" || names["#n2"] != "binding" {
		f.t.Fatalf("DeleteItem condition %q with %v, want %q with #n0 request_token, #n1 expires_at, #n2 binding", got, names, consumeCond)
	}
	old := f.stored
	if key, _ := dynamo.GetS(in.Key, "request_token"); len(old) > 0 && !equalS(old, "request_token", key) {
		old = nil
	}
	exp, hasExp := dynamo.GetInt(old, "expires_at")
	now, _ := dynamo.GetInt(in.ExpressionAttributeValues, ":v0")
	binding, _ := dynamo.GetS(in.ExpressionAttributeValues, ":v1")
	if len(old) == 0 || !hasExp || exp <= now || !equalS(old, "binding", binding) {
		ccf := &types.ConditionalCheckFailedException{}
		if in.ReturnValuesOnConditionCheckFailure == types.ReturnValuesOnConditionCheckFailureAllOld {
			ccf.Item = old
		}
		return nil, fmt.Errorf("operation error DynamoDB: DeleteItem, %w", ccf) // wrapped, as the SDK does
	}
	f.stored = nil
	out := &dynamodb.DeleteItemOutput{}
	if in.ReturnValues == types.ReturnValueAllOld {
		out.Attributes = old
	}
	return out, nil
}

// str reads an optional string of a request.
func str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

func equalS(item dynamo.Item, name, want string) bool {
	v, ok := dynamo.GetS(item, name)
	return ok && v == want
}

func newStore(t *testing.T) (*sessionstore.Store, *fakeDB, *seal.Sealer) {
	t.Helper()
	key := make([]byte, seal.KeySize)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	sealer, err := seal.New(key)
	if err != nil {
		t.Fatal(err)
	}
	db := &fakeDB{t: t}
	return sessionstore.New(db, table, sealer), db, sealer
}

var now = time.Date(2026, 5, 1, 12, 0, 0, 123_000_000, time.UTC)

func session() signin.Session {
	return signin.Session{
		Key: "req-token-1", Secret: "req-secret-1", BindingHash: "b1nd",
		Choices:   signin.Choices{Follow: true, UTM: map[string]string{"utm_source": "x"}, ReturnTo: "https://brand.example/thanks"},
		CreatedAt: now, ExpiresAt: now.Add(15 * time.Minute),
	}
}

func TestPutWritesTheSessionOnceWithItsSecretSealed(t *testing.T) {
	t.Parallel()
	s, db, sealer := newStore(t)
	if err := s.Put(context.Background(), session()); err != nil {
		t.Fatal(err)
	}
	in := db.puts[0]
	if str(in.TableName) != table || str(in.ConditionExpression) != "attribute_not_exists(#n0)" || in.ExpressionAttributeNames["#n0"] != "request_token" {
		t.Fatalf("table %q condition %q: a session must never overwrite another", str(in.TableName), str(in.ConditionExpression))
	}
	item := in.Item
	sealed, _ := dynamo.GetS(item, "request_secret")
	if strings.Contains(sealed, "req-secret-1") {
		t.Fatal("the request secret is stored in the clear")
	}
	if got, err := sealer.Open(sealed, "session:req-token-1"); err != nil || got != "req-secret-1" {
		t.Fatalf("the sealed secret opens to %q, %v", got, err)
	}
	if _, err := sealer.Open(sealed, "session:another-token"); err == nil {
		t.Fatal("the sealed secret opens under another session's context")
	}
	if exp, _ := dynamo.GetN(item, "expires_at"); exp != fmt.Sprint(now.Add(15*time.Minute).Unix()) {
		t.Fatalf("expires_at %q, want epoch seconds (the table's TTL)", exp)
	}
	want := map[string]string{"request_token": "req-token-1", "binding": "b1nd", "return_to": "https://brand.example/thanks", "created_at": "2026-05-01T12:00:00.123Z"}
	for name, v := range want {
		if got, _ := dynamo.GetS(item, name); got != v {
			t.Errorf("%s = %q, want %q", name, got, v)
		}
	}
	if !dynamo.GetBool(item, "follow") || dynamo.GetBool(item, "tweet") || !reflect.DeepEqual(dynamo.GetStringMap(item, "utm"), map[string]string{"utm_source": "x"}) {
		t.Errorf("choices: %v", item)
	}

	t.Run("without UTM or return address the item has neither", func(t *testing.T) {
		sess := session()
		sess.Key, sess.UTM, sess.ReturnTo = "req-token-2", nil, ""
		if err := s.Put(context.Background(), sess); err != nil {
			t.Fatal(err)
		}
		if item := db.puts[1].Item; item["utm"] != nil || item["return_to"] != nil {
			t.Fatalf("item %v", item)
		}
	})
}

func TestPutFailureIsStoreUnavailable(t *testing.T) {
	t.Parallel()
	s, db, _ := newStore(t)
	db.err = errors.New("connection reset")
	if err := s.Put(context.Background(), session()); !errors.Is(err, signin.ErrStoreUnavailable) {
		t.Fatalf("err %v, want ErrStoreUnavailable", err)
	}
}

func TestConsumeDeletesTheSessionInOneConditionalCall(t *testing.T) {
	t.Parallel()
	s, db, _ := newStore(t)
	ctx := context.Background()
	want := session()
	if err := s.Put(ctx, want); err != nil {
		t.Fatal(err)
	}
	at := now.Add(time.Minute)
	got, err := s.Consume(ctx, want.Key, want.BindingHash, at)
	if err != nil {
		t.Fatal(err)
	}
	want.ExpiresAt = want.ExpiresAt.Truncate(time.Second) // kept in epoch seconds
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("consumed\n%+v\nwant\n%+v", got, want)
	}
	if len(db.deletes) != 1 {
		t.Fatalf("%d DeleteItem calls, want 1", len(db.deletes))
	}
	in := db.deletes[0]
	key, _ := dynamo.GetS(in.Key, "request_token")
	nowV, _ := dynamo.GetInt(in.ExpressionAttributeValues, ":v0")
	binding, _ := dynamo.GetS(in.ExpressionAttributeValues, ":v1")
	if str(in.TableName) != table || key != want.Key || len(in.Key) != 1 || nowV != at.Unix() || binding != "b1nd" || len(in.ExpressionAttributeValues) != 2 {
		t.Fatalf("request %+v", in)
	}
	if in.ReturnValues != types.ReturnValueAllOld || in.ReturnValuesOnConditionCheckFailure != types.ReturnValuesOnConditionCheckFailureAllOld {
		t.Fatalf("return values %q / on failure %q: the refusals cannot be told apart without a second call", in.ReturnValues, in.ReturnValuesOnConditionCheckFailure)
	}

	t.Run("a second consume finds nothing", func(t *testing.T) {
		if _, err := s.Consume(ctx, want.Key, want.BindingHash, at); !errors.Is(err, signin.ErrSessionNotFound) {
			t.Fatalf("err %v, want ErrSessionNotFound", err)
		}
	})
}

// A refused conditional delete says why from the item DynamoDB returns with
// the ConditionalCheckFailedException.
func TestConsumeRefusals(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		key     string
		binding string
		at      time.Time
		edit    func(dynamo.Item) // the stored item, before the consume
		want    error
	}{
		{"unknown token", "other-token", "b1nd", now, nil, signin.ErrSessionNotFound},
		{"no token at all (no call)", "", "b1nd", now, nil, signin.ErrSessionNotFound},
		{"expired", "req-token-1", "b1nd", now.Add(16 * time.Minute), nil, signin.ErrSessionExpired},
		{"expiring this very second", "req-token-1", "b1nd", now.Add(15 * time.Minute), nil, signin.ErrSessionExpired},
		{"another browser", "req-token-1", "other", now, nil, signin.ErrSessionMismatch},
		{"another browser, expired", "req-token-1", "other", now.Add(time.Hour), nil, signin.ErrSessionExpired},
		{"no expiry stored", "req-token-1", "b1nd", now, func(i dynamo.Item) { delete(i, "expires_at") }, signin.ErrSessionExpired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s, db, _ := newStore(t)
			if err := s.Put(context.Background(), session()); err != nil {
				t.Fatal(err)
			}
			if tt.edit != nil {
				tt.edit(db.stored)
			}
			_, err := s.Consume(context.Background(), tt.key, tt.binding, tt.at)
			if !errors.Is(err, tt.want) {
				t.Fatalf("err %v, want %v", err, tt.want)
			}
			if errors.Is(err, signin.ErrStoreUnavailable) {
				t.Fatal("a refusal reported as the store being unavailable")
			}
			if db.stored == nil {
				t.Fatal("a refused consume deleted the session")
			}
			if tt.key == "" && len(db.deletes) != 0 {
				t.Fatal("a consume without a token called DynamoDB")
			}
		})
	}
}

func TestConsumeFailures(t *testing.T) {
	t.Parallel()
	t.Run("DynamoDB failing is the store unavailable, not a refusal", func(t *testing.T) {
		s, db, _ := newStore(t)
		db.err = errors.New("operation error DynamoDB: DeleteItem, https response error StatusCode: 500")
		_, err := s.Consume(context.Background(), "req-token-1", "b1nd", now)
		if !errors.Is(err, signin.ErrStoreUnavailable) || errors.Is(err, signin.ErrSessionNotFound) {
			t.Fatalf("err %v, want ErrStoreUnavailable", err)
		}
	})
	corrupt := map[string]func(dynamo.Item){
		"a secret that does not open": func(i dynamo.Item) { i["request_secret"] = dynamo.S("v1.garbage") },
		"a secret sealed for another session": func(i dynamo.Item) {
			i["request_token"] = dynamo.S("req-token-2") // the item moved: its secret's context no longer matches
		},
		"no secret": func(i dynamo.Item) { delete(i, "request_secret") },
	}
	for name, edit := range corrupt {
		t.Run(name+" is corrupt", func(t *testing.T) {
			s, db, _ := newStore(t)
			if err := s.Put(context.Background(), session()); err != nil {
				t.Fatal(err)
			}
			edit(db.stored)
			key, _ := dynamo.GetS(db.stored, "request_token")
			if _, err := s.Consume(context.Background(), key, "b1nd", now); !errors.Is(err, signin.ErrCorrupt) {
				t.Fatalf("err %v, want ErrCorrupt", err)
			}
		})
	}
}
