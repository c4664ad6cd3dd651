package streamrelay

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

// Handler is a Lambda handler as the runtime sees it: a JSON payload in, a
// JSON answer out (lambda.NewHandler(fn) gives one for any handler func).
type Handler interface {
	Invoke(ctx context.Context, payload []byte) ([]byte, error)
}

// Streams is the part of the DynamoDB Streams API the relay uses.
type Streams interface {
	DescribeStream(ctx context.Context, in *dynamodbstreams.DescribeStreamInput, opts ...func(*dynamodbstreams.Options)) (*dynamodbstreams.DescribeStreamOutput, error)
	GetShardIterator(ctx context.Context, in *dynamodbstreams.GetShardIteratorInput, opts ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetShardIteratorOutput, error)
	GetRecords(ctx context.Context, in *dynamodbstreams.GetRecordsInput, opts ...func(*dynamodbstreams.Options)) (*dynamodbstreams.GetRecordsOutput, error)
}

// TableDescriber finds a table's stream.
type TableDescriber interface {
	DescribeTable(ctx context.Context, in *dynamodb.DescribeTableInput, opts ...func(*dynamodb.Options)) (*dynamodb.DescribeTableOutput, error)
}

// Options configure a Relay.
type Options struct {
	Streams Streams
	Tables  TableDescriber
	Table   string // the table whose stream is relayed, e.g. local_twitter
	Handler Handler
	// Config is the function's stream event (LoadStreamConfig). Its
	// StartingPosition applies to the shards open when the relay starts;
	// shards that appear later are read from their start.
	Config StreamConfig
	// StartingPosition overrides Config.StartingPosition ("TRIM_HORIZON" in
	// tests that create the table just before).
	StartingPosition string
	Region           string                           // default us-east-1
	PollInterval     time.Duration                    // Run's pause between polls; default 250 ms
	RetryDelay       time.Duration                    // pause before redelivering a failed batch; default 1 s
	Logf             func(format string, args ...any) // one line per invocation; nil: silent
}

// Stats count what Poll did.
type Stats struct {
	Read        int // stream records read
	Delivered   int // records passed to the handler (first delivery)
	Filtered    int // records the filter patterns dropped
	Invocations int // handler invocations, retries included
	Retried     int // records delivered again after a failure
	Abandoned   int // records given up after MaxRetries (Lambda: the on-failure destination)
}

func (s *Stats) add(o Stats) {
	s.Read += o.Read
	s.Delivered += o.Delivered
	s.Filtered += o.Filtered
	s.Invocations += o.Invocations
	s.Retried += o.Retried
	s.Abandoned += o.Abandoned
}

// Relay reads one table's stream and invokes a handler as Lambda would. Poll
// and Run must not be called concurrently.
type Relay struct {
	o         Options
	streamARN string

	mu     sync.Mutex
	shards map[string]*shard // by shard id
}

type shard struct {
	id       string
	iterator string
	closed   bool
	lastSeq  string // the last record read: where to resume after a lost iterator
	// latest: positioned at LATEST; startSeq is the shard's last record at
	// that moment ("" when it had none): records up to it were never wanted.
	latest   bool
	startSeq string
	// rewound: a LATEST iterator was lost before any record was read and
	// replaced by TRIM_HORIZON; records up to startSeq are dropped. (By
	// sequence number, not by time: DynamoDB Local's creation times are too
	// coarse, and a time cutoff dropped the first records after a start.)
	rewound bool
}

