package userstore_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/twitter-sessions/twitter-sessions/shared/seal"
	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/useritem"
	"github.com/twitter-sessions/twitter-sessions/shared/userstore"
	"github.com/twitter-sessions/twitter-sessions/tools/teststack"
)

// SaveSignIn tells a first sign-in (the item did not exist) from a
// returning user's, from its one write: what the sign-up metric and the
// "signed in" line's new_user rest on.
func TestSaveSignInTellsAFirstSignInFromAReturningOne(t *testing.T) {
	t.Parallel()
	tables := teststack.NewTables(t)
	sealer, err := seal.New(teststack.NewKey(t))
	if err != nil {
		t.Fatal(err)
	}
	store := userstore.New(tables.DB, tables.Users, sealer)
	at := time.Date(2026, 5, 1, 12, 0, 0, 0, time.UTC)
	user := func(uid string, c signin.Credentials, brand bool) signin.User {
		return signin.User{Identity: signin.Identity{UserID: uid, ScreenName: "u" + uid[:4], Credentials: c},
			SignedInAt: at, Brand: brand, Actions: []useritem.Action{useritem.ActionWelcome}}
	}
	oauth1 := signin.Credentials{Kind: signin.KindOAuth1, Token: "t", Secret: "s"}
	oauth2 := signin.Credentials{Kind: signin.KindOAuth2, Token: "a", Refresh: "r", ExpiresAt: at.Add(2 * time.Hour)}
	steps := []struct {
		name string
		u    signin.User
		want bool
	}{
		{"a first sign-in creates the user", user("1234567890123456789", oauth1, false), true},
		{"the same user signing in again is a returning user", user("1234567890123456789", oauth1, false), false},
		{"a returning user who switched to OAuth 2.0 is still a returning user", user("1234567890123456789", oauth2, false), false},
		{"another user's first sign-in creates them", user("9007199254740993", oauth2, false), true},
		{"the brand's first sign-in creates its item too (the caller leaves it out of the sign-ups)", user("1900000000000000001", oauth2, true), true},
		{"the brand signing in again is a returning user", user("1900000000000000001", oauth2, true), false},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			created, err := store.SaveSignIn(context.Background(), st.u)
			if err != nil {
				t.Fatal(err)
			}
			if created != st.want {
				t.Errorf("created = %v, want %v", created, st.want)
			}
		})
	}
	t.Run("of racing first sign-ins of one user, exactly one creates it", func(t *testing.T) {
		const racers = 8
		var wg sync.WaitGroup
		results := make(chan bool, racers)
		for range racers {
			wg.Go(func() {
				created, err := store.SaveSignIn(context.Background(), user("1400000000000000003", oauth1, false))
				if err != nil {
					t.Error(err)
				}
				results <- created
			})
		}
		wg.Wait()
		close(results)
		n := 0
		for c := range results {
			if c {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%d of %d racing sign-ins said they created the user, want 1", n, racers)
		}
	})
}
