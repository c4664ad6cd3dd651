package campaigns

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"time"
	"unicode/utf8"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"

	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
)

// Status is where a campaign stands.
type Status string

// Campaign statuses.
const (
	// StatusRunning: more subscribers to go; the next run (manual or the
	// schedule) continues from the cursor.
	StatusRunning Status = "running"
	// StatusPausedRateLimited: X's DM window is used up until ResumeAfter;
	// runs before then do nothing.
	StatusPausedRateLimited Status = "paused_rate_limited"
	// StatusUsageCapped: X answered a usage-capped 429 (the app's monthly or
	// paid usage is exhausted). The schedule leaves it alone; an operator
	// resumes it by running the campaign again once the cap is raised.
	StatusUsageCapped Status = "usage_capped"
	// StatusDone: every subscriber was handled.
	StatusDone Status = "done"
)

// Attribute names of a campaign item.
const (
	AttrID          = "campaign_id"
	AttrText        = "text"
	AttrStatus      = "status"
	AttrCursor      = "cursor" // N: uid of the last user handled
	AttrSent        = "sent"
	AttrSkipped     = "skipped"
	AttrFailed      = "failed"
	AttrUnknown     = "unknown" // DMs whose outcome X left unknown (5xx, no answer): never sent again
	AttrRuns        = "runs"
	AttrCreatedAt   = "created_at"
	AttrUpdatedAt   = "updated_at"
	AttrResumeAfter = "resume_after"
	AttrLastError   = "last_error"
	AttrLeaseOwner  = "lease_owner"
	AttrLeaseUntil  = "lease_until"
)

// MaxTextLength is X's limit for a DM's text, in characters.
const MaxTextLength = 10000

// Errors of the store.
var (
	ErrNotFound     = errors.New("campaigns: no such campaign")
	ErrBadID        = errors.New("campaigns: a campaign id is 1-64 letters, digits, '.', '_' or '-', starting with a letter or digit")
	ErrBadText      = fmt.Errorf("campaigns: the text must be 1-%d characters", MaxTextLength)
	ErrTextMismatch = errors.New("campaigns: a campaign with this id exists with another text; choose a new id")
	ErrBusy         = errors.New("campaigns: another run holds the campaign")
	ErrLeaseLost    = errors.New("campaigns: the run's lease was taken over")
	ErrUnavailable  = errors.New("campaigns: store unavailable")
)

var idRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

// Campaign is one campaign record.
type Campaign struct {
	ID          string
	Text        string
	Status      Status
	Cursor      string // uid after which the next run continues; "" = the start
	Sent        int64
	Skipped     int64
	Failed      int64
	Unknown     int64 // DMs X may or may not have delivered (it answered 5xx, or no answer came)
	Runs        int64
	CreatedAt   time.Time
	UpdatedAt   time.Time
	ResumeAfter time.Time // when paused_rate_limited: X's window reset
	LastError   string
}

// Handled is how many users the campaign has dealt with so far.
func (c Campaign) Handled() int64 { return c.Sent + c.Skipped + c.Failed + c.Unknown }

// DynamoDB is the part of the DynamoDB client the store uses.
type DynamoDB interface {
	GetItem(ctx context.Context, in *dynamodb.GetItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.GetItemOutput, error)
	PutItem(ctx context.Context, in *dynamodb.PutItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.PutItemOutput, error)
	UpdateItem(ctx context.Context, in *dynamodb.UpdateItemInput, opts ...func(*dynamodb.Options)) (*dynamodb.UpdateItemOutput, error)
	Scan(ctx context.Context, in *dynamodb.ScanInput, opts ...func(*dynamodb.Options)) (*dynamodb.ScanOutput, error)
}

// Store is the campaigns table.
type Store struct {
	db    DynamoDB
	table string
}

// New returns the store for one table.
func New(db DynamoDB, table string) *Store { return &Store{db: db, table: table} }

func key(id string) dynamo.Item { return dynamo.Item{AttrID: dynamo.S(id)} }

// Validate checks an id and a text before anything is written.
func Validate(id, text string) error {
	if !idRe.MatchString(id) {
		return ErrBadID
	}
	if n := utf8.RuneCountInString(text); text == "" || n > MaxTextLength || !utf8.ValidString(text) {
		return ErrBadText
	}
	return nil
}

// Create stores a new running campaign, or returns the existing one with that
// id (created false). An existing campaign with another text is
// ErrTextMismatch: a campaign id names one message.
func (s *Store) Create(ctx context.Context, id, text string, now time.Time) (Campaign, bool, error) {
	if err := Validate(id, text); err != nil {
		return Campaign{}, false, err
	}
	c := Campaign{ID: id, Text: text, Status: StatusRunning, CreatedAt: now, UpdatedAt: now}
	_, err := s.db.PutItem(ctx, &dynamodb.PutItemInput{
		TableName: aws.String(s.table),
		Item: dynamo.Item{
			AttrID: dynamo.S(id), AttrText: dynamo.S(text), AttrStatus: dynamo.S(string(StatusRunning)),
			AttrSent: dynamo.Int(0), AttrSkipped: dynamo.Int(0), AttrFailed: dynamo.Int(0), AttrUnknown: dynamo.Int(0), AttrRuns: dynamo.Int(0),
			AttrCreatedAt: dynamo.Time(now), AttrUpdatedAt: dynamo.Time(now),
		},
		ConditionExpression:      aws.String("attribute_not_exists(#id)"),
		ExpressionAttributeNames: map[string]string{"#id": AttrID},
	})
	var ccf *types.ConditionalCheckFailedException
	switch {
	case err == nil:
		return c, true, nil
	case !errors.As(err, &ccf):
		return Campaign{}, false, fmt.Errorf("%w: create %s: %w", ErrUnavailable, id, err)
	}
	existing, err := s.Get(ctx, id)
	if err != nil {
		return Campaign{}, false, err
	}
	if existing.Text != text {
		return existing, false, ErrTextMismatch
	}
	return existing, false, nil
}