// New finds the table's stream and positions a reader on each of its shards.
func New(ctx context.Context, o Options) (*Relay, error) {
	if o.Streams == nil || o.Tables == nil || o.Handler == nil || o.Table == "" {
		return nil, errors.New("streamrelay: Streams, Tables, Table and Handler are required")
	}
	if o.Region == "" {
		o.Region = "us-east-1"
	}
	if o.PollInterval <= 0 {
		o.PollInterval = 250 * time.Millisecond
	}
	if o.RetryDelay <= 0 {
		o.RetryDelay = time.Second
	}
	if o.Config.BatchSize <= 0 {
		o.Config.BatchSize = 100
	}
	if o.Config.Timeout <= 0 {
		o.Config.Timeout = 6 * time.Second
	}
	start := o.StartingPosition
	if start == "" {
		start = o.Config.StartingPosition
	}
	if start == "" {
		start = string(types.ShardIteratorTypeLatest)
	}
	t, err := o.Tables.DescribeTable(ctx, &dynamodb.DescribeTableInput{TableName: aws.String(o.Table)})
	if err != nil {
		return nil, fmt.Errorf("streamrelay: describing %s: %w", o.Table, err)
	}
	arn := aws.ToString(t.Table.LatestStreamArn)
	if arn == "" {
		return nil, fmt.Errorf("streamrelay: table %s has no stream (StreamSpecification in serverless.yml)", o.Table)
	}
	r := &Relay{o: o, streamARN: arn, shards: map[string]*shard{}}
	if err := r.discover(ctx, types.ShardIteratorType(start)); err != nil {
		return nil, err
	}
	return r, nil
}

// StreamARN is the relayed stream.
func (r *Relay) StreamARN() string { return r.streamARN }

// discover adds the stream's shards not seen yet, positioned at pos.
func (r *Relay) discover(ctx context.Context, pos types.ShardIteratorType) error {
	var last *string
	for {
		out, err := r.o.Streams.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(r.streamARN), ExclusiveStartShardId: last})
		if err != nil {
			return fmt.Errorf("streamrelay: describing the stream: %w", err)
		}
		for _, s := range out.StreamDescription.Shards {
			id := aws.ToString(s.ShardId)
			r.mu.Lock()
			_, known := r.shards[id]
			r.mu.Unlock()
			if known {
				continue
			}
			it, err := r.o.Streams.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{
				StreamArn: aws.String(r.streamARN), ShardId: s.ShardId, ShardIteratorType: pos,
			})
			if err != nil {
				return fmt.Errorf("streamrelay: positioning on shard %s: %w", id, err)
			}
			sh := &shard{id: id, iterator: aws.ToString(it.ShardIterator)}
			if pos == types.ShardIteratorTypeLatest {
				sh.latest, sh.startSeq = true, r.lastSequence(ctx, s.ShardId)
			}
			r.mu.Lock()
			r.shards[id] = sh
			r.mu.Unlock()
		}
		last = out.StreamDescription.LastEvaluatedShardId
		if last == nil {
			return nil
		}
	}
}

// Poll reads every shard until it is caught up and delivers what the
// filters let through, in order, batch by batch.
func (r *Relay) Poll(ctx context.Context) (Stats, error) {
	var st Stats
	if err := r.discover(ctx, types.ShardIteratorTypeTrimHorizon); err != nil {
		return st, err
	}
	r.mu.Lock()
	ids := make([]string, 0, len(r.shards))
	for id, s := range r.shards {
		if !s.closed {
			ids = append(ids, id)
		}
	}
	r.mu.Unlock()
	for _, id := range ids {
		r.mu.Lock()
		s := r.shards[id]
		r.mu.Unlock()
		for s.iterator != "" {
			out, err := r.getRecords(ctx, s)
			if err != nil {
				return st, fmt.Errorf("streamrelay: reading shard %s: %w", id, err)
			}
			if out.NextShardIterator == nil {
				s.closed = true
			}
			s.iterator = aws.ToString(out.NextShardIterator)
			recs := out.Records
			if s.rewound {
				// Repositioned at the start of a shard opened at LATEST.
				kept := recs[:0:0]
				for _, rec := range recs {
					if d := rec.Dynamodb; d != nil && seqAtMost(aws.ToString(d.SequenceNumber), s.startSeq) {
						continue
					}
					kept = append(kept, rec)
				}
				recs = kept
			}
			if len(out.Records) == 0 {
				break
			}
			s.lastSeq, s.rewound = aws.ToString(out.Records[len(out.Records)-1].Dynamodb.SequenceNumber), false
			one, err := r.deliver(ctx, recs)
			one.Read = len(out.Records)
			st.add(one)
			if err != nil {
				return st, err
			}
		}
	}
	return st, nil
}

