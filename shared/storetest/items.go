package storetest

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/twitter-sessions/twitter-sessions/shared/actions"
	"github.com/twitter-sessions/twitter-sessions/shared/campaigns"
	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/tokens"
	"github.com/twitter-sessions/twitter-sessions/shared/useritem"
)

// The cases below walk one item (or a few) through a use case's writes on
// the wall clock, as the stores' first tests on DynamoDB Local did.

// signInNow stores a sign-in of uid now with OAuth 1.0a credentials of no
// stated kind (as items written before the kind was stored read), asking
// for acts.
func signInNow(t *testing.T, s Store, uid string, acts ...useritem.Action) {
	t.Helper()
	_, err := s.SaveSignIn(ctx, signin.User{
		Identity:   signin.Identity{UserID: uid, ScreenName: "u", Credentials: signin.Credentials{Token: "tok-" + uid, Secret: "sec-" + uid}},
		SignedInAt: time.Now(),
		Actions:    acts,
	})
	if err != nil {
		t.Fatal(err)
	}
}

// signInWith stores a sign-in of uid now with c, asking for a tweet.
func signInWith(t *testing.T, s Store, uid string, c signin.Credentials) {
	t.Helper()
	_, err := s.SaveSignIn(ctx, signin.User{
		Identity: signin.Identity{UserID: uid, ScreenName: "u", Credentials: c}, SignedInAt: time.Now(),
		Actions: []useritem.Action{useritem.ActionTweet},
	})
	if err != nil {
		t.Fatal(err)
	}
}

