package actionstore_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/twitter-sessions/twitter-sessions/shared/actions"
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
	stage, db := tables.Stage, tables.DB
	sealer, err := seal.New(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	return store{actionstore.New(db, stage+"_twitter", sealer), userstore.New(db, stage+"_twitter", sealer)}, sealer
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

func TestClaimAndRecord(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	ctx := context.Background()
	signIn(t, s, alice, useritem.ActionFollow, useritem.ActionWelcome)

	u, err := s.GetActionUser(ctx, alice)
	if err != nil {
		t.Fatal(err)
	}
	if got := u.Pending(); len(got) != 2 || got[0] != useritem.ActionFollow || got[1] != useritem.ActionWelcome {
		t.Fatalf("pending %v", got)
	}
	if !u.HasCredentials() || u.Credentials.Token != "tok-"+alice || u.Credentials.Secret != "sec-"+alice || !u.Subscribed {
		t.Fatalf("user %+v", u)
	}

	now := time.Now()
	claimed, err := s.ClaimPending(ctx, alice, u.Pending(), now)
	if err != nil || len(claimed.Pending()) != 0 || len(claimed.Sending()) != 2 || claimed.Actions[useritem.ActionWelcome].ClaimedAt.IsZero() {
		t.Fatalf("claim: %+v %v", claimed.Actions, err)
	}
	if claimed.Actions[useritem.ActionFollow].RequestedAt.IsZero() {
		t.Fatal("the claim lost requested_at")
	}
	t.Run("a second claim of the same actions conflicts", func(t *testing.T) {
		if _, err := s.ClaimPending(ctx, alice, []useritem.Action{useritem.ActionWelcome}, now); !errors.Is(err, actions.ErrConflict) {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("an outcome is recorded only while sending", func(t *testing.T) {
		rec := actions.Record{State: useritem.StateDone, Result: "dm-1", Attempts: 1, UpdatedAt: now}
		if err := s.RecordOutcome(ctx, alice, useritem.ActionWelcome, rec); err != nil {
			t.Fatal(err)
		}
		if err := s.RecordOutcome(ctx, alice, useritem.ActionWelcome, rec); !errors.Is(err, actions.ErrConflict) {
			t.Fatalf("second record: %v", err)
		}
		u, _ := s.GetActionUser(ctx, alice)
		if r := u.Actions[useritem.ActionWelcome]; r.State != useritem.StateDone || r.Result != "dm-1" || r.Attempts != 1 || r.Status != 0 {
			t.Fatalf("record %+v", r)
		}
	})
	t.Run("an unknown outcome keeps X's status and is final", func(t *testing.T) {
		const bob = "9007199254740993"
		signIn(t, s, bob, useritem.ActionWelcome)
		if _, err := s.ClaimPending(ctx, bob, []useritem.Action{useritem.ActionWelcome}, now); err != nil {
			t.Fatal(err)
		}
		rec := actions.Record{State: useritem.StateUnknown, Reason: "x_unavailable", Status: 502, Attempts: 1, UpdatedAt: now}
		if err := s.RecordOutcome(ctx, bob, useritem.ActionWelcome, rec); err != nil {
			t.Fatal(err)
		}
		u, _ := s.GetActionUser(ctx, bob)
		if r := u.Actions[useritem.ActionWelcome]; r.State != useritem.StateUnknown || r.Reason != "x_unavailable" || r.Status != 502 {
			t.Fatalf("record %+v", r)
		}
		if err := s.RecordOutcome(ctx, bob, useritem.ActionWelcome, rec); !errors.Is(err, actions.ErrConflict) {
			t.Fatalf("an unknown outcome was overwritten: %v", err)
		}
	})
	t.Run("a waiting welcome is requeued once", func(t *testing.T) {
		if err := s.RecordOutcome(ctx, alice, useritem.ActionFollow, actions.Record{State: useritem.StateWaitingBrand, Reason: "x", UpdatedAt: now}); err != nil {
			t.Fatal(err)
		}
		ok1, err1 := s.Requeue(ctx, alice, useritem.ActionFollow, useritem.StateWaitingBrand, now)
		ok2, err2 := s.Requeue(ctx, alice, useritem.ActionFollow, useritem.StateWaitingBrand, now)
		if !ok1 || ok2 || err1 != nil || err2 != nil {
			t.Fatalf("requeue %v %v %v %v", ok1, ok2, err1, err2)
		}
	})
	t.Run("an unknown user is not found", func(t *testing.T) {
		if _, err := s.GetActionUser(ctx, "42"); !errors.Is(err, actions.ErrNotFound) {
			t.Fatalf("err %v", err)
		}
		if _, err := s.ClaimPending(ctx, "42", []useritem.Action{useritem.ActionWelcome}, now); !errors.Is(err, actions.ErrConflict) {
			t.Fatalf("err %v", err)
		}
		if ok, err := s.Unsubscribe(ctx, "42", now); ok || err != nil {
			t.Fatalf("unsubscribe %v %v", ok, err)
		}
	})
}

func TestCredentialsThatDoNotOpenAreReported(t *testing.T) {
	t.Parallel()
	tables := teststack.NewTables(t)
	stage, db := tables.Stage, tables.DB
	k1, k2 := make([]byte, 32), make([]byte, 32)
	k2[0] = 1
	s1, _ := seal.New(k1)
	s2, _ := seal.New(k2)
	signIn(t, userstore.New(db, stage+"_twitter", s1), alice, useritem.ActionWelcome)
	other := actionstore.New(db, stage+"_twitter", s2)
	u, err := other.GetActionUser(context.Background(), alice)
	if err != nil || u.HasCredentials() || u.CredentialsErr == nil || u.Credentials.Token != "" || !u.CredentialsUnopenable() {
		t.Fatalf("user %+v err %v", u, err)
	}
	t.Run("an item without credentials is not unopenable", func(t *testing.T) {
		const bob = "9007199254740993"
		if _, err := db.PutItem(context.Background(), &dynamodb.PutItemInput{
			TableName: aws.String(stage + "_twitter"), Item: dynamo.Item{useritem.AttrUID: dynamo.N(bob)},
		}); err != nil {
			t.Fatal(err)
		}
		u, err := other.GetActionUser(context.Background(), bob)
		if err != nil || u.HasCredentials() || u.CredentialsErr == nil || u.CredentialsUnopenable() {
			t.Fatalf("user %+v err %v", u, err)
		}
	})
}

// markReconnect marks uid reconnect on the pair it holds.
func markReconnect(t *testing.T, s store, uid string) {
	t.Helper()
	st, err := s.ReadTokens(context.Background(), uid)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := s.MarkReconnect(context.Background(), uid, st.Version, time.Now()); !ok || err != nil {
		t.Fatal(ok, err)
	}
}

func TestCampaignMarksAndTheRecipientScan(t *testing.T) {
	t.Parallel()
	s, _ := newStore(t)
	ctx := context.Background()
	now := time.Now()
	var uids []string
	for i := range 25 {
		uid := fmt.Sprintf("18%017d", i+1)
		uids = append(uids, uid)
		signIn(t, s, uid)
	}
	if _, err := s.Unsubscribe(ctx, uids[1], now); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkRevoked(ctx, uids[2], now); err != nil {
		t.Fatal(err)
	}
	markReconnect(t, s, uids[3])

	t.Run("a user is marked once, and only while subscribed, not revoked and not reconnect", func(t *testing.T) {
		for _, c := range []struct {
			uid  string
			want bool
		}{{uids[0], true}, {uids[0], false}, {uids[1], false}, {uids[2], false}, {uids[3], false}, {"42", false}} {
			if ok, err := s.MarkCampaign(ctx, c.uid, "c1", now); ok != c.want || err != nil {
				t.Fatalf("mark %s: %v %v", c.uid, ok, err)
			}
		}
		if ok, _ := s.MarkCampaign(ctx, uids[0], "c2", now); !ok {
			t.Fatal("another campaign cannot mark the user")
		}
		if err := s.UnmarkCampaign(ctx, uids[0], "c1"); err != nil {
			t.Fatal(err)
		}
		if ok, _ := s.MarkCampaign(ctx, uids[0], "c1", now); !ok {
			t.Fatal("an unmarked user cannot be marked again")
		}
	})
	t.Run("the scan pages through every user once with a cursor", func(t *testing.T) {
		seen := map[string]int{}
		after, pages := "", 0
		for {
			rs, more, err := s.ScanRecipients(ctx, after, 7)
			if err != nil {
				t.Fatal(err)
			}
			pages++
			for _, r := range rs {
				seen[r.UID]++
				switch r.UID {
				case uids[0]:
					if !r.HasCampaign("c1") || !r.HasCampaign("c2") {
						t.Errorf("marks %v", r.Campaigns)
					}
				case uids[1]:
					if r.Subscribed {
						t.Error("unsubscribed user reads subscribed")
					}
				case uids[2]:
					if !r.Revoked {
						t.Error("revoked user reads not revoked")
					}
				case uids[3]:
					if !r.Reconnect || r.Revoked {
						t.Error("a user marked reconnect reads otherwise")
					}
				}
				after = r.UID
			}
			if !more {
				break
			}
		}
		if len(seen) != 25 || pages < 4 {
			t.Fatalf("seen %d users in %d pages", len(seen), pages)
		}
		for uid, n := range seen {
			if n != 1 {
				t.Fatalf("%s seen %d times", uid, n)
			}
		}
	})
	t.Run("users waiting for the brand are found", func(t *testing.T) {
		signIn(t, s, alice, useritem.ActionWelcome)
		if _, err := s.ClaimPending(ctx, alice, []useritem.Action{useritem.ActionWelcome}, now); err != nil {
			t.Fatal(err)
		}
		if err := s.RecordOutcome(ctx, alice, useritem.ActionWelcome, actions.Record{State: useritem.StateWaitingBrand, UpdatedAt: now}); err != nil {
			t.Fatal(err)
		}
		var found []string
		after := ""
		for {
			page, next, err := s.WaitingForBrand(ctx, after, 5)
			if err != nil {
				t.Fatal(err)
			}
			found = append(found, page...)
			if next == "" {
				break
			}
			after = next
		}
		if len(found) != 1 || found[0] != alice {
			t.Fatalf("found %v", found)
		}
	})
}

// A sign-in requests its actions in the state the actions claim.
func TestASignInRequestsActionsInThePendingState(t *testing.T) {
	if string(useritem.StatePending) != string(useritem.StatePending) {
		t.Fatalf("string(useritem.StatePending) %q, useritem.StatePending %q", string(useritem.StatePending), useritem.StatePending)
	}
}
