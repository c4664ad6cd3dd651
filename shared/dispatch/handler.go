package dispatch

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/rs/zerolog"

	"github.com/twitter-sessions/twitter-sessions/shared/actions"
	"github.com/twitter-sessions/twitter-sessions/shared/campaigns"
	"github.com/twitter-sessions/twitter-sessions/shared/logging"
	"github.com/twitter-sessions/twitter-sessions/shared/xid"
)

// Handler is the twitter_actions function. Build it once per cold start; it
// is safe for concurrent use.
type Handler struct {
	Stream    *actions.Service   // the stream path and the sweep
	Campaigns *campaigns.Service // nil when CAMPAIGNS_TABLE is not set: campaign invocations are refused
	Log       zerolog.Logger
	// RecordBudget is the least time left for the stream path to start on a
	// record; later records are reported as batch item failures for Lambda
	// to deliver again to a fresh invocation (nothing of them was claimed).
	RecordBudget time.Duration
}

// Invocation is what the function accepts: a DynamoDB stream batch, a
// campaign request or the sweep ({"sweep":{}}, the schedule).
type Invocation struct {
	Records  []events.DynamoDBEventRecord `json:"Records"`
	Campaign *campaigns.Request           `json:"campaign"`
	Sweep    *struct{}                    `json:"sweep"`
}

// Errors returned to the invoker.
var (
	// ErrUnknownEvent: the payload is not exactly one of a stream batch, a
	// campaign request and the sweep.
	ErrUnknownEvent = errors.New("actions: the event is none of a DynamoDB stream batch ({\"Records\":[...]}), a campaign ({\"campaign\":{...}}) and the sweep ({\"sweep\":{}})")
	// ErrNoCampaignsTable: a campaign invocation without CAMPAIGNS_TABLE.
	ErrNoCampaignsTable = errors.New("actions: CAMPAIGNS_TABLE is not configured")
)

// Handle is the Lambda entry point: it decodes the raw event and dispatches.
// A stream batch answers events.DynamoDBEventResponse (partial batch
// failures); a campaign answers a campaigns.Report; the sweep an
// actions.SweepReport.
func (h *Handler) Handle(ctx context.Context, payload json.RawMessage) (any, error) {
	var inv struct {
		Records  *json.RawMessage   `json:"Records"`
		Campaign *campaigns.Request `json:"campaign"`
		Sweep    *struct{}          `json:"sweep"`
	}
	dec := json.NewDecoder(bytes.NewReader(payload))
	if err := dec.Decode(&inv); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrUnknownEvent, err)
	}
	log := logging.ForInvocation(ctx, h.Log)
	switch {
	case inv.Records != nil && inv.Campaign == nil && inv.Sweep == nil:
		var ev events.DynamoDBEvent
		if err := json.Unmarshal(payload, &ev); err != nil {
			return nil, fmt.Errorf("actions: decoding the stream batch: %w", err)
		}
		return h.stream(ctx, log, ev), nil
	case inv.Campaign != nil && inv.Records == nil && inv.Sweep == nil:
		if h.Campaigns == nil {
			return campaigns.Report{}, ErrNoCampaignsTable
		}
		return h.Campaigns.Run(ctx, log, *inv.Campaign)
	case inv.Sweep != nil && inv.Records == nil && inv.Campaign == nil:
		return h.Stream.Sweep(ctx, log)
	}
	return nil, ErrUnknownEvent
}

// stream handles a batch of the users table's stream, one user per record.
// A record whose user could not be read or claimed (DynamoDB failing),
// whose credentials are stored but cannot be opened, or that there was no
// time left to start, is reported in BatchItemFailures so that Lambda
// delivers it again; nothing of it was claimed, so the retry is safe.
func (h *Handler) stream(ctx context.Context, log zerolog.Logger, ev events.DynamoDBEvent) events.DynamoDBEventResponse {
	var resp events.DynamoDBEventResponse
	batch := h.Stream.NewBatch(log)
	for _, rec := range ev.Records {
		seq := rec.Change.SequenceNumber
		if rec.EventName == string(events.DynamoDBOperationTypeRemove) {
			continue
		}
		uid, err := RecordUID(rec)
		if err != nil {
			log.Error().Err(err).Str("sequence", seq).Msg("stream record ignored")
			continue
		}
		if left := actions.TimeLeft(ctx); left < h.RecordBudget {
			log.Warn().Str("uid", uid).Dur("left", left).Msg("no time left to start on the record: reported for redelivery")
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: seq})
			continue
		}
		if err := batch.User(ctx, uid); err != nil {
			log.Error().Err(err).Str("uid", uid).Msg("record not processed: reported for redelivery")
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: seq})
		}
	}
	return resp
}

// keyUID is the key of the users table (useritem.AttrUID), which its
// stream records carry.
const keyUID = "uid"

// RecordUID reads the user id from a stream record's keys. The record comes
// from outside the code (Lambda's JSON): a missing key or one of another type
// is an error, never a panic (events.DynamoDBAttributeValue.Number panics on
// a type mismatch).
func RecordUID(rec events.DynamoDBEventRecord) (string, error) {
	av, ok := rec.Change.Keys[keyUID]
	if !ok || av.DataType() != events.DataTypeNumber {
		return "", errors.New("actions: stream record without a numeric uid key")
	}
	uid := av.Number()
	if _, err := xid.Parse(uid); err != nil {
		return "", fmt.Errorf("actions: stream record uid: %w", err)
	}
	return uid, nil
}
