// Package storetest is the contract of the users table as the action core
// uses it: one suite of conditional writes and scans, run against the
// stores on DynamoDB Local (shared/actionstore with shared/userstore) and
// against the in-memory one (shared/memstore), so that the fake the core's
// unit tests use cannot drift from the truth.
//
// Only tests import this package: it is never part of a Lambda binary.
package storetest

import (
	"context"
	"errors"
	"slices"
	"sort"
	"testing"
	"time"

	"github.com/twitter-sessions/twitter-sessions/shared/actions"
	"github.com/twitter-sessions/twitter-sessions/shared/campaigns"
	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/tokens"
	"github.com/twitter-sessions/twitter-sessions/shared/useritem"
)

// Store is every interface the core declares of the users table, plus the
// sign-in's and the unsubscribe link's writes (which seed it).
type Store interface {
	actions.UserReader
	actions.Claimer
	actions.Revoker
	actions.Requeuer
	actions.SendingMarker
	actions.CredentialRemover
	campaigns.Audience
	tokens.Store
	signin.UserStore
	Unsubscribe(ctx context.Context, uid string, now time.Time) (bool, error)
}

// Users of the suite: exact decimal X ids, some beyond 2^53.
const (
	Alice = "1234567890123456789"
	Bob   = "9007199254740993"
	Carol = "1400000000000000003"
	Brand = "783214"
)

// Run runs the contract against the stores newStore makes, one fresh,
// empty table per subtest (newStore may skip the test).
func Run(t *testing.T, newStore func(t *testing.T) Store) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s Store)
	}{
		{"a sign-in creates the user, requests its actions once and stores its credentials", signIns},
		{"a claim takes every action named or none", claimAllOrNothing},
		{"an outcome is recorded only while its action is sending", recordWhileSending},
		{"a requeue moves an action only from the state named", requeueFromState},
		{"an unknown mark lands only under the claim read", markUnknownSameClaim},
		{"a revoked mark needs the user, and a sign-in clears it", markRevoked},
		{"scans page by a uid cursor, each item once", scansPage},
		{"credentials are removed only under their conditions", removeCredentials},
		{"the refresh lease's writes land only on the pair and lease read", refreshLease},
		{"a campaign mark needs a subscribed, connected, unmarked user", campaignMarks},
		{"a claim and its outcomes, on the wall clock", claimAndRecord},
		{"credentials of either kind read back as stored", credentialsOfEitherKind},
		{"campaign marks and the recipient scan over 25 users", campaignMarksAndTheRecipientScan},
		{"the sending scan, and its marks only under the same claim", theScanFindsActionsInSending},
		{"the refresh writes land only on the pair they were decided on", theRefreshWritesLandOnlyOnThePairTheyWereDecidedOn},
		{"an expired lease is marked only while it is the lease held", anExpiredLeaseIsMarkedOnlyWhileItIsTheLeaseHeld},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, newStore(t))
		})
	}
}

var (
	ctx = context.Background()
	t0  = time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
)

func oauth1(uid string) signin.Credentials {
	return signin.Credentials{Kind: signin.KindOAuth1, Token: "tok-" + uid, Secret: "sec-" + uid}
}

func oauth2(uid, suffix string, refresh bool) signin.Credentials {
	c := signin.Credentials{Kind: signin.KindOAuth2, Token: "access-" + uid + suffix, ExpiresAt: t0.Add(2 * time.Hour)}
	if refresh {
		c.Refresh = "refresh-" + uid + suffix
	}
	return c
}

// SignIn stores a sign-in of uid at at with c, requesting acts.
func SignIn(t *testing.T, s Store, uid string, c signin.Credentials, at time.Time, acts ...useritem.Action) bool {
	t.Helper()
	created, err := s.SaveSignIn(ctx, signin.User{Identity: signin.Identity{UserID: uid, ScreenName: "u" + uid, Credentials: c},
		Choices: signin.Choices{Follow: true, Tweet: true}, SignedInAt: at, Actions: acts, Brand: uid == Brand})
	if err != nil {
		t.Fatal(err)
	}
	return created
}

func get(t *testing.T, s Store, uid string) actions.User {
	t.Helper()
	u, err := s.GetActionUser(ctx, uid)
	if err != nil {
		t.Fatalf("reading %s: %v", uid, err)
	}
	return u
}

func state(t *testing.T, s Store, uid string, a useritem.Action) useritem.State {
	t.Helper()
	return get(t, s, uid).Actions[a].State
}

