package ops

import (
	"context"
	"fmt"
	"time"

	"github.com/twitter-sessions/twitter-sessions/shared/clock"
	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/shared/useritem"
	"github.com/twitter-sessions/twitter-sessions/shared/userstore"
)

// A refresh of the person's OAuth 2.0 tokens holds a lease on their item
// while it asks X for a new pair: X may already have rotated the grant (the
// stored refresh token is spent, a new pair is on its way back) when forget
// reads the item. Revoking the stored pair then leaves the new one alive,
// and deleting the item makes the refresh's save fail: a live grant nothing
// here can reach. So forget waits while a lease is live, revokes what the
// item holds once no lease is, and deletes only while no lease is held.
const (
	// leaseSkew is how long past its end a lease still counts as live: the
	// lease's end is the Lambda's clock, the wait is the operator's.
	leaseSkew = time.Minute
	// maxLeaseWait bounds the whole wait for leases (a refresh holds one for
	// about one call to X and two writes).
	maxLeaseWait = 5 * time.Minute
	// leasePoll is the longest pause between two reads of a leased item.
	leasePoll = time.Second
)

// lease is the refresh lease an item holds; ok false when none.
func leaseOf(it dynamo.Item) (owner string, until time.Time, ok bool) {
	m, ok := dynamo.GetM(it, useritem.AttrRefreshLease)
	if !ok {
		return "", time.Time{}, false
	}
	owner, _ = dynamo.GetS(m, useritem.MemberLeaseOwner)
	return owner, dynamo.GetTime(m, useritem.MemberLeaseUntil), true
}

// waitForNoLease returns the item of uid once it holds no refresh lease,
// reading it again after each pause (nil: the item is gone). A lease past
// its end by more than leaseSkew is a refresh that died: it is cleared (only
// while it is still that lease). It fails when a live lease outlasts
// deadline, the item kept.
func (f *Forget) waitForNoLease(ctx context.Context, uid string, it dynamo.Item, deadline time.Time) (dynamo.Item, error) {
	for it != nil {
		owner, until, held := leaseOf(it)
		if !held {
			return it, nil
		}
		now := clock.Now(f.Now)
		dead := until.Add(leaseSkew)
		if now.After(dead) {
			if err := f.clearDeadLease(ctx, uid, owner, until); err != nil {
				return nil, err
			}
		} else {
			if now.After(deadline) {
				return nil, fmt.Errorf("%w for over %v (lease until %s): nothing erased: run it again", ErrRefreshLease, maxLeaseWait, until.Format(time.RFC3339))
			}
			if f.Waiting != nil {
				f.Waiting(until)
			}
			if err := clock.Sleep(ctx, f.Sleep, min(max(dead.Sub(now), 100*time.Millisecond), leasePoll)); err != nil {
				return nil, err
			}
		}
		var err error
		if it, err = f.read(ctx, uid); err != nil {
			return nil, err
		}
	}
	return nil, nil
}

// clearDeadLease ends a lease whose holder died, while it is that lease
// (owner and end as read: a refresh that took a new one meanwhile keeps
// it), as the actions do when they find one: the refresh's answer may be
// lost and the stored refresh token spent, so the user is marked reconnect
// (nothing is sent with the stored tokens if this erasure stops short).
func (f *Forget) clearDeadLease(ctx context.Context, uid, owner string, until time.Time) error {
	t := f.Target
	u := dynamo.NewUpdate()
	u.Set(useritem.AttrReconnect, dynamo.Bool(true))
	u.Set(useritem.AttrReconnectAt, dynamo.Time(clock.Now(f.Now)))
	u.Remove(useritem.AttrRefreshLease)
	u.When(u.Name(useritem.AttrRefreshLease, useritem.MemberLeaseOwner) + " = " + u.Value(dynamo.S(owner)) + " AND " +
		u.Name(useritem.AttrRefreshLease, useritem.MemberLeaseUntil) + " = " + u.Value(dynamo.Time(until)))
	_, err := t.DB.UpdateItem(ctx, u.Input(t.UsersTable, userstore.Key(uid)))
	if _, changed := dynamo.ConditionFailed(err); changed {
		return nil // released, taken again or gone: the next read says which
	}
	if err != nil {
		return t.explain(t.UsersTable, err)
	}
	return nil
}
