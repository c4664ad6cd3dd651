package streamrelay

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
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
	RetryDelay       time.Duration                    // pause before redelivering a failed batch; default 1 s
	Logf             func(format string, args ...any) // one line per invocation; nil: silent
}

// pollInterval is Run's pause between polls.
const pollInterval = 250 * time.Millisecond

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

// New finds the table's stream and positions a reader on each of its shards.
func New(ctx context.Context, o Options) (*Relay, error) {
	if o.Streams == nil || o.Tables == nil || o.Handler == nil || o.Table == "" {
		return nil, errors.New("streamrelay: Streams, Tables, Table and Handler are required")
	}
	if o.RetryDelay <= 0 {
		o.RetryDelay = time.Second
	}
	o.Config.withDefaults()
	start := cmp.Or(o.StartingPosition, o.Config.StartingPosition)
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
	t := time.NewTicker(pollInterval)
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