// getRecords reads from a shard's iterator. An iterator DynamoDB no longer
// honours is replaced: expired ones (real DynamoDB: after 15 minutes), and
// the TRIM_HORIZON iterators of an empty shard, which DynamoDB Local refuses
// with TrimmedDataAccessException once records of any table have been
// written (its sequence numbers are global to the emulator). The new one
// starts after the last record read, or at the shard's start.
func (r *Relay) getRecords(ctx context.Context, s *shard) (*dynamodbstreams.GetRecordsOutput, error) {
	out, err := r.o.Streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: aws.String(s.iterator)})
	var trimmed *types.TrimmedDataAccessException
	var expired *types.ExpiredIteratorException
	if err == nil || !(errors.As(err, &trimmed) || errors.As(err, &expired)) {
		return out, err
	}
	in := &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(r.streamARN), ShardId: aws.String(s.id), ShardIteratorType: types.ShardIteratorTypeTrimHorizon}
	if s.lastSeq != "" {
		in.ShardIteratorType, in.SequenceNumber = types.ShardIteratorTypeAfterSequenceNumber, aws.String(s.lastSeq)
	} else if s.latest {
		s.rewound = true
	}
	it, ierr := r.o.Streams.GetShardIterator(ctx, in)
	if ierr != nil {
		return nil, fmt.Errorf("%w (repositioning: %v)", err, ierr)
	}
	s.iterator = aws.ToString(it.ShardIterator)
	return r.o.Streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: it.ShardIterator})
}

// lastSequence reads a shard from its start to its end and returns the last
// record's sequence number, "" when it has none (or cannot be read: DynamoDB
// Local refuses TRIM_HORIZON on an empty shard).
func (r *Relay) lastSequence(ctx context.Context, shardID *string) string {
	it, err := r.o.Streams.GetShardIterator(ctx, &dynamodbstreams.GetShardIteratorInput{
		StreamArn: aws.String(r.streamARN), ShardId: shardID, ShardIteratorType: types.ShardIteratorTypeTrimHorizon,
	})
	if err != nil {
		return ""
	}
	last, iter := "", it.ShardIterator
	for iter != nil {
		out, err := r.o.Streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: iter})
		if err != nil || len(out.Records) == 0 {
			break
		}
		if d := out.Records[len(out.Records)-1].Dynamodb; d != nil {
			last = aws.ToString(d.SequenceNumber)
		}
		iter = out.NextShardIterator
	}
	return last
}

// seqAtMost compares two sequence numbers (decimal strings of any length):
// a <= b. Nothing is at most "".
func seqAtMost(a, b string) bool {
	if b == "" {
		return false
	}
	a, b = strings.TrimLeft(a, "0"), strings.TrimLeft(b, "0")
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a <= b
}

// Drain polls until a poll reads nothing: every record written before it,
// and every record the handler's own writes produced, has been read (and
// delivered or filtered). For tests and tools.
func (r *Relay) Drain(ctx context.Context) (Stats, error) {
	var total Stats
	for {
		st, err := r.Poll(ctx)
		total.add(st)
		if err != nil || st.Read == 0 {
			return total, err
		}
	}
}

