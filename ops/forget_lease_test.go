package ops

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/shared/grants"
	"github.com/twitter-sessions/twitter-sessions/shared/useritem"
	"github.com/twitter-sessions/twitter-sessions/shared/userstore"
	"github.com/twitter-sessions/twitter-sessions/tools/xsandbox"
)

// putLeased has g's user hold a refresh lease that ends at until, as the
// actions function's refresh writes it: on a stored item, one UpdateItem
// that sets the lease and nothing else (the sealed values stay the ones
// forget read, so only the lease can stop its delete); a user not stored
// yet is stored with it.
func (s *stack) putLeased(t *testing.T, g grant, until time.Time) {
	t.Helper()
	ctx := context.Background()
	lease := dynamo.M(dynamo.Item{useritem.MemberLeaseOwner: dynamo.S("refresher"), useritem.MemberLeaseUntil: dynamo.Time(until)})
	if s.exists(t, g.user().uid) {
		u := dynamo.NewUpdate()
		u.Set(useritem.AttrRefreshLease, lease)
		if _, err := s.db.UpdateItem(ctx, u.Input(s.UsersTable, userstore.Key(g.user().uid))); err != nil {
			t.Fatal(err)
		}
		return
	}
	it := s.item(t, g.user())
	it[useritem.AttrRefreshLease] = lease
	if _, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(s.UsersTable), Item: it}); err != nil {
		t.Fatal(err)
	}
}

// A refresh under way holds a lease and X has rotated the grant already
// (the stored refresh token is spent; the new pair is on its way back to
// the refresh): forget waits for the refresh to save the new pair, and
// revokes that one too, instead of revoking the spent pair and deleting the
// item under the refresh, which would leave the new grant alive at X.
func TestForgetWaitsForARefreshUnderWay(t *testing.T) {
	tests := []struct {
		name string
		// leaseAtRevoke: the refresh takes its lease and X rotates the grant
		// after forget read the item, just before forget revokes what it
		// read; otherwise the refresh holds the lease when forget reads.
		leaseAtRevoke bool
	}{
		{name: "a lease held when forget reads the item"},
		{name: "a lease taken between forget's read and its revoke", leaseAtRevoke: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newStack(t)
			x := newXApp(t, s)
			old := x.newGrant(t, "oauth2", grant{})
			var rotated grant
			refresh := func() { // the refresh's call to X: the grant rotates, its answer not saved yet
				rotated = x.newGrant(t, "refresh", old)
				s.putLeased(t, old, time.Now().Add(30*time.Second))
			}
			f := x.forget(s)
			// What forget asks X to revoke. The sandbox ends a whole grant
			// when any of its refresh tokens is revoked, a spent one too;
			// X may not, so the new pair must be revoked by name.
			rev := &racingRevoker{OAuth2: f.Grants.OAuth2, before: func(int) {}}
			f.Grants.OAuth2 = rev
			if tt.leaseAtRevoke {
				s.put(t, old.user())
				rev.before = func(n int) {
					if n == 1 {
						refresh()
					}
				}
			} else {
				refresh()
			}
			waits := 0
			f.Waiting = func(time.Time) { waits++ }
			f.Sleep = func(context.Context, time.Duration) error {
				if waits == 1 { // the refresh saves its new pair and ends its lease
					s.put(t, rotated.user())
				}
				return nil
			}
			res, err := f.Run(context.Background(), aliceID)
			if err != nil {
				t.Fatalf("Run = %v", err)
			}
			if s.exists(t, aliceID) {
				t.Error("alice kept")
			}
			if waits == 0 {
				t.Error("forget did not wait for the refresh")
			}
			if !contains(rev.tokens, rotated.refresh) || !contains(rev.tokens, rotated.access) {
				t.Error("the pair the refresh brought was not revoked")
			}
			x.assertDead(t, old)
			x.assertDead(t, rotated)
			assertInOrder(t, res.X, []string{"OAuth 2.0 grant revoked"})
			assertNamesNobody(t, []string{res.Line(s.Stage)}, old.access, old.refresh, rotated.access, rotated.refresh)
		})
	}
}

