package actionstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/twitter-sessions/twitter-sessions/shared/campaigns"
	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/shared/useritem"
)

// ScanRecipients returns up to limit users after the uid cursor after (""
// from the start of the table), and more: false when the scan has reached
// the end. A campaign stores the cursor and resumes days later.
func (s *Store) ScanRecipients(ctx context.Context, after string, limit int32) (rs []campaigns.Recipient, more bool, err error) {
	var e dynamo.Expr
	proj := strings.Join([]string{e.Name(useritem.AttrUID), e.Name(useritem.AttrSubscribed), e.Name(useritem.AttrRevoked), e.Name(useritem.AttrReconnect),
		e.Name(useritem.AttrBrand), e.Name(useritem.AttrCampaignsSent)}, ", ")
	out, err := s.scanPage(ctx, e.Scan(s.Name, "", proj), after, limit, "recipients")
	if err != nil {
		return nil, false, err
	}
	for _, it := range out.Items {
		r := campaigns.Recipient{
			Subscribed: dynamo.GetBool(it, useritem.AttrSubscribed),
			Revoked:    dynamo.GetBool(it, useritem.AttrRevoked),
			Reconnect:  dynamo.GetBool(it, useritem.AttrReconnect),
			Brand:      dynamo.GetBool(it, useritem.AttrBrand),
			Campaigns:  dynamo.GetStringSet(it, useritem.AttrCampaignsSent),
		}
		r.UID, _ = dynamo.GetN(it, useritem.AttrUID)
		rs = append(rs, r)
	}
	return rs, out.LastEvaluatedKey != nil, nil
}

// MarkCampaign adds campaign id to the user's campaigns_sent, only if it is
// not there yet and the user is still subscribed, not revoked and not marked
// reconnect (checked in the same write, so an unsubscribe that lands during
// a run is honoured). False when the condition failed: already marked,
// unsubscribed, revoked, reconnect, or gone. The caller sends the DM only
// after a true: at most once per user.
func (s *Store) MarkCampaign(ctx context.Context, uid, id string, now time.Time) (bool, error) {
	u := dynamo.NewUpdate()
	u.Add(useritem.AttrCampaignsSent, dynamo.StringSet(id))
	u.When(fmt.Sprintf("attribute_exists(%s) AND NOT contains(%s, %s) AND %s = %s AND %s AND %s",
		u.Name(useritem.AttrUID), u.Name(useritem.AttrCampaignsSent), u.Value(dynamo.S(id)), u.Name(useritem.AttrSubscribed), u.Value(dynamo.Bool(true)),
		notTrue(u, useritem.AttrRevoked), notTrue(u, useritem.AttrReconnect)))
	_, err := s.DB.UpdateItem(ctx, u.Input(s.Name, s.key(uid)))
	return s.conditional(err, "mark campaign", uid)
}

// UnmarkCampaign removes campaign id from the user's campaigns_sent. Used
// only when X answered that the DM was NOT sent (a 429), so that a later run
// sends it.
func (s *Store) UnmarkCampaign(ctx context.Context, uid, id string) error {
	u := dynamo.NewUpdate()
	u.Delete(useritem.AttrCampaignsSent, dynamo.StringSet(id))
	// An erased user (make forget) stays erased: an update without this
	// condition would create a bare item under their uid.
	u.When("attribute_exists(" + u.Name(useritem.AttrUID) + ")")
	_, err := s.DB.UpdateItem(ctx, u.Input(s.Name, s.key(uid)))
	_, err = s.conditional(err, "unmark campaign", uid)
	return err
}

// notTrue is the condition that the BOOL attr is absent or false, written
// with e's placeholders (an Update's or a Scan's).
func notTrue(e placeholders, attr string) string {
	return fmt.Sprintf("(attribute_not_exists(%s) OR %s = %s)", e.Name(attr), e.Name(attr), e.Value(dynamo.Bool(false)))
}

// placeholders are an expression's names and values (dynamo.Expr, or the
// Update that embeds one).
type placeholders interface {
	Name(attr string, members ...string) string
	Value(v types.AttributeValue) string
}
