package actions

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/rs/zerolog"

	"github.com/twitter-sessions/twitter-sessions/shared/campaigns"
	"github.com/twitter-sessions/twitter-sessions/shared/signin"
	"github.com/twitter-sessions/twitter-sessions/shared/users"
	"github.com/twitter-sessions/twitter-sessions/shared/xapi"
)

// Users is what the actions need of the users table.
type Users interface {
	GetActionUser(ctx context.Context, uid string) (users.ActionUser, error)
	ClaimPending(ctx context.Context, uid string, acts []signin.Action, now time.Time) (users.ActionUser, error)
	RecordOutcome(ctx context.Context, uid string, act signin.Action, r users.ActionRecord) error
	ScanSending(ctx context.Context, after string, limit int32) (users.SendingPage, error)
	MarkUnknown(ctx context.Context, a users.SendingAction, reason string, now time.Time) (bool, error)
	Requeue(ctx context.Context, uid string, act signin.Action, from users.State, now time.Time) (bool, error)
	MarkRevoked(ctx context.Context, uid string, now time.Time) error
	WaitingForBrand(ctx context.Context, after string, limit int32) ([]string, string, error)
	ScanRecipients(ctx context.Context, after string, limit int32) ([]users.Recipient, bool, error)
	MarkCampaign(ctx context.Context, uid, id string, now time.Time) (bool, error)
	UnmarkCampaign(ctx context.Context, uid, id string) error
}

// X is the part of X's API the actions call. Each method makes one request.
type X interface {
	Follow(ctx context.Context, c xapi.Credentials, userID, targetID string) (xapi.FollowResult, error)
	SendDM(ctx context.Context, c xapi.Credentials, recipientID, text string) (xapi.DMResult, error)
	Tweet(ctx context.Context, c xapi.Credentials, text string) (xapi.TweetResult, error)
}

// Campaigns is the campaigns table.
type Campaigns interface {
	Create(ctx context.Context, id, text string, now time.Time) (campaigns.Campaign, bool, error)
	Get(ctx context.Context, id string) (campaigns.Campaign, error)
	Acquire(ctx context.Context, id, owner string, now, until time.Time) (campaigns.Campaign, error)
	Save(ctx context.Context, c campaigns.Campaign, owner string, now time.Time, release bool) error
	Unfinished(ctx context.Context) ([]campaigns.Campaign, error)
}

// Defaults of the Handler's tuning fields.
const (
	DefaultMargin       = 10 * time.Second
	DefaultRecordBudget = 20 * time.Second
	DefaultPageSize     = 100
	// StaleSending is how long an action may sit in sending before the sweep
	// (or a record of its user) marks it unknown: a run died between the
	// claim and the record. No live run is older: 15 minutes is the
	// function's timeout.
	StaleSending = 15 * time.Minute
)

// Handler is the twitter_actions function. Build it once per cold start; it
// is safe for concurrent use. The rate-limit state it learns from X's answers
// is kept between invocations of a warm sandbox.
type Handler struct {
	Users     Users
	X         X
	Campaigns Campaigns // nil when CAMPAIGNS_TABLE is not set: campaign invocations are refused
	Links     *Links    // nil: DMs carry no unsubscribe footer
	Log       zerolog.Logger

	BrandUID    string // FOLLOW_UID: followed by users, sender of the DMs
	FollowByAPI bool   // FOLLOW_MODE=api
	FollowMode  string // for the skip reason when a follow was requested under another mode
	WelcomeText string
	TweetText   string

	// Retry is the policy for the stream path's calls to X. They are all
	// writes: only a 429 is tried again (Writes is set whatever this says).
	Retry xapi.Retry
	// Margin is kept free before the Lambda deadline: a campaign and the
	// sweep stop this long before it, and the stream's retries keep it free.
	Margin time.Duration
	// RecordBudget is the least time left for the stream path to start on a
	// record; later records are reported as batch item failures for Lambda
	// to deliver again to a fresh invocation (nothing of them was claimed).
	RecordBudget time.Duration
	PageSize     int32 // users per Scan page (campaigns, release, sweep)

	Now   func() time.Time                                 // default time.Now
	Sleep func(ctx context.Context, d time.Duration) error // default a timer honouring ctx

	once  sync.Once
	gates *gate
}