// Get reads a campaign (consistent read).
func (s *Store) Get(ctx context.Context, id string) (Campaign, error) {
	out, err := s.db.GetItem(ctx, &dynamodb.GetItemInput{TableName: aws.String(s.table), Key: key(id), ConsistentRead: aws.Bool(true)})
	if err != nil {
		return Campaign{}, fmt.Errorf("%w: get %s: %w", ErrUnavailable, id, err)
	}
	if out.Item == nil {
		return Campaign{}, ErrNotFound
	}
	return read(out.Item), nil
}

func read(it dynamo.Item) Campaign {
	c := Campaign{
		CreatedAt:   dynamo.GetTime(it, AttrCreatedAt),
		UpdatedAt:   dynamo.GetTime(it, AttrUpdatedAt),
		ResumeAfter: dynamo.GetTime(it, AttrResumeAfter),
	}
	c.ID, _ = dynamo.GetS(it, AttrID)
	c.Text, _ = dynamo.GetS(it, AttrText)
	st, _ := dynamo.GetS(it, AttrStatus)
	c.Status = Status(st)
	c.Cursor, _ = dynamo.GetN(it, AttrCursor)
	c.Sent, _ = dynamo.GetInt(it, AttrSent)
	c.Skipped, _ = dynamo.GetInt(it, AttrSkipped)
	c.Failed, _ = dynamo.GetInt(it, AttrFailed)
	c.Unknown, _ = dynamo.GetInt(it, AttrUnknown) // absent on campaigns created before it was counted: 0
	c.Runs, _ = dynamo.GetInt(it, AttrRuns)
	c.LastError, _ = dynamo.GetS(it, AttrLastError)
	return c
}

// Acquire takes the campaign's lease for owner until until, unless another
// live run holds it (ErrBusy), and counts the run. The lease ends at the
// run's deadline, so a run that died frees the campaign by itself.
func (s *Store) Acquire(ctx context.Context, id, owner string, now, until time.Time) (Campaign, error) {
	ub := dynamo.NewUpdate()
	ub.Set(AttrLeaseOwner, dynamo.S(owner))
	ub.Set(AttrLeaseUntil, dynamo.Time(until))
	ub.Add(AttrRuns, dynamo.Int(1))
	lu := ub.Name(AttrLeaseUntil)
	ub.When(fmt.Sprintf("attribute_exists(%s) AND (attribute_not_exists(%s) OR %s < %s OR %s = %s)",
		ub.Name(AttrID), lu, lu, ub.Value(dynamo.Time(now)), ub.Name(AttrLeaseOwner), ub.Value(dynamo.S(owner))))
	in := ub.Input(s.table, key(id))
	in.ReturnValues = types.ReturnValueAllNew
	out, err := s.db.UpdateItem(ctx, in)
	if err != nil {
		var ccf *types.ConditionalCheckFailedException
		if errors.As(err, &ccf) {
			if _, gerr := s.Get(ctx, id); errors.Is(gerr, ErrNotFound) {
				return Campaign{}, ErrNotFound
			}
			return Campaign{}, ErrBusy
		}
		return Campaign{}, fmt.Errorf("%w: acquire %s: %w", ErrUnavailable, id, err)
	}
	return read(out.Attributes), nil
}

// Save writes the run's progress (status, cursor, counts, resume time, last
// error), only while owner still holds the lease (ErrLeaseLost otherwise).
// release ends the lease.
func (s *Store) Save(ctx context.Context, c Campaign, owner string, now time.Time, release bool) error {
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
		ub.Set(AttrLastError, dynamo.S(c.LastError))
	}
	if release {
		ub.Remove(AttrLeaseOwner)
		ub.Remove(AttrLeaseUntil)
	}
	ub.When(ub.Name(AttrLeaseOwner) + " = " + ub.Value(dynamo.S(owner)))
	if _, err := s.db.UpdateItem(ctx, ub.Input(s.table, key(c.ID))); err != nil {
		var ccf *types.ConditionalCheckFailedException
		if errors.As(err, &ccf) {
			return ErrLeaseLost
		}
		return fmt.Errorf("%w: save %s: %w", ErrUnavailable, c.ID, err)
	}
	return nil
}

// Unfinished lists the campaigns that are not done (a paginated Scan: there
// are a handful of campaigns).
func (s *Store) Unfinished(ctx context.Context) ([]Campaign, error) {
	var out []Campaign
	var start dynamo.Item
	for {
		page, err := s.db.Scan(ctx, &dynamodb.ScanInput{
			TableName:                 aws.String(s.table),
			FilterExpression:          aws.String("#s <> :done"),
			ExpressionAttributeNames:  map[string]string{"#s": AttrStatus},
			ExpressionAttributeValues: dynamo.Item{":done": dynamo.S(string(StatusDone))},
			ConsistentRead:            aws.Bool(true),
			ExclusiveStartKey:         start,
		})
		if err != nil {
			return nil, fmt.Errorf("%w: scan: %w", ErrUnavailable, err)
		}
		for _, it := range page.Items {
			out = append(out, read(it))
		}
		if page.LastEvaluatedKey == nil {
			return out, nil
		}
		start = page.LastEvaluatedKey
	}
}