func must(t *testing.T, ok bool, err error, want bool, what string) {
	t.Helper()
	if err != nil || ok != want {
		t.Fatalf("%s: %v, %v; want %v", what, ok, err, want)
	}
}

var all = []useritem.Action{useritem.ActionFollow, useritem.ActionWelcome, useritem.ActionTweet}

func signIns(t *testing.T, s Store) {
	if !SignIn(t, s, Alice, oauth1(Alice), t0, all...) {
		t.Fatal("a first sign-in did not report the user created")
	}
	u := get(t, s, Alice)
	firstSignInAsRead(t, u)
	signInsAgain(t, s, u)
	brandSignIns(t, s)
}

// firstSignInAsRead checks Alice as her first sign-in left her.
func firstSignInAsRead(t *testing.T, u actions.User) {
	if u.UID != Alice || !u.Subscribed || u.Revoked || u.Reconnect || u.Brand || !u.Follow || !u.Tweet {
		t.Fatalf("user as read: %+v", u)
	}
	if u.Credentials != oauth1(Alice) || u.CredentialsErr != nil || u.SealedToken == "" || u.SealedToken == "tok-"+Alice || !u.CredentialsAt.Equal(t0) {
		t.Fatalf("credentials as read: %+v %v sealed %v at %v", u.Credentials, u.CredentialsErr, u.SealedToken != "", u.CredentialsAt)
	}
	firstActionsAsRead(t, u)
}

func firstActionsAsRead(t *testing.T, u actions.User) {
	for _, a := range all {
		if r := u.Actions[a]; r.State != useritem.StatePending || !r.RequestedAt.Equal(t0) {
			t.Fatalf("a_%s = %+v, want pending requested at %v", a, r, t0)
		}
	}
	if _, ok := u.Actions[useritem.ActionRelease]; ok {
		t.Fatal("a release nobody requested")
	}
}

// signInsAgain: Alice signs in again, u as her first sign-in left her.
func signInsAgain(t *testing.T, s Store, u actions.User) {
	// Done actions are not requested again; a sign-in that keeps no
	// credentials leaves the stored ones; an OAuth 2.0 sign-in replaces
	// OAuth 1.0a credentials whole.
	if _, err := s.ClaimPending(ctx, Alice, []useritem.Action{useritem.ActionFollow}, t0); err != nil {
		t.Fatal(err)
	}
	if SignIn(t, s, Alice, signin.Credentials{}, t0.Add(time.Minute), all...) {
		t.Fatal("a second sign-in reported the user created")
	}
	if u2 := get(t, s, Alice); u2.Actions[useritem.ActionFollow].State != useritem.StateSending || u2.SealedToken != u.SealedToken || u2.Credentials != oauth1(Alice) {
		t.Fatalf("after a sign-in without credentials: %+v", u2)
	}
	c2 := oauth2(Alice, "-2", true)
	SignIn(t, s, Alice, c2, t0.Add(2*time.Minute))
	u3 := get(t, s, Alice)
	if u3.Credentials.Kind != signin.KindOAuth2 || u3.Credentials.Token != c2.Token || u3.Credentials.Refresh != c2.Refresh ||
		u3.Credentials.Secret != "" || !u3.Credentials.ExpiresAt.Equal(c2.ExpiresAt) || !u3.CredentialsAt.Equal(t0.Add(2*time.Minute)) {
		t.Fatalf("after an OAuth 2.0 sign-in: %+v", u3.Credentials)
	}
}

func brandSignIns(t *testing.T, s Store) {
	// The brand's every sign-in requests its release again.
	SignIn(t, s, Brand, oauth2(Brand, "", true), t0, useritem.ActionRelease)
	if _, err := s.ClaimPending(ctx, Brand, []useritem.Action{useritem.ActionRelease}, t0); err != nil {
		t.Fatal(err)
	}
	SignIn(t, s, Brand, oauth2(Brand, "-2", true), t0.Add(time.Hour), useritem.ActionRelease)
	if b := get(t, s, Brand); !b.Brand || b.Actions[useritem.ActionRelease].State != useritem.StatePending {
		t.Fatalf("brand after its second sign-in: %+v", b)
	}
	if _, err := s.GetActionUser(ctx, Bob); !errors.Is(err, actions.ErrNotFound) {
		t.Fatalf("an unknown user: %v, want ErrNotFound", err)
	}
	if _, err := s.GetActionUser(ctx, "12ab"); err == nil || errors.Is(err, actions.ErrStoreUnavailable) {
		t.Fatalf("a malformed uid: %v, want a plain error", err)
	}
}

