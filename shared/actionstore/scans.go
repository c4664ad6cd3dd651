package actionstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/twitter-sessions/twitter-sessions/shared/actions"
	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/shared/useritem"
	"github.com/twitter-sessions/twitter-sessions/shared/xid"
)

// scanPage reads one page of in, up to limit items after the uid cursor
// after ("" from the start of the table). Items come in the table's own
// order, which is stable, so a cursor can be kept and resumed days later.
func (s *Store) scanPage(ctx context.Context, in *dynamodb.ScanInput, after string, limit int32, what string) (*dynamodb.ScanOutput, error) {
	in.Limit = aws.Int32(limit)
	if after != "" {
		if _, err := xid.Parse(after); err != nil {
			return nil, fmt.Errorf("actionstore: cursor: %w", err)
		}
		in.ExclusiveStartKey = s.key(after)
	}
	out, err := s.DB.Scan(ctx, in)
	if err != nil {
		return nil, fmt.Errorf("%w: scan %s: %w", actions.ErrStoreUnavailable, what, err)
	}
	return out, nil
}

// WaitingForBrand returns one page of the users whose welcome DM waits for the
// brand account, starting after the uid cursor after ("" from the start), and
// the cursor of the next page ("" when the scan is over). A filtered Scan:
// the table holds sign-ups, and this runs once per brand sign-in.
func (s *Store) WaitingForBrand(ctx context.Context, after string, limit int32) (uids []string, next string, err error) {
	var e dynamo.Expr
	filter := e.Name(useritem.ActionWelcome.Attr(), useritem.MemberState) + " = " + e.Value(dynamo.S(string(useritem.StateWaitingBrand)))
	in := e.Scan(s.Name, filter, e.Name(useritem.AttrUID))
	in.ConsistentRead = aws.Bool(true)
	out, err := s.scanPage(ctx, in, after, limit, "waiting_brand")
	if err != nil {
		return nil, "", err
	}
	for _, it := range out.Items {
		if uid, ok := dynamo.GetN(it, useritem.AttrUID); ok {
			uids = append(uids, uid)
		}
	}
	return uids, lastUID(out.LastEvaluatedKey), nil
}

// ScanSending returns one page of the actions in sending, reading up to limit
// items after the uid cursor after ("" from the start). A filtered Scan of
// the whole table: it runs on a schedule (the sweep), and there is no index
// on the nested states. Eventually consistent: what it finds is checked again
// by MarkUnknown's condition.
func (s *Store) ScanSending(ctx context.Context, after string, limit int32) (actions.SendingPage, error) {
	var e dynamo.Expr
	sending := e.Value(dynamo.S(string(useritem.StateSending)))
	filters := make([]string, 0, len(useritem.Order))
	proj := []string{e.Name(useritem.AttrUID)}
	for _, a := range useritem.Order {
		filters = append(filters, e.Name(a.Attr(), useritem.MemberState)+" = "+sending)
		proj = append(proj, e.Name(a.Attr()))
	}
	out, err := s.scanPage(ctx, e.Scan(s.Name, strings.Join(filters, " OR "), strings.Join(proj, ", ")), after, limit, "sending")
	if err != nil {
		return actions.SendingPage{}, err
	}
	page := actions.SendingPage{Scanned: int(out.ScannedCount), Next: lastUID(out.LastEvaluatedKey)}
	for _, it := range out.Items {
		uid, ok := dynamo.GetN(it, useritem.AttrUID)
		if !ok {
			continue
		}
		for _, a := range useritem.Order {
			if m, ok := dynamo.GetM(it, a.Attr()); ok {
				if r := readRecord(m); r.State == useritem.StateSending {
					page.Actions = append(page.Actions, actions.Sending{UID: uid, Action: a, ClaimedAt: r.ClaimedAt})
				}
			}
		}
	}
	return page, nil
}

// MarkUnknown moves an action left in sending to unknown with reason: the
// run that claimed it never recorded X's answer, so whether X acted is not
// known. Only while the action is still sending under the same claim
// (claimed_at unchanged): a run that records the outcome meanwhile, or that
// claimed the action again after a requeue, wins. False when that condition
// failed. The written image holds no pending action that was not there
// before, so the stream filter does not invoke the actions function for it.
func (s *Store) MarkUnknown(ctx context.Context, a actions.Sending, reason actions.Reason, now time.Time) (bool, error) {
	attr := a.Action.Attr()
	u := dynamo.NewUpdate()
	u.SetMember(attr, useritem.MemberState, dynamo.S(string(useritem.StateUnknown)))
	u.SetMember(attr, useritem.MemberReason, dynamo.S(reason.String()))
	u.SetMember(attr, useritem.MemberUpdatedAt, dynamo.Time(now))
	cond := u.Name(attr, useritem.MemberState) + " = " + u.Value(dynamo.S(string(useritem.StateSending)))
	if a.ClaimedAt.IsZero() {
		cond += " AND attribute_not_exists(" + u.Name(attr, useritem.MemberClaimedAt) + ")"
	} else {
		cond += " AND " + u.Name(attr, useritem.MemberClaimedAt) + " = " + u.Value(dynamo.Time(a.ClaimedAt))
	}
	_, err := s.DB.UpdateItem(ctx, u.When(cond).Input(s.Name, s.key(a.UID)))
	return s.conditional(err, "mark unknown "+string(a.Action), a.UID)
}
