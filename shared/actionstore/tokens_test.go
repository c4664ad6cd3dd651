package actionstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/tokens"
	"github.com/twitter-sessions/twitter-sessions/shared/useritem"
	"github.com/twitter-sessions/twitter-sessions/shared/userstore"
)

func signInWith(t *testing.T, s store, uid string, c signin.Credentials) {
	t.Helper()
	_, err := s.SaveSignIn(context.Background(), signin.User{
		Identity: signin.Identity{UserID: uid, ScreenName: "u", Credentials: c}, SignedInAt: time.Now(),
		Actions: []useritem.Action{useritem.ActionTweet},
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestTheRefreshWritesLandOnlyOnThePairTheyWereDecidedOn walks the refresh
// protocol's writes on one item: each is conditional on the stored pair and
// the lease, and refused otherwise.
func TestTheRefreshWritesLandOnlyOnThePairTheyWereDecidedOn(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	first := signin.Credentials{Kind: signin.KindOAuth2, Token: "at-1", Refresh: "rt-1", ExpiresAt: now.Add(time.Hour)}
	signInWith(t, s, alice, first)

	read := func() tokens.Stored {
		t.Helper()
		st, err := s.ReadTokens(ctx, alice)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	st := read()
	if st.Credentials != first || st.Version.Token == "" || st.Version.Refresh == "" || st.Lease.Owner != "" || st.Reconnect {
		t.Fatalf("read %+v", st)
	}
	u, err := s.GetActionUser(ctx, alice)
	if err != nil || u.Credentials != first || !u.HasCredentials() || u.Reconnect {
		t.Fatalf("the actions read %+v %v", u.Credentials, err)
	}
	old := st.Version
	lease := tokens.Lease{Owner: "holder", Until: now.Add(15 * time.Second)}
	second := signin.Credentials{Kind: signin.KindOAuth2, Token: "at-2", Refresh: "rt-2", ExpiresAt: now.Add(2 * time.Hour)}

	steps := []struct {
		name string
		do   func() (bool, error)
		want bool
	}{
		{"a lease is taken", func() (bool, error) { return s.TakeRefreshLease(ctx, alice, old, lease) }, true},
		{"no second lease while one is held", func() (bool, error) {
			return s.TakeRefreshLease(ctx, alice, old, tokens.Lease{Owner: "other", Until: lease.Until})
		}, false},
		{"no save by another owner", func() (bool, error) { return s.SaveRefreshed(ctx, alice, old, "other", second, now) }, false},
		{"no save once the lease has ended", func() (bool, error) {
			return s.SaveRefreshed(ctx, alice, old, lease.Owner, second, lease.Until.Add(time.Second))
		}, false},
		{"the holder saves the new pair within its lease", func() (bool, error) {
			return s.SaveRefreshed(ctx, alice, old, lease.Owner, second, now)
		}, true},
		{"no lease on the pair it replaced", func() (bool, error) { return s.TakeRefreshLease(ctx, alice, old, lease) }, false},
		{"no reconnect on the pair it replaced", func() (bool, error) { return s.MarkReconnect(ctx, alice, old, now) }, false},
	}
	for _, step := range steps {
		if ok, err := step.do(); ok != step.want || err != nil {
			t.Fatalf("%s: %v %v, want %v", step.name, ok, err, step.want)
		}
	}
	st = read()
	if st.Credentials != second || st.Version == old || st.Lease.Owner != "" || st.Reconnect {
		t.Fatalf("after the save %+v", st)
	}

	t.Run("a lease is released by its owner only", func(t *testing.T) {
		v := read().Version
		if ok, err := s.TakeRefreshLease(ctx, alice, v, lease); !ok || err != nil {
			t.Fatal(ok, err)
		}
		if err := s.ReleaseRefreshLease(ctx, alice, "other"); err != nil || read().Lease.Owner != lease.Owner {
			t.Fatalf("another owner released it: %v", err)
		}
		if err := s.ReleaseRefreshLease(ctx, alice, lease.Owner); err != nil || read().Lease.Owner != "" {
			t.Fatalf("not released: %v", err)
		}
	})
	t.Run("reconnect ends the lease and refuses the next one", func(t *testing.T) {
		v := read().Version
		if ok, err := s.TakeRefreshLease(ctx, alice, v, lease); !ok || err != nil {
			t.Fatal(ok, err)
		}
		if ok, err := s.MarkReconnect(ctx, alice, v, now); !ok || err != nil {
			t.Fatal(ok, err)
		}
		if st := read(); !st.Reconnect || st.Lease.Owner != "" {
			t.Fatalf("%+v", st)
		}
		if ok, err := s.TakeRefreshLease(ctx, alice, v, tokens.Lease{Owner: "next", Until: lease.Until}); ok || err != nil {
			t.Fatalf("a lease was taken on a lost grant: %v %v", ok, err)
		}
		if u, _ := s.GetActionUser(ctx, alice); !u.Reconnect {
			t.Fatal("the actions do not see the reconnect mark")
		}
	})
	t.Run("a sign-in brings a new grant: reconnect and the lease are gone", func(t *testing.T) {
		third := signin.Credentials{Kind: signin.KindOAuth2, Token: "at-3", Refresh: "rt-3", ExpiresAt: now.Add(2 * time.Hour)}
		signInWith(t, s, alice, third)
		if st := read(); st.Reconnect || st.Lease.Owner != "" || st.Credentials != third {
			t.Fatalf("%+v", st)
		}
	})
}

func TestCredentialsOfEitherKindAreRead(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	ctx := context.Background()
	const bob, carol = "9007199254740993", "1400000000000000003"
	noRefresh := signin.Credentials{Kind: signin.KindOAuth2, Token: "at", ExpiresAt: time.Now().UTC().Truncate(time.Millisecond)}
	tests := []struct {
		name string
		uid  string
		c    signin.Credentials
	}{
		{"OAuth 1.0a, as before", alice, signin.Credentials{Kind: signin.KindOAuth1, Token: "tok", Secret: "sec"}},
		{"OAuth 2.0 without a refresh token (no offline.access)", bob, noRefresh},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			signInWith(t, s, tt.uid, tt.c)
			st, err := s.ReadTokens(ctx, tt.uid)
			if err != nil || st.Credentials != tt.c || st.Version.Refresh != "" {
				t.Fatalf("%+v %v", st, err)
			}
			if ok, err := s.MarkReconnect(ctx, tt.uid, st.Version, time.Now()); !ok || err != nil {
				t.Fatalf("the pair without a refresh token does not match itself: %v %v", ok, err)
			}
		})
	}
	t.Run("a kind this code does not know does not open", func(t *testing.T) {
		signInWith(t, s, carol, noRefresh)
		if _, err := s.DB.UpdateItem(ctx, &dynamodb.UpdateItemInput{
			TableName: aws.String(s.Name), Key: userstore.Key(carol), UpdateExpression: aws.String("SET #k = :k"),
			ExpressionAttributeNames: map[string]string{"#k": useritem.AttrKind}, ExpressionAttributeValues: dynamo.Item{":k": dynamo.S("oauth3")},
		}); err != nil {
			t.Fatal(err)
		}
		if u, err := s.GetActionUser(ctx, carol); err != nil || !u.CredentialsUnopenable() {
			t.Fatalf("%+v %v", u, err)
		}
	})
}

// TestAnExpiredLeaseIsMarkedOnlyWhileItIsTheLeaseHeld: the reconnect mark
// of a lease found expired lands only on that lease, its owner and until
// as read: not on a live lease another invocation took after a release.
func TestAnExpiredLeaseIsMarkedOnlyWhileItIsTheLeaseHeld(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	ctx := context.Background()
	now := time.Now().UTC().Truncate(time.Millisecond)
	signInWith(t, s, alice, signin.Credentials{Kind: signin.KindOAuth2, Token: "at", Refresh: "rt", ExpiresAt: now})
	read := func() tokens.Stored {
		t.Helper()
		st, err := s.ReadTokens(ctx, alice)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	v := read().Version
	expired := tokens.Lease{Owner: "died", Until: now.Add(-time.Second)}
	live := tokens.Lease{Owner: "live", Until: now.Add(time.Minute)}
	steps := []struct {
		name string
		do   func() (bool, error)
		want bool
	}{
		{"a lease is taken (and its holder dies)", func() (bool, error) { return s.TakeRefreshLease(ctx, alice, v, expired) }, true},
		{"it is released (X answered 429)", func() (bool, error) { return true, s.ReleaseRefreshLease(ctx, alice, expired.Owner) }, true},
		{"another invocation takes a live one", func() (bool, error) { return s.TakeRefreshLease(ctx, alice, v, live) }, true},
		{"the expired lease as read marks nothing", func() (bool, error) { return s.MarkLeaseExpired(ctx, alice, v, expired, now) }, false},
		{"nor does the live lease's owner with another until", func() (bool, error) {
			return s.MarkLeaseExpired(ctx, alice, v, tokens.Lease{Owner: live.Owner, Until: expired.Until}, now)
		}, false},
		{"the lease held, as read, is marked", func() (bool, error) { return s.MarkLeaseExpired(ctx, alice, v, read().Lease, now) }, true},
	}
	for _, step := range steps {
		if ok, err := step.do(); ok != step.want || err != nil {
			t.Fatalf("%s: %v %v, want %v", step.name, ok, err, step.want)
		}
	}
	if st := read(); !st.Reconnect || st.Lease.Owner != "" {
		t.Fatalf("%+v", st)
	}
}