func claimAllOrNothing(t *testing.T, s Store) {
	SignIn(t, s, Alice, oauth1(Alice), t0, all...)
	claimed, err := s.ClaimPending(ctx, Alice, []useritem.Action{useritem.ActionWelcome}, t0)
	if err != nil || claimed.Actions[useritem.ActionWelcome].State != useritem.StateSending || !claimed.Actions[useritem.ActionWelcome].ClaimedAt.Equal(t0) {
		t.Fatalf("claim: %+v %v", claimed.Actions, err)
	}
	if claimed.Credentials != oauth1(Alice) {
		t.Fatal("a claim's user lacks the credentials")
	}
	// welcome is sending: a claim naming it takes nothing, follow included.
	if _, err := s.ClaimPending(ctx, Alice, []useritem.Action{useritem.ActionFollow, useritem.ActionWelcome}, t0); !errors.Is(err, actions.ErrConflict) {
		t.Fatalf("a claim of an action not pending: %v, want ErrConflict", err)
	}
	if st := state(t, s, Alice, useritem.ActionFollow); st != useritem.StatePending {
		t.Fatalf("a_follow = %s after a refused claim, want pending", st)
	}
	if _, err := s.ClaimPending(ctx, Alice, []useritem.Action{useritem.ActionRelease}, t0); !errors.Is(err, actions.ErrConflict) {
		t.Fatalf("a claim of an action never requested: %v, want ErrConflict", err)
	}
	if _, err := s.ClaimPending(ctx, Bob, []useritem.Action{useritem.ActionFollow}, t0); !errors.Is(err, actions.ErrConflict) {
		t.Fatalf("a claim on no user: %v, want ErrConflict", err)
	}
	if _, err := s.GetActionUser(ctx, Bob); !errors.Is(err, actions.ErrNotFound) {
		t.Fatal("a refused claim created an item")
	}
	if u, err := s.ClaimPending(ctx, Alice, []useritem.Action{useritem.ActionFollow, useritem.ActionTweet}, t0); err != nil ||
		len(u.Sending()) != 3 || len(u.Pending()) != 0 {
		t.Fatalf("claiming the rest: %v %v", u.Actions, err)
	}
}

func recordWhileSending(t *testing.T, s Store) {
	SignIn(t, s, Alice, oauth1(Alice), t0, all...)
	rec := actions.Record{State: useritem.StateDone, Result: "dm-1", Attempts: 1, UpdatedAt: t0}
	if err := s.RecordOutcome(ctx, Alice, useritem.ActionWelcome, rec); !errors.Is(err, actions.ErrConflict) {
		t.Fatalf("recording a pending action: %v, want ErrConflict", err)
	}
	if _, err := s.ClaimPending(ctx, Alice, []useritem.Action{useritem.ActionWelcome}, t0); err != nil {
		t.Fatal(err)
	}
	wait := actions.Record{State: useritem.StateFailed, Reason: "x_unavailable", Status: 503, Result: "r", Attempts: 2, UpdatedAt: t0}
	if err := s.RecordOutcome(ctx, Alice, useritem.ActionWelcome, wait); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordOutcome(ctx, Alice, useritem.ActionWelcome, rec); !errors.Is(err, actions.ErrConflict) {
		t.Fatalf("recording twice: %v, want ErrConflict", err)
	}
	r := get(t, s, Alice).Actions[useritem.ActionWelcome]
	if r.State != useritem.StateFailed || r.Reason != "x_unavailable" || r.Status != 503 || r.Attempts != 2 || r.Result != "r" || !r.ClaimedAt.Equal(t0) || !r.RequestedAt.Equal(t0) {
		t.Fatalf("a_welcome = %+v", r)
	}
	laterOutcome(t, s, rec)
}