func readTokens(t *testing.T, s Store, uid string) tokens.Stored {
	t.Helper()
	st, err := s.ReadTokens(ctx, uid)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// step is one write of a sequence, and whether it must land.
type step struct {
	name string
	do   func() (bool, error)
	want bool
}

func walk(t *testing.T, steps []step) {
	t.Helper()
	for _, s := range steps {
		if ok, err := s.do(); ok != s.want || err != nil {
			t.Fatalf("%s: %v %v, want %v", s.name, ok, err, s.want)
		}
	}
}

func claimAndRecord(t *testing.T, s Store) {
	signInNow(t, s, Alice, useritem.ActionFollow, useritem.ActionWelcome)
	u := pendingFollowAndWelcome(t, s)
	now := time.Now()
	claimed, err := s.ClaimPending(ctx, Alice, u.Pending(), now)
	if err != nil || len(claimed.Pending()) != 0 || len(claimed.Sending()) != 2 || claimed.Actions[useritem.ActionWelcome].ClaimedAt.IsZero() {
		t.Fatalf("claim: %+v %v", claimed.Actions, err)
	}
	if claimed.Actions[useritem.ActionFollow].RequestedAt.IsZero() {
		t.Fatal("the claim lost requested_at")
	}
	afterTheClaim(t, s, now)
}

// pendingFollowAndWelcome reads Alice, signed in now asking to be followed
// and welcomed.
func pendingFollowAndWelcome(t *testing.T, s Store) actions.User {
	u, err := s.GetActionUser(ctx, Alice)
	if err != nil {
		t.Fatal(err)
	}
	if got := u.Pending(); len(got) != 2 || got[0] != useritem.ActionFollow || got[1] != useritem.ActionWelcome {
		t.Fatalf("pending %v", got)
	}
	if !u.HasCredentials() || u.Credentials.Token != "tok-"+Alice || u.Credentials.Secret != "sec-"+Alice || !u.Subscribed {
		t.Fatalf("user %+v", u)
	}
	return u
}

// afterTheClaim: Alice's follow and welcome are sending, claimed at now.
func afterTheClaim(t *testing.T, s Store, now time.Time) {
	t.Run("a second claim of the same actions conflicts", func(t *testing.T) {
		if _, err := s.ClaimPending(ctx, Alice, []useritem.Action{useritem.ActionWelcome}, now); !errors.Is(err, actions.ErrConflict) {
			t.Fatalf("err %v", err)
		}
	})
	t.Run("an outcome is recorded only while sending", func(t *testing.T) {
		rec := actions.Record{State: useritem.StateDone, Result: "dm-1", Attempts: 1, UpdatedAt: now}
		if err := s.RecordOutcome(ctx, Alice, useritem.ActionWelcome, rec); err != nil {
			t.Fatal(err)
		}
		if err := s.RecordOutcome(ctx, Alice, useritem.ActionWelcome, rec); !errors.Is(err, actions.ErrConflict) {
			t.Fatalf("second record: %v", err)
		}
		u, _ := s.GetActionUser(ctx, Alice)
		if r := u.Actions[useritem.ActionWelcome]; r.State != useritem.StateDone || r.Result != "dm-1" || r.Attempts != 1 || r.Status != 0 {
			t.Fatalf("record %+v", r)
		}
	})
	t.Run("an unknown outcome keeps X's status and is final", func(t *testing.T) { unknownIsFinal(t, s, now) })
	requeueAndNoUser(t, s, now)
}

func requeueAndNoUser(t *testing.T, s Store, now time.Time) {
	t.Run("a waiting welcome is requeued once", func(t *testing.T) {
		if err := s.RecordOutcome(ctx, Alice, useritem.ActionFollow, actions.Record{State: useritem.StateWaitingBrand, Reason: "x", UpdatedAt: now}); err != nil {
			t.Fatal(err)
		}
		ok1, err1 := s.Requeue(ctx, Alice, useritem.ActionFollow, useritem.StateWaitingBrand, now)
		ok2, err2 := s.Requeue(ctx, Alice, useritem.ActionFollow, useritem.StateWaitingBrand, now)
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

func unknownIsFinal(t *testing.T, s Store, now time.Time) {
	signInNow(t, s, Bob, useritem.ActionWelcome)
	if _, err := s.ClaimPending(ctx, Bob, []useritem.Action{useritem.ActionWelcome}, now); err != nil {
		t.Fatal(err)
	}
	rec := actions.Record{State: useritem.StateUnknown, Reason: "x_unavailable", Status: 502, Attempts: 1, UpdatedAt: now}
	if err := s.RecordOutcome(ctx, Bob, useritem.ActionWelcome, rec); err != nil {
		t.Fatal(err)
	}
	u, _ := s.GetActionUser(ctx, Bob)
	if r := u.Actions[useritem.ActionWelcome]; r.State != useritem.StateUnknown || r.Reason != "x_unavailable" || r.Status != 502 {
		t.Fatalf("record %+v", r)
	}
	if err := s.RecordOutcome(ctx, Bob, useritem.ActionWelcome, rec); !errors.Is(err, actions.ErrConflict) {
		t.Fatalf("an unknown outcome was overwritten: %v", err)
	}
}

// markReconnect marks uid reconnect on the pair it holds.
func markReconnect(t *testing.T, s Store, uid string) {
	t.Helper()
	if ok, err := s.MarkReconnect(ctx, uid, readTokens(t, s, uid).Version, time.Now()); !ok || err != nil {
		t.Fatal(ok, err)
	}
}

func campaignMarksAndTheRecipientScan(t *testing.T, s Store) {
	now := time.Now()
	var uids []string
	for i := range 25 {
		uid := fmt.Sprintf("18%017d", i+1)
		uids = append(uids, uid)
		signInNow(t, s, uid)
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
	t.Run("the scan pages through every user once with a cursor", func(t *testing.T) { recipientPages(t, s, uids) })
	t.Run("users waiting for the brand are found", func(t *testing.T) { waitingForTheBrand(t, s, now) })
}

func waitingForTheBrand(t *testing.T, s Store, now time.Time) {
	signInNow(t, s, Alice, useritem.ActionWelcome)
	if _, err := s.ClaimPending(ctx, Alice, []useritem.Action{useritem.ActionWelcome}, now); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordOutcome(ctx, Alice, useritem.ActionWelcome, actions.Record{State: useritem.StateWaitingBrand, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}
	found := waitingForBrand(ctx, t, s, 5)
	if len(found) != 1 || found[0] != Alice {
		t.Fatalf("found %v", found)
	}
}

// recipientPages scans the recipients 7 at a time: uids[0] marked for c1
// and c2, uids[1] unsubscribed, uids[2] revoked, uids[3] to reconnect.
func recipientPages(t *testing.T, s Store, uids []string) {
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
			checkRecipient(t, r, uids)
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
}

func checkRecipient(t *testing.T, r campaigns.Recipient, uids []string) {
	t.Helper()
	switch {
	case r.UID == uids[0] && (!r.HasCampaign("c1") || !r.HasCampaign("c2")):
		t.Errorf("marks %v", r.Campaigns)
	case r.UID == uids[1] && r.Subscribed:
		t.Error("unsubscribed user reads subscribed")
	case r.UID == uids[2] && !r.Revoked:
		t.Error("revoked user reads not revoked")
	case r.UID == uids[3] && (!r.Reconnect || r.Revoked):
		t.Error("a user marked reconnect reads otherwise")
	}
}

func theScanFindsActionsInSending(t *testing.T, s Store) {
	claimed := time.Now().Add(-time.Hour).UTC().Truncate(time.Millisecond)
	var uids []string
	for i := range 12 {
		uid := fmt.Sprintf("19%017d", i+1)
		uids = append(uids, uid)
		signInNow(t, s, uid, useritem.ActionFollow, useritem.ActionWelcome)
		if i%3 == 2 {
			continue // both pending
		}
		if _, err := s.ClaimPending(ctx, uid, []useritem.Action{useritem.ActionFollow, useritem.ActionWelcome}, claimed); err != nil {
			t.Fatal(err)
		}
		if i%3 == 1 { // one sending, one done
			if err := s.RecordOutcome(ctx, uid, useritem.ActionFollow, actions.Record{State: useritem.StateDone, UpdatedAt: claimed}); err != nil {
				t.Fatal(err)
			}
		}
	}
	var found []actions.Sending
	scanned, pages, after := 0, 0, ""
	for {
		page, err := s.ScanSending(ctx, after, 5)
		if err != nil {
			t.Fatal(err)
		}
		found = append(found, page.Actions...)
		scanned += page.Scanned
		pages++
		if page.Next == "" {
			break
		}
		after = page.Next
	}
	if len(found) != 4*2+4 || scanned != 12 || pages < 3 {
		t.Fatalf("found %d actions in sending, scanned %d items in %d pages", len(found), scanned, pages)
	}
	for _, a := range found {
		if !a.ClaimedAt.Equal(claimed) {
			t.Fatalf("%+v: claimed_at read back wrong", a)
		}
	}
	marksOnlyUnderTheSameClaim(t, s, uids, claimed)
}

func marksOnlyUnderTheSameClaim(t *testing.T, s Store, uids []string, claimed time.Time) {
	now := time.Now()
	a := actions.Sending{UID: uids[0], Action: useritem.ActionWelcome, ClaimedAt: claimed}
	t.Run("another claim's time does not match", func(t *testing.T) {
		other := a
		other.ClaimedAt = claimed.Add(time.Millisecond)
		if ok, err := s.MarkUnknown(ctx, other, "stuck_sending", now); ok || err != nil {
			t.Fatalf("marked %v %v", ok, err)
		}
	})
	t.Run("a pending action is not marked", func(t *testing.T) {
		if ok, err := s.MarkUnknown(ctx, actions.Sending{UID: uids[2], Action: useritem.ActionWelcome}, "stuck_sending", now); ok || err != nil {
			t.Fatalf("marked %v %v", ok, err)
		}
	})
	t.Run("the same claim is marked once, and its run can no longer record", func(t *testing.T) {
		if ok, err := s.MarkUnknown(ctx, a, "stuck_sending", now); !ok || err != nil {
			t.Fatalf("marked %v %v", ok, err)
		}
		if ok, err := s.MarkUnknown(ctx, a, "stuck_sending", now); ok || err != nil {
			t.Fatalf("marked twice: %v %v", ok, err)
		}
		u, _ := s.GetActionUser(ctx, a.UID)
		if r := u.Actions[useritem.ActionWelcome]; r.State != useritem.StateUnknown || r.Reason != "stuck_sending" || !r.ClaimedAt.Equal(claimed) {
			t.Fatalf("record %+v", r)
		}
		if len(u.Pending()) != 0 {
			t.Fatal("the mark left something pending")
		}
		late := actions.Record{State: useritem.StateDone, Result: "dm-late", UpdatedAt: now}
		if err := s.RecordOutcome(ctx, a.UID, useritem.ActionWelcome, late); !errors.Is(err, actions.ErrConflict) {
			t.Fatalf("a late record after the mark: %v", err)
		}
	})
}

// theRefreshWritesLandOnlyOnThePairTheyWereDecidedOn walks the refresh
// protocol's writes on one item: each is conditional on the stored pair
// and the lease, and refused otherwise.
func theRefreshWritesLandOnlyOnThePairTheyWereDecidedOn(t *testing.T, s Store) {
	now := time.Now().UTC().Truncate(time.Millisecond)
	first := signin.Credentials{Kind: signin.KindOAuth2, Token: "at-1", Refresh: "rt-1", ExpiresAt: now.Add(time.Hour)}
	signInWith(t, s, Alice, first)
	st := readTokens(t, s, Alice)
	if st.Credentials != first || st.Version.Token == "" || st.Version.Refresh == "" || st.Lease.Owner != "" || st.Reconnect {
		t.Fatalf("read %+v", st)
	}
	u, err := s.GetActionUser(ctx, Alice)
	if err != nil || u.Credentials != first || !u.HasCredentials() || u.Reconnect {
		t.Fatalf("the actions read %+v %v", u.Credentials, err)
	}
	old := st.Version
	lease := tokens.Lease{Owner: "holder", Until: now.Add(15 * time.Second)}
	second := signin.Credentials{Kind: signin.KindOAuth2, Token: "at-2", Refresh: "rt-2", ExpiresAt: now.Add(2 * time.Hour)}
	walk(t, []step{
		{"a lease is taken", func() (bool, error) { return s.TakeRefreshLease(ctx, Alice, old, lease) }, true},
		{"no second lease while one is held", func() (bool, error) {
			return s.TakeRefreshLease(ctx, Alice, old, tokens.Lease{Owner: "other", Until: lease.Until})
		}, false},
		{"no save by another owner", func() (bool, error) { return s.SaveRefreshed(ctx, Alice, old, "other", second, now) }, false},
		{"no save once the lease has ended", func() (bool, error) {
			return s.SaveRefreshed(ctx, Alice, old, lease.Owner, second, lease.Until.Add(time.Second))
		}, false},
		{"the holder saves the new pair within its lease", func() (bool, error) {
			return s.SaveRefreshed(ctx, Alice, old, lease.Owner, second, now)
		}, true},
		{"no lease on the pair it replaced", func() (bool, error) { return s.TakeRefreshLease(ctx, Alice, old, lease) }, false},
		{"no reconnect on the pair it replaced", func() (bool, error) { return s.MarkReconnect(ctx, Alice, old, now) }, false},
	})
	st = readTokens(t, s, Alice)
	if st.Credentials != second || st.Version == old || st.Lease.Owner != "" || st.Reconnect {
		t.Fatalf("after the save %+v", st)
	}
	afterTheSave(t, s, now, lease)
}

func afterTheSave(t *testing.T, s Store, now time.Time, lease tokens.Lease) {
	t.Run("a lease is released by its owner only", func(t *testing.T) {
		v := readTokens(t, s, Alice).Version
		if ok, err := s.TakeRefreshLease(ctx, Alice, v, lease); !ok || err != nil {
			t.Fatal(ok, err)
		}
		if err := s.ReleaseRefreshLease(ctx, Alice, "other"); err != nil || readTokens(t, s, Alice).Lease.Owner != lease.Owner {
			t.Fatalf("another owner released it: %v", err)
		}
		if err := s.ReleaseRefreshLease(ctx, Alice, lease.Owner); err != nil || readTokens(t, s, Alice).Lease.Owner != "" {
			t.Fatalf("not released: %v", err)
		}
	})
	reconnectEndsTheLease(t, s, now, lease)
}

func reconnectEndsTheLease(t *testing.T, s Store, now time.Time, lease tokens.Lease) {
	t.Run("reconnect ends the lease and refuses the next one", func(t *testing.T) {
		v := readTokens(t, s, Alice).Version
		if ok, err := s.TakeRefreshLease(ctx, Alice, v, lease); !ok || err != nil {
			t.Fatal(ok, err)
		}
		if ok, err := s.MarkReconnect(ctx, Alice, v, now); !ok || err != nil {
			t.Fatal(ok, err)
		}
		if st := readTokens(t, s, Alice); !st.Reconnect || st.Lease.Owner != "" {
			t.Fatalf("%+v", st)
		}
		if ok, err := s.TakeRefreshLease(ctx, Alice, v, tokens.Lease{Owner: "next", Until: lease.Until}); ok || err != nil {
			t.Fatalf("a lease was taken on a lost grant: %v %v", ok, err)
		}
		if u, _ := s.GetActionUser(ctx, Alice); !u.Reconnect {
			t.Fatal("the actions do not see the reconnect mark")
		}
	})
	t.Run("a sign-in brings a new grant: reconnect and the lease are gone", func(t *testing.T) {
		third := signin.Credentials{Kind: signin.KindOAuth2, Token: "at-3", Refresh: "rt-3", ExpiresAt: now.Add(2 * time.Hour)}
		signInWith(t, s, Alice, third)
		if st := readTokens(t, s, Alice); st.Reconnect || st.Lease.Owner != "" || st.Credentials != third {
			t.Fatalf("%+v", st)
		}
	})
}

// credentialsOfEitherKind: OAuth 1.0a and OAuth 2.0 credentials without a
// refresh token read back as stored, and their pair matches itself.
func credentialsOfEitherKind(t *testing.T, s Store) {
	noRefresh := signin.Credentials{Kind: signin.KindOAuth2, Token: "at", ExpiresAt: time.Now().UTC().Truncate(time.Millisecond)}
	tests := []struct {
		name string
		uid  string
		c    signin.Credentials
	}{
		{"OAuth 1.0a, as before", Alice, signin.Credentials{Kind: signin.KindOAuth1, Token: "tok", Secret: "sec"}},
		{"OAuth 2.0 without a refresh token (no offline.access)", Bob, noRefresh},
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
}

// anExpiredLeaseIsMarkedOnlyWhileItIsTheLeaseHeld: the reconnect mark of a
// lease found expired lands only on that lease, its owner and until as
// read: not on a live lease another invocation took after a release.
func anExpiredLeaseIsMarkedOnlyWhileItIsTheLeaseHeld(t *testing.T, s Store) {
	now := time.Now().UTC().Truncate(time.Millisecond)
	signInWith(t, s, Alice, signin.Credentials{Kind: signin.KindOAuth2, Token: "at", Refresh: "rt", ExpiresAt: now})
	v := readTokens(t, s, Alice).Version
	expired := tokens.Lease{Owner: "died", Until: now.Add(-time.Second)}
	live := tokens.Lease{Owner: "live", Until: now.Add(time.Minute)}
	walk(t, []step{
		{"a lease is taken (and its holder dies)", func() (bool, error) { return s.TakeRefreshLease(ctx, Alice, v, expired) }, true},
		{"it is released (X answered 429)", func() (bool, error) { return true, s.ReleaseRefreshLease(ctx, Alice, expired.Owner) }, true},
		{"another invocation takes a live one", func() (bool, error) { return s.TakeRefreshLease(ctx, Alice, v, live) }, true},
		{"the expired lease as read marks nothing", func() (bool, error) { return s.MarkLeaseExpired(ctx, Alice, v, expired, now) }, false},
		{"nor does the live lease's owner with another until", func() (bool, error) {
			return s.MarkLeaseExpired(ctx, Alice, v, tokens.Lease{Owner: live.Owner, Until: expired.Until}, now)
		}, false},
		{"the lease held, as read, is marked", func() (bool, error) {
			return s.MarkLeaseExpired(ctx, Alice, v, readTokens(t, s, Alice).Lease, now)
		}, true},
	})
	if st := readTokens(t, s, Alice); !st.Reconnect || st.Lease.Owner != "" {
		t.Fatalf("%+v", st)
	}
}
