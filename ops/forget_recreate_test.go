package ops

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/twitter-sessions/twitter-sessions/shared/actions"
	"github.com/twitter-sessions/twitter-sessions/shared/actionstore"
	"github.com/twitter-sessions/twitter-sessions/shared/grants"
	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/tokens"
	"github.com/twitter-sessions/twitter-sessions/shared/useritem"
	"github.com/twitter-sessions/twitter-sessions/shared/userstore"
)

// A run of the actions or of a campaign that read the person before the
// erase writes to their item afterwards: every such write is conditional on
// what it read, so none brings the item back. (A new sign-in by the person
// does: that is them coming back.)
func TestNothingTheFunctionsWriteBringsAForgottenUserBack(t *testing.T) {
	ctx := context.Background()
	s := newStack(t)
	x := newXApp(t, s)
	access, refresh := x.sb.IssueOAuth2Token(aliceID, "users.read", "tweet.read", "dm.write", "offline.access")
	s.put(t, user{uid: aliceID, name: "alice", cred: "oauth2", token: access, refresh: refresh, created: time.Now(), welcome: "sending"})
	store := actionstore.New(s.db, s.UsersTable, s.sealer)
	before, err := store.ReadTokens(ctx, aliceID)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := store.MarkCampaign(ctx, aliceID, "launch", time.Now()); !ok || err != nil {
		t.Fatalf("mark before the erase: %v %v", ok, err)
	}
	f := &Forget{Target: s.Target, Opener: s.sealer, Grants: grants.Revoker{OAuth2: x.secrets.Grants().OAuth2}, RefKey: s.refKey}
	if _, err := f.Run(ctx, aliceID); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	writes := []struct {
		name  string
		write func() error
	}{
		{"a campaign's mark", func() error { _, err := store.MarkCampaign(ctx, aliceID, "spring", now); return err }},
		{"a campaign's unmark after a 429", func() error { return store.UnmarkCampaign(ctx, aliceID, "launch") }},
		{"a claim of pending actions", func() error {
			_, err := store.ClaimPending(ctx, aliceID, []useritem.Action{useritem.ActionWelcome}, now)
			return err
		}},
		{"an action's outcome", func() error {
			return store.RecordOutcome(ctx, aliceID, useritem.ActionWelcome, actions.Record{State: useritem.StateDone, UpdatedAt: now})
		}},
		{"a requeue", func() error {
			_, err := store.Requeue(ctx, aliceID, useritem.ActionWelcome, useritem.StateSending, now)
			return err
		}},
		{"the sweep's unknown", func() error {
			_, err := store.MarkUnknown(ctx, actions.Sending{UID: aliceID, Action: useritem.ActionWelcome}, "stuck_sending", now)
			return err
		}},
		{"a revocation", func() error { return store.MarkRevoked(ctx, aliceID, now) }},
		{"a refresh lease", func() error {
			_, err := store.TakeRefreshLease(ctx, aliceID, before.Version, tokens.Lease{Owner: "run", Until: now.Add(time.Minute)})
			return err
		}},
		{"a refreshed pair", func() error {
			_, err := store.SaveRefreshed(ctx, aliceID, before.Version, "run", signin.Credentials{Kind: signin.KindOAuth2, Token: "a", Refresh: "r"}, now)
			return err
		}},
		{"a lease's release", func() error { return store.ReleaseRefreshLease(ctx, aliceID, "run") }},
		{"a reconnect mark", func() error { _, err := store.MarkReconnect(ctx, aliceID, before.Version, now); return err }},
		{"an unsubscribe", func() error {
			_, err := userstore.New(s.db, s.UsersTable, s.sealer).Unsubscribe(ctx, aliceID, now)
			return err
		}},
	}
	for _, w := range writes {
		t.Run(w.name+" does not re-create the item", func(t *testing.T) {
			if err := w.write(); err != nil && !errors.Is(err, actions.ErrConflict) {
				t.Logf("the write answered %v", err)
			}
			if s.exists(t, aliceID) {
				t.Errorf("%s re-created the forgotten user's item: its write in shared/actionstore needs the condition attribute_exists(uid)", w.name)
				s.remove(t, aliceID) // each row starts from the erased item
			}
		})
	}
}