// Run polls until ctx ends.
func (r *Relay) Run(ctx context.Context) error {
	t := time.NewTicker(r.o.PollInterval)
	defer t.Stop()
	for {
		if _, err := r.Poll(ctx); err != nil {
			if ctx.Err() != nil {
				return nil
			}
			r.logf("streamrelay: %v", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

func (r *Relay) logf(format string, args ...any) {
	if r.o.Logf != nil {
		r.o.Logf(format, args...)
	}
}

// deliver filters records and invokes the handler batch by batch.
func (r *Relay) deliver(ctx context.Context, recs []types.Record) (Stats, error) {
	st := Stats{Read: len(recs)}
	var pass []events.DynamoDBEventRecord
	for _, rec := range recs {
		ev := ToEventRecord(rec, r.streamARN, r.o.Region)
		ok, err := Passes(r.o.Config.Filters, ev)
		if err != nil {
			return st, err
		}
		if !ok {
			st.Filtered++
			continue
		}
		pass = append(pass, ev)
	}
	st.Delivered = len(pass)
	for len(pass) > 0 {
		n := min(len(pass), r.o.Config.BatchSize)
		bst, err := r.invokeWithRetries(ctx, pass[:n])
		st.Invocations += bst.Invocations
		st.Retried += bst.Retried
		st.Abandoned += bst.Abandoned
		if err != nil {
			return st, err
		}
		pass = pass[n:]
	}
	return st, nil
}

// Passes applies the filter patterns to a record in the JSON form Lambda
// filters on.
func Passes(patterns []Pattern, rec events.DynamoDBEventRecord) (bool, error) {
	b, err := json.Marshal(rec)
	if err != nil {
		return false, fmt.Errorf("streamrelay: encoding a record: %w", err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		return false, fmt.Errorf("streamrelay: decoding a record: %w", err)
	}
	return Match(patterns, m), nil
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
	reqID := newRequestID()
	ictx = lambdacontext.NewContext(ictx, &lambdacontext.LambdaContext{
		AwsRequestID:       reqID,
		InvokedFunctionArn: "arn:aws:lambda:" + r.o.Region + ":000000000000:function:" + r.o.Config.Function,
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
	first := -1
	if r.o.Config.ReportFailures && len(resp.BatchItemFailures) > 0 {
		first = len(batch) // an unknown identifier fails the whole batch, as in Lambda
		for _, f := range resp.BatchItemFailures {
			for i, rec := range batch {
				if rec.Change.SequenceNumber == f.ItemIdentifier && i < first {
					first = i
				}
			}
		}
		if first == len(batch) {
			first = 0
		}
	}
	r.logf("streamrelay: invoke %s: %d record(s) in %s, %d reported failed", reqID, len(batch), time.Since(start).Round(time.Millisecond), len(resp.BatchItemFailures))
	return first, nil
}

func newRequestID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// ToEventRecord converts a DynamoDB Streams record into the record Lambda
// delivers (the same JSON: "eventName", "dynamodb": {"Keys", "NewImage", ...}).
func ToEventRecord(rec types.Record, streamARN, region string) events.DynamoDBEventRecord {
	out := events.DynamoDBEventRecord{
		AWSRegion:      aws.ToString(rec.AwsRegion),
		EventID:        aws.ToString(rec.EventID),
		EventName:      string(rec.EventName),
		EventSource:    aws.ToString(rec.EventSource),
		EventVersion:   aws.ToString(rec.EventVersion),
		EventSourceArn: streamARN,
	}
	if out.AWSRegion == "" {
		out.AWSRegion = region
	}
	if out.EventSource == "" {
		out.EventSource = "aws:dynamodb"
	}
	if rec.UserIdentity != nil {
		out.UserIdentity = &events.DynamoDBUserIdentity{Type: aws.ToString(rec.UserIdentity.Type), PrincipalID: aws.ToString(rec.UserIdentity.PrincipalId)}
	}
	if d := rec.Dynamodb; d != nil {
		out.Change = events.DynamoDBStreamRecord{
			Keys:           convertItem(d.Keys),
			NewImage:       convertItem(d.NewImage),
			OldImage:       convertItem(d.OldImage),
			SequenceNumber: aws.ToString(d.SequenceNumber),
			SizeBytes:      aws.ToInt64(d.SizeBytes),
			StreamViewType: string(d.StreamViewType),
		}
		if d.ApproximateCreationDateTime != nil {
			out.Change.ApproximateCreationDateTime = events.SecondsEpochTime{Time: d.ApproximateCreationDateTime.Truncate(time.Second)}
		}
	}
	return out
}

func convertItem(item map[string]types.AttributeValue) map[string]events.DynamoDBAttributeValue {
	if item == nil {
		return nil
	}
	out := make(map[string]events.DynamoDBAttributeValue, len(item))
	for k, v := range item {
		out[k] = convert(v)
	}
	return out
}

func convert(v types.AttributeValue) events.DynamoDBAttributeValue {
	switch v := v.(type) {
	case *types.AttributeValueMemberS:
		return events.NewStringAttribute(v.Value)
	case *types.AttributeValueMemberN:
		return events.NewNumberAttribute(v.Value)
	case *types.AttributeValueMemberB:
		return events.NewBinaryAttribute(v.Value)
	case *types.AttributeValueMemberBOOL:
		return events.NewBooleanAttribute(v.Value)
	case *types.AttributeValueMemberNULL:
		return events.NewNullAttribute()
	case *types.AttributeValueMemberSS:
		return events.NewStringSetAttribute(v.Value)
	case *types.AttributeValueMemberNS:
		return events.NewNumberSetAttribute(v.Value)
	case *types.AttributeValueMemberBS:
		return events.NewBinarySetAttribute(v.Value)
	case *types.AttributeValueMemberM:
		return events.NewMapAttribute(convertItem(v.Value))
	case *types.AttributeValueMemberL:
		l := make([]events.DynamoDBAttributeValue, len(v.Value))
		for i, e := range v.Value {
			l[i] = convert(e)
		}
		return events.NewListAttribute(l)
	}
	return events.NewNullAttribute()
}

// LocalClient returns a DynamoDB Streams client for the DynamoDB Local at
// endpoint, with dummy static credentials (never a developer's real ones).
func LocalClient(endpoint, region string) (*dynamodbstreams.Client, error) {
	u, err := url.Parse(endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("streamrelay: endpoint %q is not an http(s) URL", endpoint)
	}
	if region == "" {
		region = "us-east-1"
	}
	return dynamodbstreams.New(dynamodbstreams.Options{
		Region:       region,
		BaseEndpoint: aws.String(endpoint),
		Credentials:  credentials.NewStaticCredentialsProvider("ddblocal", "ddblocal", ""),
	}), nil
}

// LocalOptions configure NewLocal.
type LocalOptions struct {
	RepoRoot string  // where serverless.yml is
	Endpoint string  // DynamoDB Local, e.g. http://127.0.0.1:8000
	Table    string  // e.g. local_twitter
	Function string  // default twitter_actions
	Handler  Handler // lambda.NewHandler(deps.Actions().Handle)
	Logf     func(format string, args ...any)
}

// NewLocal is the relay `make dev` runs: the function's stream event from
// serverless.yml (filter, batch size, retries, timeout, LATEST) on the
// DynamoDB Local at Endpoint. Call Run to relay until the context ends.
func NewLocal(ctx context.Context, o LocalOptions) (*Relay, error) {
	if o.Function == "" {
		o.Function = "twitter_actions"
	}
	cfg, err := LoadStreamConfig(o.RepoRoot, o.Function)
	if err != nil {
		return nil, err
	}
	streams, err := LocalClient(o.Endpoint, "")
	if err != nil {
		return nil, err
	}
	u, _ := url.Parse(o.Endpoint)
	tables := dynamodb.New(dynamodb.Options{
		Region:       "us-east-1",
		BaseEndpoint: aws.String(u.String()),
		Credentials:  credentials.NewStaticCredentialsProvider("ddblocal", "ddblocal", ""),
	})
	return New(ctx, Options{Streams: streams, Tables: tables, Table: o.Table, Handler: o.Handler, Config: cfg, Logf: o.Logf})
}