// A lease whose refresh died (past its end) does not hold forget up: it is
// cleared, and the stored grant revoked and erased.
func TestForgetClearsTheLeaseOfARefreshThatDied(t *testing.T) {
	s := newStack(t)
	x := newXApp(t, s)
	g := x.newGrant(t, "oauth2", grant{})
	s.putLeased(t, g, time.Now().Add(-leaseSkew-time.Minute))
	f := x.forget(s)
	f.Sleep = func(context.Context, time.Duration) error { t.Fatal("waited for a dead lease"); return nil }
	if _, err := f.Run(context.Background(), aliceID); err != nil {
		t.Fatalf("Run = %v", err)
	}
	if s.exists(t, aliceID) {
		t.Error("alice kept")
	}
	x.assertDead(t, g)
}

// When X then does not revoke, nothing is erased, and the item is left
// as the actions leave a dead lease: marked reconnect, the lease gone.
func TestADeadLeaseClearedByForgetMarksReconnect(t *testing.T) {
	s := newStack(t)
	x := newXApp(t, s)
	g := x.newGrant(t, "oauth2", grant{})
	s.putLeased(t, g, time.Now().Add(-leaseSkew-time.Minute))
	x.sb.InjectFault(xsandbox.Fault{Endpoint: xsandbox.EndpointOAuth2Revoke, Status: 503, Times: 10})
	if _, err := x.forget(s).Run(context.Background(), aliceID); !errors.Is(err, ErrRevokeFailed) {
		t.Fatalf("Run = %v, want %v", err, ErrRevokeFailed)
	}
	out, err := s.db.GetItem(context.Background(), &dynamodb.GetItemInput{TableName: aws.String(s.UsersTable), Key: userstore.Key(aliceID), ConsistentRead: aws.Bool(true)})
	if err != nil || out.Item == nil {
		t.Fatalf("alice: %v", err)
	}
	if _, leased := out.Item[useritem.AttrRefreshLease]; leased || !dynamo.GetBool(out.Item, useritem.AttrReconnect) {
		t.Fatalf("lease kept %v, reconnect %v", leased, dynamo.GetBool(out.Item, useritem.AttrReconnect))
	}
}

// A lease that stays live beyond the wait stops forget with the item and
// the grant as they were, for a later run.
func TestForgetGivesUpOnALeaseThatOutlastsTheWait(t *testing.T) {
	s := newStack(t)
	x := newXApp(t, s)
	g := x.newGrant(t, "oauth2", grant{})
	now := time.Now()
	s.putLeased(t, g, now.Add(time.Hour))
	f := x.forget(s)
	f.Now = func() time.Time { return now }
	f.Sleep = func(_ context.Context, d time.Duration) error { now = now.Add(d); return nil }
	_, err := f.Run(context.Background(), aliceID)
	if !errors.Is(err, ErrRefreshLease) {
		t.Fatalf("Run = %v, want %v", err, ErrRefreshLease)
	}
	if !s.exists(t, aliceID) {
		t.Error("alice erased")
	}
	if ok, failed := x.answered(xsandbox.EndpointOAuth2Revoke); ok+failed != 0 {
		t.Errorf("%d revocations sent while the lease was live", ok+failed)
	}
}

// racingRevoker runs before before each revocation, from 1, and keeps the
// tokens it was given.
type racingRevoker struct {
	grants.OAuth2
	n      int
	before func(n int)
	tokens []string
}

func (r *racingRevoker) Revoke(ctx context.Context, token, hint string) error {
	r.n++
	r.before(r.n)
	r.tokens = append(r.tokens, token)
	return r.OAuth2.Revoke(ctx, token, hint)
}

func contains(vs []string, v string) bool {
	for _, x := range vs {
		if x == v {
			return true
		}
	}
	return false
}