func (h *Handler) init() {
	h.once.Do(func() { h.gates = newGate() })
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now().UTC()
	}
	return time.Now().UTC()
}

func (h *Handler) sleep(ctx context.Context, d time.Duration) error {
	if h.Sleep != nil {
		return h.Sleep(ctx, d)
	}
	return xapi.Sleep(ctx, d)
}

func (h *Handler) margin() time.Duration {
	if h.Margin > 0 {
		return h.Margin
	}
	return DefaultMargin
}

func (h *Handler) recordBudget() time.Duration {
	if h.RecordBudget > 0 {
		return h.RecordBudget
	}
	return DefaultRecordBudget
}

func (h *Handler) pageSize() int32 {
	if h.PageSize > 0 {
		return h.PageSize
	}
	return DefaultPageSize
}

// left is the time until ctx's deadline (a day when it has none). Deadlines
// are on the wall clock, whatever Now says.
func (h *Handler) left(ctx context.Context) time.Duration {
	dl, ok := ctx.Deadline()
	if !ok {
		return 24 * time.Hour
	}
	return time.Until(dl)
}

// CampaignRequest is a campaign invocation:
//
//	{"campaign":{"id":"launch-2026","text":"..."}}  create (or continue) and run
//	{"campaign":{"id":"launch-2026"}}               continue an existing campaign
//	{"campaign":{"resume":true}}                    continue every campaign that is not done (the schedule)
type CampaignRequest struct {
	ID     string `json:"id,omitempty"`
	Text   string `json:"text,omitempty"`
	Resume bool   `json:"resume,omitempty"`
}

// Invocation is what the function accepts: a DynamoDB stream batch, a
// campaign request or the sweep.
type Invocation struct {
	Records  []events.DynamoDBEventRecord `json:"Records"`
	Campaign *CampaignRequest             `json:"campaign"`
	Sweep    *SweepRequest                `json:"sweep"`
}

// ErrUnknownEvent is returned for a payload that is not exactly one of a
// stream batch, a campaign request and the sweep.
var ErrUnknownEvent = errors.New("actions: the event is none of a DynamoDB stream batch ({\"Records\":[...]}), a campaign ({\"campaign\":{...}}) and the sweep ({\"sweep\":{}})")

// Handle is the Lambda entry point: it decodes the raw event and dispatches.
// A stream batch answers events.DynamoDBEventResponse (partial batch
// failures); a campaign answers a CampaignReport; the sweep a SweepReport.
func (h *Handler) Handle(ctx context.Context, payload json.RawMessage) (any, error) {
	var inv struct {
		Records  *json.RawMessage `json:"Records"`
		Campaign *CampaignRequest `json:"campaign"`
		Sweep    *SweepRequest    `json:"sweep"`
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	if err := dec.Decode(&inv); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnknownEvent, err)
	}
	switch {
	case inv.Records != nil && inv.Campaign == nil && inv.Sweep == nil:
		var ev events.DynamoDBEvent
		if err := json.Unmarshal(payload, &ev); err != nil {
			return nil, fmt.Errorf("actions: decoding the stream batch: %w", err)
		}
		return h.HandleStream(ctx, ev)
	case inv.Campaign != nil && inv.Records == nil && inv.Sweep == nil:
		return h.HandleCampaign(ctx, *inv.Campaign)
	case inv.Sweep != nil && inv.Records == nil && inv.Campaign == nil:
		return h.HandleSweep(ctx)
	}
	return nil, ErrUnknownEvent
}
