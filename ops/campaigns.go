package ops

import (
	"context"
	"fmt"
	"io"
	"sort"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/twitter-sessions/twitter-sessions/shared/campaigns"
	"github.com/twitter-sessions/twitter-sessions/shared/campaignstore"
	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/shared/useritem"
	"github.com/twitter-sessions/twitter-sessions/shared/userstore"
)

// CampaignView is a campaign as make campaigns shows it.
type CampaignView struct {
	campaigns.Campaign
	LeaseUntil time.Time // a run holds the campaign until then (zero: none)
	Waiting    string    // what the campaign waits for
}

// Brand is what the campaigns' sender looks like in the users table.
type Brand struct {
	UID        string
	ScreenName string
	Found      bool
	HasToken   bool
	Revoked    bool
	Reconnect  bool
	Cred       string
}

// CanSend reports a brand whose token the campaigns can send with.
func (b Brand) CanSend() bool { return b.Found && b.HasToken && !b.Revoked && !b.Reconnect }

// String says where the brand stands and, when it cannot send, what to do.
func (b Brand) String() string {
	who := fmt.Sprintf("the brand (FOLLOW_UID %s)", b.UID)
	if b.ScreenName != "" {
		who = fmt.Sprintf("the brand @%s (FOLLOW_UID %s)", b.ScreenName, b.UID)
	}
	switch {
	case b.UID == "":
		return "the stage has no FOLLOW_UID: campaigns have no sender"
	case !b.Found || !b.HasToken:
		return who + ": not connected (sign in as the brand on the landing page)"
	case b.Revoked:
		return who + ": revoked (X refused its token: sign in as the brand again)"
	case b.Reconnect:
		return who + ": must reconnect (its OAuth 2.0 grant is lost: sign in as the brand again)"
	}
	return fmt.Sprintf("%s: connected (%s)", who, b.Cred)
}

// CampaignReport is every campaign of the stage.
type CampaignReport struct {
	Brand     Brand
	Audience  int64 // DynamoDB's item count of the users table (about every six hours); -1 unknown
	Campaigns []CampaignView
}

// Campaigns reads every campaign (a consistent Scan: there are a handful),
// the brand, and the users table's item count.
func (t *Target) Campaigns(ctx context.Context, now time.Time) (CampaignReport, error) {
	r := CampaignReport{Audience: -1}
	var err error
	if r.Brand, err = t.brand(ctx); err != nil {
		return r, err
	}
	if d, err := t.DB.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(t.UsersTable)}); err == nil && d.Table.ItemCount != nil {
		r.Audience = *d.Table.ItemCount
	}
	in := &dynamodb.ScanInput{ConsistentRead: aws.Bool(true)}
	err = t.scan(ctx, t.CampaignsTable, in, 100, nil, func(items []dynamo.Item) error {
		for _, it := range items {
			v := CampaignView{Campaign: campaignstore.Decode(it), LeaseUntil: dynamo.GetTime(it, campaignstore.AttrLeaseUntil)}
			v.Waiting = waitingFor(v, r.Brand, now)
			r.Campaigns = append(r.Campaigns, v)
		}
		return nil
	})
	sort.Slice(r.Campaigns, func(i, j int) bool { return r.Campaigns[i].CreatedAt.Before(r.Campaigns[j].CreatedAt) })
	return r, err
}

func (t *Target) brand(ctx context.Context) (Brand, error) {
	b := Brand{UID: t.BrandUID}
	if b.UID == "" {
		return b, nil
	}
	out, err := t.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(t.UsersTable), Key: userstore.Key(b.UID), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return b, t.explain(t.UsersTable, err)
	}
	it := out.Item
	b.Found = it != nil
	b.ScreenName, _ = dynamo.GetS(it, useritem.AttrScreenName)
	tok, _ := dynamo.GetS(it, useritem.AttrToken) // sealed; only its presence is used
	b.HasToken = tok != ""
	b.Revoked, b.Reconnect = dynamo.GetBool(it, useritem.AttrRevoked), dynamo.GetBool(it, useritem.AttrReconnect)
	b.Cred = rowOf(it).Cred
	return b, nil
}

// waitingFor says what a campaign needs before it gets further.
func waitingFor(v CampaignView, brand Brand, now time.Time) string {
	c := v.Campaign
	switch {
	case c.Status == campaigns.StatusDone:
		return "nothing: done"
	case v.LeaseUntil.After(now):
		return fmt.Sprintf("a run in progress (its lease ends %s)", v.LeaseUntil.UTC().Format(time.RFC3339))
	case c.Status == campaigns.StatusBrandReconnect:
		return "the brand to sign in again (its OAuth 2.0 grant is lost); the next run resumes"
	case c.Status == campaigns.StatusUsageCapped:
		return "X's usage cap: raise it in the developer portal, then run the campaign again by id"
	case c.Status == campaigns.StatusTextRejected:
		return "an operator: X refuses its text (too long with the unsubscribe line, or the same refusal for many recipients in a row; see the run's log line): send a new campaign with another text, or run this one again by id"
	case c.Status == campaigns.StatusPausedRateLimited && c.ResumeAfter.After(now):
		return fmt.Sprintf("X's DM window: resume_after %s (in %s)", c.ResumeAfter.UTC().Format(time.RFC3339), c.ResumeAfter.Sub(now).Round(time.Second))
	case !brand.CanSend():
		return "the brand account: " + brand.String()
	case c.LastError == campaigns.StopBrandUnopenable:
		return "a run that can open the brand's token (after make rotate-key: make deploy)"
	}
	return "the next run (make campaign ID=" + c.ID + " locally; deployed: the resume schedule or an invocation by id)"
}

// Write prints the report, a block per campaign.
func (r CampaignReport) Write(w io.Writer, stage string) {
	audience := "the users table's size is unknown"
	if r.Audience >= 0 {
		audience = fmt.Sprintf("about %d users", r.Audience)
	}
	fmt.Fprintf(w, "stage %s: %d campaign(s); %s; %s\n", stage, len(r.Campaigns), r.Brand, audience)
	for _, v := range r.Campaigns {
		c := v.Campaign
		fmt.Fprintf(w, "\n%s  %s\n", c.ID, c.Status)
		fmt.Fprintf(w, "  counts        sent %d, skipped %d, failed %d, unknown %d (runs %d)\n", c.Sent, c.Skipped, c.Failed, c.Unknown, c.Runs)
		fmt.Fprintf(w, "  progress      %s\n", progressOf(c, r.Audience))
		fmt.Fprintf(w, "  created       %s, updated %s\n", stamp(c.CreatedAt), stamp(c.UpdatedAt))
		fmt.Fprintf(w, "  waiting for   %s\n", v.Waiting)
		if c.LastError != "" {
			fmt.Fprintf(w, "  last stop     %s\n", c.LastError)
		}
	}
}

// progressOf is how far the cursor has got: users handled against the
// table's size (the cursor itself is a user's id, not shown).
func progressOf(c campaigns.Campaign, audience int64) string {
	pos := "the cursor is at the start"
	if c.Cursor != "" {
		pos = "the cursor is set"
	}
	if c.Status == campaigns.StatusDone {
		return fmt.Sprintf("every user handled (%d)", c.Handled())
	}
	if audience > 0 {
		return fmt.Sprintf("%d handled of about %d users (%d%%); %s", c.Handled(), audience, min(100, c.Handled()*100/audience), pos)
	}
	return fmt.Sprintf("%d handled; %s", c.Handled(), pos)
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format(time.RFC3339)
}
