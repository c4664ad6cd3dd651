package streamrelay

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams"
	"github.com/aws/aws-sdk-go-v2/service/dynamodbstreams/types"
)

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

// discover adds the stream's shards not seen yet, positioned at pos.
func (r *Relay) discover(ctx context.Context, pos types.ShardIteratorType) error {
	var last *string
	for {
		out, err := r.o.Streams.DescribeStream(ctx, &dynamodbstreams.DescribeStreamInput{StreamArn: aws.String(r.streamARN), ExclusiveStartShardId: last})
		if err != nil {
			return fmt.Errorf("streamrelay: describing the stream: %w", err)
		}
		for _, s := range out.StreamDescription.Shards {
			if err := r.addShard(ctx, aws.ToString(s.ShardId), pos); err != nil {
				return err
			}
		}
		last = out.StreamDescription.LastEvaluatedShardId
		if last == nil {
			return nil
		}
	}
}

// addShard positions a reader on shard id at pos, unless it has one.
func (r *Relay) addShard(ctx context.Context, id string, pos types.ShardIteratorType) error {
	r.mu.Lock()
	_, known := r.shards[id]
	r.mu.Unlock()
	if known {
		return nil
	}
	it, err := r.iterator(ctx, id, pos, "")
	if err != nil {
		return fmt.Errorf("streamrelay: positioning on shard %s: %w", id, err)
	}
	sh := &shard{id: id, iterator: aws.ToString(it)}
	if pos == types.ShardIteratorTypeLatest {
		sh.latest, sh.startSeq = true, r.lastSequence(ctx, id)
	}
	r.mu.Lock()
	r.shards[id] = sh
	r.mu.Unlock()
	return nil
}

// iterator returns a shard iterator at pos (after the sequence number seq
// for AFTER_SEQUENCE_NUMBER).
func (r *Relay) iterator(ctx context.Context, shardID string, pos types.ShardIteratorType, seq string) (*string, error) {
	in := &dynamodbstreams.GetShardIteratorInput{StreamArn: aws.String(r.streamARN), ShardId: aws.String(shardID), ShardIteratorType: pos}
	if seq != "" {
		in.SequenceNumber = aws.String(seq)
	}
	out, err := r.o.Streams.GetShardIterator(ctx, in)
	if err != nil {
		return nil, err
	}
	return out.ShardIterator, nil
}

// Poll reads every shard until it is caught up and delivers what the
// filters let through, in order, batch by batch.
func (r *Relay) Poll(ctx context.Context) (Stats, error) {
	var st Stats
	if err := r.discover(ctx, types.ShardIteratorTypeTrimHorizon); err != nil {
		return st, err
	}
	for _, s := range r.openShards() {
		one, err := r.pollShard(ctx, s)
		st.add(one)
		if err != nil {
			return st, err
		}
	}
	return st, nil
}

// openShards are the shards not read to their end yet.
func (r *Relay) openShards() []*shard {
	r.mu.Lock()
	defer r.mu.Unlock()
	open := make([]*shard, 0, len(r.shards))
	for _, s := range r.shards {
		if !s.closed {
			open = append(open, s)
		}
	}
	return open
}

// pollShard reads a shard until it is caught up and delivers its records.
func (r *Relay) pollShard(ctx context.Context, s *shard) (Stats, error) {
	var st Stats
	for s.iterator != "" {
		out, err := r.getRecords(ctx, s)
		if err != nil {
			return st, fmt.Errorf("streamrelay: reading shard %s: %w", s.id, err)
		}
		if out.NextShardIterator == nil {
			s.closed = true
		}
		s.iterator = aws.ToString(out.NextShardIterator)
		if len(out.Records) == 0 {
			break
		}
		recs := s.wanted(out.Records)
		s.lastSeq, s.rewound = lastSequenceNumber(out.Records), false
		one, err := r.deliver(ctx, recs)
		one.Read = len(out.Records)
		st.add(one)
		if err != nil {
			return st, err
		}
	}
	return st, nil
}

// wanted drops, from a shard opened at LATEST and repositioned at its start
// (rewound), the records that were there before the relay started.
func (s *shard) wanted(recs []types.Record) []types.Record {
	if !s.rewound {
		return recs
	}
	return slices.DeleteFunc(slices.Clone(recs), func(rec types.Record) bool {
		return rec.Dynamodb != nil && seqAtMost(aws.ToString(rec.Dynamodb.SequenceNumber), s.startSeq)
	})
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
	pos := types.ShardIteratorTypeTrimHorizon
	if s.lastSeq != "" {
		pos = types.ShardIteratorTypeAfterSequenceNumber
	} else if s.latest {
		s.rewound = true
	}
	it, ierr := r.iterator(ctx, s.id, pos, s.lastSeq)
	if ierr != nil {
		return nil, fmt.Errorf("%w (repositioning: %v)", err, ierr)
	}
	s.iterator = aws.ToString(it)
	return r.o.Streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: it})
}

// lastSequence reads a shard from its start to its end and returns the last
// record's sequence number, "" when it has none (or cannot be read: DynamoDB
// Local refuses TRIM_HORIZON on an empty shard).
func (r *Relay) lastSequence(ctx context.Context, shardID string) string {
	iter, err := r.iterator(ctx, shardID, types.ShardIteratorTypeTrimHorizon, "")
	if err != nil {
		return ""
	}
	last := ""
	for iter != nil {
		out, err := r.o.Streams.GetRecords(ctx, &dynamodbstreams.GetRecordsInput{ShardIterator: iter})
		if err != nil || len(out.Records) == 0 {
			break
		}
		if seq := lastSequenceNumber(out.Records); seq != "" {
			last = seq
		}
		iter = out.NextShardIterator
	}
	return last
}

// lastSequenceNumber is the sequence number of the last of recs.
func lastSequenceNumber(recs []types.Record) string {
	if d := recs[len(recs)-1].Dynamodb; d != nil {
		return aws.ToString(d.SequenceNumber)
	}
	return ""
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
