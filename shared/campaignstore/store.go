package campaignstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/twitter-sessions/twitter-sessions/shared/campaigns"
	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/shared/reason"
)

// Attribute names of a campaign item.
const (
	AttrID          = "campaign_id"
	AttrText        = "text"
	AttrStatus      = "status" // a campaigns.Status
	AttrCursor      = "cursor" // N: uid of the last user handled
	AttrSent        = "sent"
	AttrSkipped     = "skipped"
	AttrFailed      = "failed"
	AttrUnknown     = "unknown" // DMs whose outcome X left unknown (5xx, no answer): never sent again
	AttrRuns        = "runs"
	AttrCreatedAt   = "created_at"
	AttrUpdatedAt   = "updated_at"
	AttrResumeAfter = "resume_after" // when paused_rate_limited: X's window reset
	AttrLastError   = "last_error"
	AttrLeaseOwner  = "lease_owner" // the run holding the campaign
	AttrLeaseUntil  = "lease_until" // when that run's lease ends (its deadline)
)

// Store is the campaigns table.
type Store struct{ dynamo.Table }

var (
	_ campaigns.Catalog = (*Store)(nil)
	_ campaigns.Leases  = (*Store)(nil)
)

// New returns the store for one table.
func New(db dynamo.Client, table string) *Store { return &Store{dynamo.Table{DB: db, Name: table}} }

func key(id string) dynamo.Item { return dynamo.Item{AttrID: dynamo.S(id)} }

// Create stores a new running campaign, or returns the existing one with that
// id (created false). An existing campaign with another text is
// campaigns.ErrTextMismatch: a campaign id names one message.
func (s *Store) Create(ctx context.Context, id, text string, now time.Time) (campaigns.Campaign, bool, error) {
	if err := campaigns.Validate(id, text); err != nil {
		return campaigns.Campaign{}, false, err
	}
	c := campaigns.Campaign{ID: id, Text: text, Status: campaigns.StatusRunning, CreatedAt: now, UpdatedAt: now}
	var e dynamo.Expr
	_, err := s.DB.PutItem(ctx, e.Put(s.Name, dynamo.Item{
		AttrID: dynamo.S(id), AttrText: dynamo.S(text), AttrStatus: dynamo.S(string(campaigns.StatusRunning)),
		AttrSent: dynamo.Int(0), AttrSkipped: dynamo.Int(0), AttrFailed: dynamo.Int(0), AttrUnknown: dynamo.Int(0), AttrRuns: dynamo.Int(0),
		AttrCreatedAt: dynamo.Time(now), AttrUpdatedAt: dynamo.Time(now),
	}, "attribute_not_exists("+e.Name(AttrID)+")"))
	switch _, refused := dynamo.ConditionFailed(err); {
	case err == nil:
		return c, true, nil
	case !refused:
		return campaigns.Campaign{}, false, fmt.Errorf("%w: create %s: %w", campaigns.ErrStoreUnavailable, id, err)
	}
	existing, err := s.Get(ctx, id)
	if err != nil {
		return campaigns.Campaign{}, false, err
	}
	if existing.Text != text {
		return existing, false, campaigns.ErrTextMismatch
	}
	return existing, false, nil
}

// Get reads a campaign (consistent read).
func (s *Store) Get(ctx context.Context, id string) (campaigns.Campaign, error) {
	out, err := s.DB.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.Name), Key: key(id), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return campaigns.Campaign{}, fmt.Errorf("%w: get %s: %w", campaigns.ErrStoreUnavailable, id, err)
	}
	if out.Item == nil {
		return campaigns.Campaign{}, campaigns.ErrNotFound
	}
	return Decode(out.Item), nil
}

// Decode reads a campaign item (also for operator tools that scan the table).
func Decode(it dynamo.Item) campaigns.Campaign {
	c := campaigns.Campaign{
		CreatedAt:   dynamo.GetTime(it, AttrCreatedAt),
		UpdatedAt:   dynamo.GetTime(it, AttrUpdatedAt),
		ResumeAfter: dynamo.GetTime(it, AttrResumeAfter),
	}
	c.ID, _ = dynamo.GetS(it, AttrID)
	c.Text, _ = dynamo.GetS(it, AttrText)
	st, _ := dynamo.GetS(it, AttrStatus)
	c.Status = campaigns.Status(st)
	c.Cursor, _ = dynamo.GetN(it, AttrCursor)
	c.Sent, _ = dynamo.GetInt(it, AttrSent)
	c.Skipped, _ = dynamo.GetInt(it, AttrSkipped)
	c.Failed, _ = dynamo.GetInt(it, AttrFailed)
	c.Unknown, _ = dynamo.GetInt(it, AttrUnknown) // absent on campaigns created before it was counted: 0
	c.Runs, _ = dynamo.GetInt(it, AttrRuns)
	lastError, _ := dynamo.GetS(it, AttrLastError)
	c.LastError = reason.Code(lastError)
	return c
}