func laterOutcome(t *testing.T, s Store, rec actions.Record) {
	// A later outcome replaces reason, result and status.
	if ok, err := s.Requeue(ctx, Alice, useritem.ActionWelcome, useritem.StateFailed, t0); !ok || err != nil {
		t.Fatal(ok, err)
	}
	if _, err := s.ClaimPending(ctx, Alice, []useritem.Action{useritem.ActionWelcome}, t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordOutcome(ctx, Alice, useritem.ActionWelcome, actions.Record{State: useritem.StateDone, Attempts: 1, UpdatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	if r := get(t, s, Alice).Actions[useritem.ActionWelcome]; r.State != useritem.StateDone || r.Reason != "" || r.Status != 0 || r.Result != "" {
		t.Fatalf("a_welcome after a second outcome = %+v", r)
	}
	if err := s.RecordOutcome(ctx, Bob, useritem.ActionWelcome, rec); !errors.Is(err, actions.ErrConflict) {
		t.Fatalf("recording on no user: %v", err)
	}
}

func requeueFromState(t *testing.T, s Store) {
	SignIn(t, s, Alice, oauth1(Alice), t0, all...)
	ok, err := s.Requeue(ctx, Alice, useritem.ActionWelcome, useritem.StateWaitingBrand, t0)
	must(t, ok, err, false, "requeue from waiting_brand of a pending action")
	if _, err := s.ClaimPending(ctx, Alice, []useritem.Action{useritem.ActionWelcome}, t0); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordOutcome(ctx, Alice, useritem.ActionWelcome, actions.Record{State: useritem.StateWaitingBrand, UpdatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	ok, err = s.Requeue(ctx, Alice, useritem.ActionWelcome, useritem.StateWaitingBrand, t0)
	must(t, ok, err, true, "requeue from waiting_brand")
	ok, err = s.Requeue(ctx, Alice, useritem.ActionWelcome, useritem.StateWaitingBrand, t0)
	must(t, ok, err, false, "a second requeue")
	if st := state(t, s, Alice, useritem.ActionWelcome); st != useritem.StatePending {
		t.Fatalf("a_welcome = %s", st)
	}
	ok, err = s.Requeue(ctx, Alice, useritem.ActionRelease, useritem.StateWaitingBrand, t0)
	must(t, ok, err, false, "requeue of an action never requested")
	ok, err = s.Requeue(ctx, Bob, useritem.ActionWelcome, useritem.StateWaitingBrand, t0)
	must(t, ok, err, false, "requeue on no user")
}

func markUnknownSameClaim(t *testing.T, s Store) {
	SignIn(t, s, Alice, oauth1(Alice), t0, all...)
	claimedAt := t0.Add(123*time.Millisecond + 456*time.Microsecond)
	a := actions.Sending{UID: Alice, Action: useritem.ActionTweet, ClaimedAt: claimedAt}
	ok, err := s.MarkUnknown(ctx, a, actions.ReasonStuckSending, t0)
	must(t, ok, err, false, "mark of a pending action")
	if _, err := s.ClaimPending(ctx, Alice, []useritem.Action{useritem.ActionTweet}, claimedAt); err != nil {
		t.Fatal(err)
	}
	other := a
	other.ClaimedAt = claimedAt.Add(time.Second)
	ok, err = s.MarkUnknown(ctx, other, actions.ReasonStuckSending, t0)
	must(t, ok, err, false, "mark under another claim")
	zero := a
	zero.ClaimedAt = time.Time{}
	ok, err = s.MarkUnknown(ctx, zero, actions.ReasonStuckSending, t0)
	must(t, ok, err, false, "mark under no claim of a claimed action")
	// The claim as the scan reads it back: milliseconds.
	page := scanAll(t, s.ScanSending)
	if len(page) != 1 || page[0].UID != Alice || page[0].Action != useritem.ActionTweet || !page[0].ClaimedAt.Equal(claimedAt.Truncate(time.Millisecond)) {
		t.Fatalf("sending found: %+v", page)
	}
	ok, err = s.MarkUnknown(ctx, page[0], actions.ReasonStuckSending, t0.Add(time.Hour))
	must(t, ok, err, true, "mark under the claim read")
	ok, err = s.MarkUnknown(ctx, page[0], actions.ReasonStuckSending, t0.Add(time.Hour))
	must(t, ok, err, false, "a second mark")
	r := get(t, s, Alice).Actions[useritem.ActionTweet]
	if r.State != useritem.StateUnknown || r.Reason != actions.ReasonStuckSending || !r.UpdatedAt.Equal(t0.Add(time.Hour)) {
		t.Fatalf("a_tweet = %+v", r)
	}
	if err := s.RecordOutcome(ctx, Alice, useritem.ActionTweet, actions.Record{State: useritem.StateDone, UpdatedAt: t0}); !errors.Is(err, actions.ErrConflict) {
		t.Fatalf("a record after the mark: %v, want ErrConflict", err)
	}
	// The sub-millisecond claim the run holds marks too (the table keeps
	// milliseconds).
	if _, err := s.ClaimPending(ctx, Alice, []useritem.Action{useritem.ActionFollow}, claimedAt); err != nil {
		t.Fatal(err)
	}
	ok, err = s.MarkUnknown(ctx, actions.Sending{UID: Alice, Action: useritem.ActionFollow, ClaimedAt: claimedAt}, actions.ReasonStuckSending, t0)
	must(t, ok, err, true, "mark under the claim as the run holds it")
}

func markRevoked(t *testing.T, s Store) {
	if err := s.MarkRevoked(ctx, Bob, t0); !errors.Is(err, actions.ErrConflict) {
		t.Fatalf("marking no user: %v, want ErrConflict", err)
	}
	if _, err := s.GetActionUser(ctx, Bob); !errors.Is(err, actions.ErrNotFound) {
		t.Fatal("marking no user created an item")
	}
	SignIn(t, s, Alice, oauth1(Alice), t0)
	if err := s.MarkRevoked(ctx, Alice, t0); err != nil {
		t.Fatal(err)
	}
	if !get(t, s, Alice).Revoked {
		t.Fatal("not revoked")
	}
	SignIn(t, s, Alice, signin.Credentials{}, t0)
	if get(t, s, Alice).Revoked {
		t.Fatal("a sign-in did not clear the mark")
	}
}

// scanAll reads every page of a scan of actions in sending.
func scanAll(t *testing.T, scan func(ctx context.Context, after string, limit int32) (actions.SendingPage, error)) []actions.Sending {
	t.Helper()
	var out []actions.Sending
	after := ""
	for range 100 {
		p, err := scan(ctx, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		if p.Scanned > 2 {
			t.Fatalf("a page read %d items, over its limit", p.Scanned)
		}
		out = append(out, p.Actions...)
		if p.Next == "" {
			return out
		}
		after = p.Next
	}
	t.Fatal("the scan never ended")
	return nil
}

func scansPage(t *testing.T, s Store) {
	uids := []string{Alice, Bob, Carol, "5", "44", "333", "22222", "18446744073709551615"}
	for i, uid := range uids {
		SignIn(t, s, uid, oauth1(uid), t0, all...)
		if i%2 == 0 {
			if _, err := s.ClaimPending(ctx, uid, []useritem.Action{useritem.ActionFollow, useritem.ActionTweet}, t0); err != nil {
				t.Fatal(err)
			}
		}
		if i%3 == 0 {
			if _, err := s.ClaimPending(ctx, uid, []useritem.Action{useritem.ActionWelcome}, t0); err != nil {
				t.Fatal(err)
			}
			if err := s.RecordOutcome(ctx, uid, useritem.ActionWelcome, actions.Record{State: useritem.StateWaitingBrand, UpdatedAt: t0}); err != nil {
				t.Fatal(err)
			}
		}
	}
	SignIn(t, s, Brand, oauth1(Brand), t0)
	// Sending: every claimed follow and tweet, once.
	var got []string
	for _, a := range scanAll(t, s.ScanSending) {
		got = append(got, a.UID+"/"+string(a.Action))
	}
	var want []string
	for i, uid := range uids {
		if i%2 == 0 {
			want = append(want, uid+"/follow", uid+"/tweet")
		}
	}
	sameSet(t, "sending", got, want)
	scansWaitingAndVisitors(t, s, uids)
	scansRecipients(t, s, uids)
}

func scansWaitingAndVisitors(t *testing.T, s Store, uids []string) {
	// Waiting for the brand.
	var want []string
	got := waitingForBrand(ctx, t, s, 3)
	for i, uid := range uids {
		if i%3 == 0 {
			want = append(want, uid)
		}
	}
	sameSet(t, "waiting_brand", got, want)
	// Visitor tokens: every visitor, not the brand.
	got, after := nil, ""
	for range 100 {
		p, err := s.ScanVisitorTokens(ctx, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range p.Users {
			if u.Credentials != oauth1(u.UID) {
				t.Fatalf("visitor %s read with %+v", u.UID, u.Credentials)
			}
			got = append(got, u.UID)
		}
		if after = p.Next; after == "" {
			break
		}
	}
	sameSet(t, "visitor tokens", got, uids)
}

func scansRecipients(t *testing.T, s Store, uids []string) {
	// Recipients: everyone, the brand included.
	var got []string
	after := ""
	for range 100 {
		rs, more, err := s.ScanRecipients(ctx, after, 3)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			got = append(got, r.UID)
			after = r.UID
		}
		if !more {
			break
		}
	}
	sameSet(t, "recipients", got, append(slices.Clone(uids), Brand))
	if _, _, err := s.ScanRecipients(ctx, "not-a-uid", 3); err == nil {
		t.Fatal("a malformed cursor was taken")
	}
}

func sameSet(t *testing.T, what string, got, want []string) {
	t.Helper()
	g, w := slices.Clone(got), slices.Clone(want)
	sort.Strings(g)
	sort.Strings(w)
	if !slices.Equal(g, w) {
		t.Fatalf("%s: got %v, want each of %v once", what, g, w)
	}
}

func removeCredentials(t *testing.T, s Store) {
	SignIn(t, s, Alice, oauth2(Alice, "", true), t0, useritem.ActionFollow, useritem.ActionWelcome)
	u := get(t, s, Alice)
	ok, err := s.RemoveCredentials(ctx, Alice, u.SealedToken+"x", false)
	must(t, ok, err, false, "removal under another token")
	ok, err = s.RemoveCredentials(ctx, Alice, u.SealedToken, true)
	must(t, ok, err, false, "removal of finished work while the follow is pending")
	if _, err := s.ClaimPending(ctx, Alice, []useritem.Action{useritem.ActionFollow}, t0); err != nil {
		t.Fatal(err)
	}
	ok, err = s.RemoveCredentials(ctx, Alice, u.SealedToken, true)
	must(t, ok, err, false, "removal of finished work while the follow is sending")
	if err := s.RecordOutcome(ctx, Alice, useritem.ActionFollow, actions.Record{State: useritem.StateDone, UpdatedAt: t0}); err != nil {
		t.Fatal(err)
	}
	// The welcome DM is the brand's token's work: it does not hold hers.
	st, err := s.ReadTokens(ctx, Alice)
	if err != nil {
		t.Fatal(err)
	}
	if ok, err := s.TakeRefreshLease(ctx, Alice, st.Version, tokens.Lease{Owner: "o", Until: t0.Add(time.Minute)}); !ok || err != nil {
		t.Fatal("lease", ok, err)
	}
	ok, err = s.RemoveCredentials(ctx, Alice, u.SealedToken, true)
	must(t, ok, err, true, "removal of finished work")
	after := get(t, s, Alice)
	if !errors.Is(after.CredentialsErr, actions.ErrNoCredentials) || after.SealedToken != "" || !after.CredentialsAt.IsZero() || after.Reconnect {
		t.Fatalf("after the removal: %+v", after)
	}
	if after.Actions[useritem.ActionWelcome].State != useritem.StatePending || !after.Subscribed {
		t.Fatal("the removal touched more than the credentials")
	}
	if _, err := s.ReadTokens(ctx, Alice); !errors.Is(err, actions.ErrNoCredentials) {
		t.Fatalf("tokens after the removal: %v, want ErrNoCredentials", err)
	}
	ok, err = s.RemoveCredentials(ctx, Alice, u.SealedToken, false)
	must(t, ok, err, false, "a second removal")
	// A new sign-in's tokens stay; unfinished work's tokens go when asked.
	SignIn(t, s, Alice, oauth1(Alice), t0, useritem.ActionTweet)
	ok, err = s.RemoveCredentials(ctx, Alice, u.SealedToken, false)
	must(t, ok, err, false, "removal under the old token after a sign-in")
	ok, err = s.RemoveCredentials(ctx, Alice, get(t, s, Alice).SealedToken, false)
	must(t, ok, err, true, "removal of unfinished work's token when not asked to wait")
	// Never the brand's; never on no user.
	SignIn(t, s, Brand, oauth2(Brand, "", true), t0)
	ok, err = s.RemoveCredentials(ctx, Brand, get(t, s, Brand).SealedToken, false)
	must(t, ok, err, false, "removal of the brand's")
	ok, err = s.RemoveCredentials(ctx, Bob, "x", false)
	must(t, ok, err, false, "removal on no user")
}

func refreshLease(t *testing.T, s Store) {
	SignIn(t, s, Alice, oauth2(Alice, "", true), t0)
	st, err := s.ReadTokens(ctx, Alice)
	if err != nil {
		t.Fatal(err)
	}
	if st.Credentials != oauth2(Alice, "", true) || st.Version.Token == "" || st.Version.Refresh == "" || st.Lease.Owner != "" || st.Reconnect {
		t.Fatalf("tokens as read: %+v", st)
	}
	v, until := st.Version, t0.Add(30*time.Second)
	ok, err := s.TakeRefreshLease(ctx, Alice, tokens.Version{Token: v.Token, Refresh: v.Refresh + "x"}, tokens.Lease{Owner: "a", Until: until})
	must(t, ok, err, false, "lease on another pair")
	ok, err = s.TakeRefreshLease(ctx, Alice, tokens.Version{Token: v.Token}, tokens.Lease{Owner: "a", Until: until})
	must(t, ok, err, false, "lease on a pair without its refresh token")
	ok, err = s.TakeRefreshLease(ctx, Alice, v, tokens.Lease{Owner: "a", Until: until})
	must(t, ok, err, true, "lease")
	ok, err = s.TakeRefreshLease(ctx, Alice, v, tokens.Lease{Owner: "b", Until: until})
	must(t, ok, err, false, "a second lease")
	if st, _ := s.ReadTokens(ctx, Alice); st.Lease.Owner != "a" || !st.Lease.Until.Equal(until) {
		t.Fatalf("lease as read: %+v", st.Lease)
	}
	next := oauth2(Alice, "-r1", true)
	ok, err = s.SaveRefreshed(ctx, Alice, v, "b", next, t0)
	must(t, ok, err, false, "save by another owner")
	ok, err = s.SaveRefreshed(ctx, Alice, v, "a", next, until)
	must(t, ok, err, false, "save at the lease's end")
	ok, err = s.MarkLeaseExpired(ctx, Alice, v, tokens.Lease{Owner: "a", Until: until.Add(time.Millisecond)}, t0)
	must(t, ok, err, false, "expired-lease mark of another lease")
	if err := s.ReleaseRefreshLease(ctx, Alice, "b"); err != nil {
		t.Fatal(err)
	}
	ok, err = s.SaveRefreshed(ctx, Alice, v, "a", next, until.Add(-time.Millisecond))
	must(t, ok, err, true, "save inside the lease (another's release changed nothing)")
	st2, err := s.ReadTokens(ctx, Alice)
	if err != nil {
		t.Fatal(err)
	}
	if st2.Credentials.Token != next.Token || st2.Credentials.Refresh != next.Refresh || st2.Lease.Owner != "" || st2.Version == v {
		t.Fatalf("after the save: %+v", st2)
	}
	refreshLeaseAfterTheSave(t, s, v, st2.Version, until)
}

// refreshLeaseAfterTheSave: v was replaced by v2, leases last until until.
func refreshLeaseAfterTheSave(t *testing.T, s Store, v, v2 tokens.Version, until time.Time) {
	// The old pair is gone: nothing lands on it any more.
	ok, err := s.MarkReconnect(ctx, Alice, v, t0)
	must(t, ok, err, false, "reconnect on the old pair")
	ok, err = s.TakeRefreshLease(ctx, Alice, v, tokens.Lease{Owner: "c", Until: until})
	must(t, ok, err, false, "lease on the old pair")
	// A lease released; an expired one marked only while it is the one held.
	ok, err = s.TakeRefreshLease(ctx, Alice, v2, tokens.Lease{Owner: "c", Until: until})
	must(t, ok, err, true, "lease on the new pair")
	if err := s.ReleaseRefreshLease(ctx, Alice, "c"); err != nil {
		t.Fatal(err)
	}
	ok, err = s.MarkLeaseExpired(ctx, Alice, v2, tokens.Lease{Owner: "c", Until: until}, t0)
	must(t, ok, err, false, "expired-lease mark after the release")
	ok, err = s.TakeRefreshLease(ctx, Alice, v2, tokens.Lease{Owner: "d", Until: until})
	must(t, ok, err, true, "lease after the release")
	ok, err = s.MarkLeaseExpired(ctx, Alice, v2, tokens.Lease{Owner: "d", Until: until}, t0)
	must(t, ok, err, true, "expired-lease mark")
	st3, _ := s.ReadTokens(ctx, Alice)
	if !st3.Reconnect || st3.Lease.Owner != "" {
		t.Fatalf("after the expired-lease mark: %+v", st3)
	}
	ok, err = s.TakeRefreshLease(ctx, Alice, v2, tokens.Lease{Owner: "e", Until: until})
	must(t, ok, err, false, "lease while reconnect")
	if !get(t, s, Alice).Reconnect {
		t.Fatal("the user does not read reconnect")
	}
	aSignInEndsTheLostGrant(t, s, v)
}

func aSignInEndsTheLostGrant(t *testing.T, s Store, v tokens.Version) {
	// A sign-in ends the lost grant.
	SignIn(t, s, Alice, oauth2(Alice, "-3", true), t0)
	st4, _ := s.ReadTokens(ctx, Alice)
	if st4.Reconnect || st4.Credentials.Token != oauth2(Alice, "-3", true).Token {
		t.Fatalf("after a sign-in: %+v", st4)
	}
	ok, err := s.MarkReconnect(ctx, Alice, st4.Version, t0)
	must(t, ok, err, true, "reconnect on the pair")
	ok, err = s.MarkReconnect(ctx, Bob, v, t0)
	must(t, ok, err, false, "reconnect on no user")
	if err := s.ReleaseRefreshLease(ctx, Bob, "a"); err != nil {
		t.Fatalf("release on no user: %v", err)
	}
	if _, err := s.GetActionUser(ctx, Bob); !errors.Is(err, actions.ErrNotFound) {
		t.Fatal("a refused write created an item")
	}
}

func campaignMarks(t *testing.T, s Store) {
	for _, uid := range []string{Alice, Bob, Carol} {
		SignIn(t, s, uid, oauth2(uid, "", true), t0)
	}
	ok, err := s.MarkCampaign(ctx, Alice, "launch", t0)
	must(t, ok, err, true, "mark")
	ok, err = s.MarkCampaign(ctx, Alice, "launch", t0)
	must(t, ok, err, false, "a second mark")
	ok, err = s.MarkCampaign(ctx, Alice, "other", t0)
	must(t, ok, err, true, "a mark for another campaign")
	if _, err := s.Unsubscribe(ctx, Bob, t0); err != nil {
		t.Fatal(err)
	}
	ok, err = s.MarkCampaign(ctx, Bob, "launch", t0)
	must(t, ok, err, false, "mark of an unsubscribed user")
	if err := s.MarkRevoked(ctx, Carol, t0); err != nil {
		t.Fatal(err)
	}
	ok, err = s.MarkCampaign(ctx, Carol, "launch", t0)
	must(t, ok, err, false, "mark of a revoked user")
	SignIn(t, s, Carol, signin.Credentials{}, t0) // clears revoked
	st, _ := s.ReadTokens(ctx, Carol)
	if ok, err := s.MarkReconnect(ctx, Carol, st.Version, t0); !ok || err != nil {
		t.Fatal(ok, err)
	}
	ok, err = s.MarkCampaign(ctx, Carol, "launch", t0)
	must(t, ok, err, false, "mark of a user to reconnect")
	ok, err = s.MarkCampaign(ctx, "5", "launch", t0)
	must(t, ok, err, false, "mark of no user")
	if err := s.UnmarkCampaign(ctx, Alice, "launch"); err != nil {
		t.Fatal(err)
	}
	if err := s.UnmarkCampaign(ctx, "5", "launch"); err != nil {
		t.Fatalf("unmark of no user: %v", err)
	}
	if _, err := s.GetActionUser(ctx, "5"); !errors.Is(err, actions.ErrNotFound) {
		t.Fatal("an unmark created an item")
	}
	campaignRecipients(t, s)
}

// campaignRecipients: Alice is marked for other only, Bob unsubscribed,
// Carol to reconnect.
func campaignRecipients(t *testing.T, s Store) {
	byUID := map[string]campaigns.Recipient{}
	after := ""
	for range 100 {
		rs, more, err := s.ScanRecipients(ctx, after, 10)
		if err != nil {
			t.Fatal(err)
		}
		for _, r := range rs {
			byUID[r.UID], after = r, r.UID
		}
		if !more {
			break
		}
	}
	a, b, c := byUID[Alice], byUID[Bob], byUID[Carol]
	if a.HasCampaign("launch") || !a.HasCampaign("other") || !a.Subscribed || b.Subscribed || c.Revoked || !c.Reconnect || len(byUID) != 3 {
		t.Fatalf("recipients: %+v", byUID)
	}
	ok, err := s.MarkCampaign(ctx, Alice, "launch", t0)
	must(t, ok, err, true, "a mark after the unmark")
	if ok, err := s.Unsubscribe(ctx, "5", t0); ok || err != nil {
		t.Fatalf("unsubscribe of no user: %v %v", ok, err)
	}
}

// waitingForBrand reads every page of the welcome DMs waiting for the brand,
// limit items a page (at most 100 pages: a cursor that never ends fails).
func waitingForBrand(ctx context.Context, t *testing.T, s Store, limit int32) []string {
	t.Helper()
	var found []string
	after := ""
	for range 100 {
		page, next, err := s.WaitingForBrand(ctx, after, limit)
		if err != nil {
			t.Fatal(err)
		}
		found = append(found, page...)
		if next == "" {
			return found
		}
		after = next
	}
	t.Fatal("the scan of waiting welcome DMs never ended")
	return nil
}
