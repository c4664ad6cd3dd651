package actionstore

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/twitter-sessions/twitter-sessions/shared/actions"
	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/shared/useritem"
	"github.com/twitter-sessions/twitter-sessions/shared/xid"
)

// GetActionUser reads a user (consistent read) with its credentials opened.
func (s *Store) GetActionUser(ctx context.Context, uid string) (actions.User, error) {
	if _, err := xid.Parse(uid); err != nil {
		return actions.User{}, fmt.Errorf("actionstore: %w", err)
	}
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{
		TableName: aws.String(s.Name), Key: s.key(uid), ConsistentRead: aws.Bool(true),
	})
	if err != nil {
		return actions.User{}, fmt.Errorf("%w: get %s: %w", actions.ErrStoreUnavailable, uid, err)
	}
	if out.Item == nil {
		return actions.User{}, actions.ErrNotFound
	}
	return s.actionUser(out.Item), nil
}

func (s *Store) actionUser(item dynamo.Item) actions.User {
	u := actions.User{
		Follow:     dynamo.GetBool(item, useritem.AttrFollow),
		Tweet:      dynamo.GetBool(item, useritem.AttrTweet),
		Subscribed: dynamo.GetBool(item, useritem.AttrSubscribed),
		Revoked:    dynamo.GetBool(item, useritem.AttrRevoked),
		Brand:      dynamo.GetBool(item, useritem.AttrBrand),
		Reconnect:  dynamo.GetBool(item, useritem.AttrReconnect),
		Actions:    map[useritem.Action]actions.Record{},
	}
	u.UID, _ = dynamo.GetN(item, useritem.AttrUID)
	u.ScreenName, _ = dynamo.GetS(item, useritem.AttrScreenName)
	for _, a := range useritem.Order {
		if m, ok := dynamo.GetM(item, a.Attr()); ok {
			u.Actions[a] = readRecord(m)
		}
	}
	u.Credentials, u.CredentialsErr = s.credentials(item, u.UID)
	u.SealedToken, _ = dynamo.GetS(item, useritem.AttrToken)
	u.CredentialsAt = dynamo.GetTime(item, useritem.AttrCredentialsAt)
	return u
}

func readRecord(m dynamo.Item) actions.Record {
	r := actions.Record{
		RequestedAt: dynamo.GetTime(m, useritem.MemberRequestedAt),
		ClaimedAt:   dynamo.GetTime(m, useritem.MemberClaimedAt),
		UpdatedAt:   dynamo.GetTime(m, useritem.MemberUpdatedAt),
	}
	st, _ := dynamo.GetS(m, useritem.MemberState)
	r.State = useritem.State(st)
	reason, _ := dynamo.GetS(m, useritem.MemberReason)
	r.Reason = actions.Reason(reason)
	r.Result, _ = dynamo.GetS(m, useritem.MemberResult)
	if n, ok := dynamo.GetInt(m, useritem.MemberAttempts); ok {
		r.Attempts = int(n)
	}
	if n, ok := dynamo.GetInt(m, useritem.MemberStatus); ok {
		r.Status = int(n)
	}
	return r
}

// ClaimPending moves the given actions from pending to sending in one
// conditional write, so that a single run owns them, and returns the user as
// written. Because the written image holds no pending action, the stream
// filter drops the record of this write and of every later outcome write:
// the function is not invoked again by its own updates. actions.ErrConflict
// when one of the actions is no longer pending.
func (s *Store) ClaimPending(ctx context.Context, uid string, acts []useritem.Action, now time.Time) (actions.User, error) {
	if len(acts) == 0 {
		return actions.User{}, errors.New("actionstore: nothing to claim")
	}
	u := dynamo.NewUpdate()
	conds := []string{"attribute_exists(" + u.Name(useritem.AttrUID) + ")"}
	pending := u.Value(dynamo.S(string(useritem.StatePending)))
	for _, a := range acts {
		attr := a.Attr()
		conds = append(conds, u.Name(attr, useritem.MemberState)+" = "+pending)
		u.SetMember(attr, useritem.MemberState, dynamo.S(string(useritem.StateSending)))
		u.SetMember(attr, useritem.MemberClaimedAt, dynamo.Time(now))
		u.SetMember(attr, useritem.MemberUpdatedAt, dynamo.Time(now))
	}
	in := u.When(strings.Join(conds, " AND ")).Input(s.Name, s.key(uid))
	in.ReturnValues = types.ReturnValueAllNew
	out, err := s.DB.UpdateItem(ctx, in)
	if err != nil {
		return actions.User{}, s.writeErr("claim", uid, err)
	}
	return s.actionUser(out.Attributes), nil
}