// Acquire takes the campaign's lease for owner until until, unless another
// live run holds it (campaigns.ErrBusy), and counts the run. The lease ends at the
// run's deadline, so a run that died frees the campaign by itself.
func (s *Store) Acquire(ctx context.Context, id, owner string, now, until time.Time) (campaigns.Campaign, error) {
	ub := dynamo.NewUpdate()
	ub.Set(AttrLeaseOwner, dynamo.S(owner))
	ub.Set(AttrLeaseUntil, dynamo.Time(until))
	ub.Add(AttrRuns, dynamo.Int(1))
	lu := ub.Name(AttrLeaseUntil)
	ub.When(fmt.Sprintf("attribute_exists(%s) AND (attribute_not_exists(%s) OR %s < %s OR %s = %s)",
		ub.Name(AttrID), lu, lu, ub.Value(dynamo.Time(now)), ub.Name(AttrLeaseOwner), ub.Value(dynamo.S(owner))))
	in := ub.Input(s.Name, key(id))
	in.ReturnValues = types.ReturnValueAllNew
	out, err := s.DB.UpdateItem(ctx, in)
	if err != nil {
		if _, refused := dynamo.ConditionFailed(err); refused {
			if _, gerr := s.Get(ctx, id); errors.Is(gerr, campaigns.ErrNotFound) {
				return campaigns.Campaign{}, campaigns.ErrNotFound
			}
			return campaigns.Campaign{}, campaigns.ErrBusy
		}
		return campaigns.Campaign{}, fmt.Errorf("%w: acquire %s: %w", campaigns.ErrStoreUnavailable, id, err)
	}
	return Decode(out.Attributes), nil
}

// Save writes the run's progress (status, cursor, counts, resume time, last
// error), only while owner still holds the lease (campaigns.ErrLeaseLost otherwise).
// release ends the lease.
func (s *Store) Save(ctx context.Context, c campaigns.Campaign, owner string, now time.Time, release bool) error {
	ub := dynamo.NewUpdate()
	ub.Set(AttrStatus, dynamo.S(string(c.Status)))
	ub.Set(AttrSent, dynamo.Int(c.Sent))
	ub.Set(AttrSkipped, dynamo.Int(c.Skipped))
	ub.Set(AttrFailed, dynamo.Int(c.Failed))
	ub.Set(AttrUnknown, dynamo.Int(c.Unknown))
	ub.Set(AttrUpdatedAt, dynamo.Time(now))
	if c.Cursor != "" {
		ub.Set(AttrCursor, dynamo.N(c.Cursor))
	}
	if c.ResumeAfter.IsZero() {
		ub.Remove(AttrResumeAfter)
	} else {
		ub.Set(AttrResumeAfter, dynamo.Time(c.ResumeAfter))
	}
	if c.LastError == "" {
		ub.Remove(AttrLastError)
	} else {
		ub.Set(AttrLastError, dynamo.S(c.LastError.String()))
	}
	if release {
		ub.Remove(AttrLeaseOwner)
		ub.Remove(AttrLeaseUntil)
	}
	ub.When(ub.Name(AttrLeaseOwner) + " = " + ub.Value(dynamo.S(owner)))
	if _, err := s.DB.UpdateItem(ctx, ub.Input(s.Name, key(c.ID))); err != nil {
		if _, refused := dynamo.ConditionFailed(err); refused {
			return campaigns.ErrLeaseLost
		}
		return fmt.Errorf("%w: save %s: %w", campaigns.ErrStoreUnavailable, c.ID, err)
	}
	return nil
}

// Unfinished lists the campaigns that are not done (a paginated Scan: there
// are a handful of campaigns).
func (s *Store) Unfinished(ctx context.Context) ([]campaigns.Campaign, error) {
	var out []campaigns.Campaign
	var e dynamo.Expr
	in := e.Scan(s.Name, e.Name(AttrStatus)+" <> "+e.Value(dynamo.S(string(campaigns.StatusDone))), "")
	in.ConsistentRead = aws.Bool(true)
	pages := dynamodb.NewScanPaginator(s.DB, in)
	for pages.HasMorePages() {
		page, err := pages.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("%w: scan: %w", campaigns.ErrStoreUnavailable, err)
		}
		for _, it := range page.Items {
			out = append(out, Decode(it))
		}
	}
	return out, nil
}
