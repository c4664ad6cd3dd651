package streamrelay

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"

	"github.com/twitter-sessions/twitter-sessions/tools/ddblocal"
	"github.com/twitter-sessions/twitter-sessions/tools/devserver"
)

// deliver filters records and invokes the handler batch by batch.
func (r *Relay) deliver(ctx context.Context, recs []types.Record) (Stats, error) {
	st := Stats{Read: len(recs)}
	pass, err := r.filter(recs)
	if err != nil {
		return st, err
	}
	st.Delivered, st.Filtered = len(pass), len(recs)-len(pass)
	for len(pass) > 0 {
		n := min(len(pass), r.o.Config.BatchSize)
		bst, err := r.invokeWithRetries(ctx, pass[:n])
		st.add(bst)
		if err != nil {
			return st, err
		}
		pass = pass[n:]
	}
	return st, nil
}

// filter turns the records into Lambda's events and keeps those that pass
// the filter patterns.
func (r *Relay) filter(recs []types.Record) ([]events.DynamoDBEventRecord, error) {
	var pass []events.DynamoDBEventRecord
	for _, rec := range recs {
		ev := ToEventRecord(rec, r.streamARN, ddblocal.Region)
		ok, err := Passes(r.o.Config.Filters, ev)
		if err != nil {
			return pass, err
		}
		if ok {
			pass = append(pass, ev)
		}
	}
	return pass, nil
}

// invokeWithRetries invokes the handler and redelivers, as Lambda does with
// ReportBatchItemFailures, from the first failed record (a function error
// redelivers the whole batch), up to MaxRetries times.
func (r *Relay) invokeWithRetries(ctx context.Context, batch []events.DynamoDBEventRecord) (Stats, error) {
	var st Stats
	for attempt := 0; ; attempt++ {
		st.Invocations++
		failedFrom, err := r.invoke(ctx, batch)
		if ctx.Err() != nil {
			return st, ctx.Err()
		}
		if err == nil && failedFrom < 0 {
			return st, nil
		}
		if err == nil {
			batch = batch[failedFrom:]
		}
		if attempt >= r.o.Config.MaxRetries {
			st.Abandoned += len(batch)
			r.logf("streamrelay: %d record(s) still failing after %d retries: dropped (Lambda would send them to the on-failure destination), first sequence %s",
				len(batch), attempt, batch[0].Change.SequenceNumber)
			return st, nil
		}
		st.Retried += len(batch)
		select {
		case <-ctx.Done():
			return st, ctx.Err()
		case <-time.After(r.o.RetryDelay):
		}
	}
}

// invoke runs the handler once on a batch. It returns the index of the first
// record to deliver again (-1: none), or the function's error.
func (r *Relay) invoke(ctx context.Context, batch []events.DynamoDBEventRecord) (int, error) {
	payload, err := json.Marshal(events.DynamoDBEvent{Records: batch})
	if err != nil {
		return 0, err
	}
	ictx, cancel := context.WithTimeout(ctx, r.o.Config.Timeout)
	defer cancel()
	reqID := devserver.RequestID()
	ictx = lambdacontext.NewContext(ictx, &lambdacontext.LambdaContext{
		AwsRequestID:       reqID,
		InvokedFunctionArn: "arn:aws:lambda:" + ddblocal.Region + ":000000000000:function:" + r.o.Config.Function,
	})
	start := time.Now()
	out, err := r.o.Handler.Invoke(ictx, payload)
	if err != nil {
		r.logf("streamrelay: invoke %s (%d records) failed after %s: %v", reqID, len(batch), time.Since(start).Round(time.Millisecond), err)
		return 0, err
	}
	var resp events.DynamoDBEventResponse
	if len(out) > 0 && string(out) != "null" {
		if err := json.Unmarshal(out, &resp); err != nil {
			return 0, fmt.Errorf("streamrelay: the handler's answer is not a DynamoDBEventResponse: %w", err)
		}
	}
	r.logf("streamrelay: invoke %s: %d record(s) in %s, %d reported failed", reqID, len(batch), time.Since(start).Round(time.Millisecond), len(resp.BatchItemFailures))
	if !r.o.Config.ReportFailures {
		return -1, nil
	}
	return firstFailed(batch, resp.BatchItemFailures), nil
}

// firstFailed is the index of the first record of batch that failures
// name, -1 when there are none. An unknown identifier fails the whole batch
// (0), as in Lambda.
func firstFailed(batch []events.DynamoDBEventRecord, failures []events.DynamoDBBatchItemFailure) int {
	if len(failures) == 0 {
		return -1
	}
	first := slices.IndexFunc(batch, func(rec events.DynamoDBEventRecord) bool {
		return slices.ContainsFunc(failures, func(f events.DynamoDBBatchItemFailure) bool { return f.ItemIdentifier == rec.Change.SequenceNumber })
	})
	return max(first, 0)
}
