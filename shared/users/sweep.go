package users

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/xapi"
)

// SendingAction is an action a run claimed and has not recorded an outcome
// for (yet, or ever: the run died between X's answer and the record).
type SendingAction struct {
	UID       string
	Action    signin.Action
	ClaimedAt time.Time
}

// SendingPage is one page of ScanSending.
type SendingPage struct {
	Actions []SendingAction
	Scanned int    // items the page read, matching or not: what the scan costs
	Next    string // the uid to continue after; "" when the scan is over
}

// ScanSending returns one page of the actions in sending, reading up to limit
// items after the uid cursor after ("" from the start). A filtered Scan of
// the whole table: it runs on a schedule (the sweep), and there is no index
// on the nested states. Eventually consistent: what it finds is checked again
// by MarkUnknown's condition.
func (s *Store) ScanSending(ctx context.Context, after string, limit int32) (SendingPage, error) {
	ub := dynamo.NewUpdate() // for its placeholders only
	sending := ub.Value(dynamo.S(string(StateSending)))
	state := ub.Name(MemberState)
	filters := make([]string, 0, len(ActionOrder))
	proj := []string{ub.Name(AttrUID)}
	for _, a := range ActionOrder {
		attr := ub.Name(ActionAttr(string(a)))
		filters = append(filters, attr+"."+state+" = "+sending)
		proj = append(proj, attr)
	}
	in := ub.Input(s.table, nil)
	scan := &dynamodb.ScanInput{
		TableName:                 aws.String(s.table),
		FilterExpression:          aws.String(strings.Join(filters, " OR ")),
		ProjectionExpression:      aws.String(strings.Join(proj, ", ")),
		ExpressionAttributeNames:  in.ExpressionAttributeNames,
		ExpressionAttributeValues: in.ExpressionAttributeValues,
		Limit:                     aws.Int32(limit),
	}
	if after != "" {
		if _, err := xapi.ParseID(after); err != nil {
			return SendingPage{}, fmt.Errorf("users: cursor: %w", err)
		}
		scan.ExclusiveStartKey = s.key(after)
	}
	out, err := s.db.Scan(ctx, scan)
	if err != nil {
		return SendingPage{}, fmt.Errorf("%w: scan sending: %w", ErrUnavailable, err)
	}
	page := SendingPage{Scanned: int(out.ScannedCount), Next: lastUID(out.LastEvaluatedKey)}
	for _, it := range out.Items {
		uid, ok := dynamo.GetN(it, AttrUID)
		if !ok {
			continue
		}
		for _, a := range ActionOrder {
			if m, ok := dynamo.GetM(it, ActionAttr(string(a))); ok {
				if r := readRecord(m); r.State == StateSending {
					page.Actions = append(page.Actions, SendingAction{UID: uid, Action: a, ClaimedAt: r.ClaimedAt})
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
func (s *Store) MarkUnknown(ctx context.Context, a SendingAction, reason string, now time.Time) (bool, error) {
	attr := ActionAttr(string(a.Action))
	p := newPathUpdate()
	p.set(dynamo.S(string(StateUnknown)), attr, MemberState)
	p.set(dynamo.S(reason), attr, MemberReason)
	p.set(dynamo.Time(now), attr, MemberUpdatedAt)
	cond := p.path(attr, MemberState) + " = " + p.u.Value(dynamo.S(string(StateSending)))
	if a.ClaimedAt.IsZero() {
		cond += " AND attribute_not_exists(" + p.path(attr, MemberClaimedAt) + ")"
	} else {
		cond += " AND " + p.path(attr, MemberClaimedAt) + " = " + p.u.Value(dynamo.Time(a.ClaimedAt))
	}
	if _, err := s.db.UpdateItem(ctx, p.input(s.table, s.key(a.UID), cond)); err != nil {
		if err = s.writeErr("mark unknown "+string(a.Action), a.UID, err); errors.Is(err, ErrConflict) {
			return false, nil
		}
		return false, err
	}
	return true, nil
}