// RecordOutcome writes an action's final state (done, failed, unknown,
// unavailable, waiting_brand, skipped), only if the action is still sending,
// i.e. still owned by the run that claimed it.
func (s *Store) RecordOutcome(ctx context.Context, uid string, act useritem.Action, r actions.Record) error {
	attr := act.Attr()
	u := dynamo.NewUpdate()
	u.SetMember(attr, useritem.MemberState, dynamo.S(string(r.State)))
	u.SetMember(attr, useritem.MemberUpdatedAt, dynamo.Time(r.UpdatedAt))
	u.SetMember(attr, useritem.MemberAttempts, dynamo.Int(int64(r.Attempts)))
	// An outcome replaces what an earlier one said (a welcome that waited
	// for the brand and is now done has no reason any more).
	setOrRemove(u, attr, useritem.MemberReason, r.Reason != "", dynamo.S(r.Reason.String()))
	setOrRemove(u, attr, useritem.MemberResult, r.Result != "", dynamo.S(r.Result))
	setOrRemove(u, attr, useritem.MemberStatus, r.Status != 0, dynamo.Int(int64(r.Status)))
	u.When(u.Name(attr, useritem.MemberState) + " = " + u.Value(dynamo.S(string(useritem.StateSending))))
	if _, err := s.DB.UpdateItem(ctx, u.Input(s.Name, s.key(uid))); err != nil {
		return s.writeErr("record "+string(act), uid, err)
	}
	return nil
}

func setOrRemove(u *dynamo.Update, attr, member string, set bool, v types.AttributeValue) {
	if set {
		u.SetMember(attr, member, v)
	} else {
		u.RemoveMember(attr, member)
	}
}

// Requeue moves an action from state from back to pending, which makes the
// table's stream deliver the user to the actions function again. False when
// the action was not in state from (someone else requeued it, or it moved on).
func (s *Store) Requeue(ctx context.Context, uid string, act useritem.Action, from useritem.State, now time.Time) (bool, error) {
	attr := act.Attr()
	u := dynamo.NewUpdate()
	u.SetMember(attr, useritem.MemberState, dynamo.S(string(useritem.StatePending)))
	u.SetMember(attr, useritem.MemberUpdatedAt, dynamo.Time(now))
	u.When(u.Name(attr, useritem.MemberState) + " = " + u.Value(dynamo.S(string(from))))
	_, err := s.DB.UpdateItem(ctx, u.Input(s.Name, s.key(uid)))
	return s.conditional(err, "requeue "+string(act), uid)
}

// MarkRevoked records that the user's token no longer works (X answered 401):
// no further call is made with it until the user signs in again, which
// clears the mark (SaveSignIn).
func (s *Store) MarkRevoked(ctx context.Context, uid string, now time.Time) error {
	u := dynamo.NewUpdate()
	u.Set(useritem.AttrRevoked, dynamo.Bool(true))
	u.Set(useritem.AttrRevokedAt, dynamo.Time(now))
	u.When("attribute_exists(" + u.Name(useritem.AttrUID) + ")")
	if _, err := s.DB.UpdateItem(ctx, u.Input(s.Name, s.key(uid))); err != nil {
		return s.writeErr("mark revoked", uid, err)
	}
	return nil
}
