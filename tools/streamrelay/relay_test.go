package streamrelay_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-lambda-go/lambdacontext"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"

	"github.com/twitter-sessions/twitter-sessions/shared/dynamo"
	"github.com/twitter-sessions/twitter-sessions/tools/ddblocal"
	"github.com/twitter-sessions/twitter-sessions/tools/slsyml"
	"github.com/twitter-sessions/twitter-sessions/tools/streamrelay"
)

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := slsyml.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	return root
}

// usersTable gives a test the tables of a stage of its own: their
// emulator's endpoint, a client, and the users table's name. ctx ends with
// the test, or after a minute.
func usersTable(t *testing.T) (ctx context.Context, endpoint string, db *dynamodb.Client, table string) {
	t.Helper()
	stage := ddblocal.RandomStage()
	endpoint, db = ddblocal.ForTest(t, stage)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	return ctx, endpoint, db, stage + "_twitter"
}

// putItem writes item to table.
func putItem(ctx context.Context, t *testing.T, db *dynamodb.Client, table string, item dynamo.Item) {
	t.Helper()
	if _, err := db.PutItem(ctx, &dynamodb.PutItemInput{TableName: aws.String(table), Item: item}); err != nil {
		t.Fatal(err)
	}
}

func TestTheStreamEventOfServerlessYmlIsRead(t *testing.T) {
	c, err := streamrelay.LoadStreamConfig(repoRoot(t), "twitter_actions")
	if err != nil {
		t.Fatal(err)
	}
	if c.BatchSize != 10 || c.MaxRetries != 5 || !c.ReportFailures || c.Timeout != 900*time.Second || c.StartingPosition != "LATEST" {
		t.Fatalf("config %+v", c)
	}
	if len(c.Filters) < 3 {
		t.Fatalf("filters %v", c.Filters)
	}
	for _, a := range []string{"a_follow", "a_welcome", "a_tweet", "a_release"} {
		rec := record("MODIFY", map[string]events.DynamoDBAttributeValue{
			"uid": events.NewNumberAttribute("1"),
			a:     events.NewMapAttribute(map[string]events.DynamoDBAttributeValue{"state": events.NewStringAttribute("pending")}),
		})
		ok, err := streamrelay.Passes(c.Filters, rec)
		if err != nil {
			t.Fatal(err)
		}
		if !ok {
			if a == "a_release" {
				t.Errorf("serverless.yml's filterPatterns let no pending a_release through: the brand's sign-in would never release waiting welcome DMs")
				continue
			}
			t.Errorf("a pending %s does not pass the filter", a)
		}
	}
}

func record(name string, image map[string]events.DynamoDBAttributeValue) events.DynamoDBEventRecord {
	return events.DynamoDBEventRecord{EventName: name, Change: events.DynamoDBStreamRecord{NewImage: image, Keys: map[string]events.DynamoDBAttributeValue{"uid": image["uid"]}}}
}

func TestFilterPatternsMatchAsLambdaDoes(t *testing.T) {
	patterns := []streamrelay.Pattern{{
		"eventName": []any{"INSERT", "MODIFY"},
		"dynamodb":  map[string]any{"NewImage": map[string]any{"a_follow": map[string]any{"M": map[string]any{"state": map[string]any{"S": []any{"pending"}}}}}},
	}}
	pending := events.NewMapAttribute(map[string]events.DynamoDBAttributeValue{"state": events.NewStringAttribute("pending")})
	done := events.NewMapAttribute(map[string]events.DynamoDBAttributeValue{"state": events.NewStringAttribute("done")})
	tests := []struct {
		name string
		rec  events.DynamoDBEventRecord
		want bool
	}{
		{"a pending action on insert passes", record("INSERT", map[string]events.DynamoDBAttributeValue{"uid": events.NewNumberAttribute("1"), "a_follow": pending}), true},
		{"a pending action on modify passes", record("MODIFY", map[string]events.DynamoDBAttributeValue{"uid": events.NewNumberAttribute("1"), "a_follow": pending}), true},
		{"a removal does not pass", record("REMOVE", map[string]events.DynamoDBAttributeValue{"uid": events.NewNumberAttribute("1"), "a_follow": pending}), false},
		{"a done action does not pass", record("MODIFY", map[string]events.DynamoDBAttributeValue{"uid": events.NewNumberAttribute("1"), "a_follow": done}), false},
		{"an item without the action does not pass", record("INSERT", map[string]events.DynamoDBAttributeValue{"uid": events.NewNumberAttribute("1")}), false},
		{"a state of another type does not pass", record("INSERT", map[string]events.DynamoDBAttributeValue{"uid": events.NewNumberAttribute("1"), "a_follow": events.NewStringAttribute("pending")}), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := streamrelay.Passes(patterns, tt.rec)
			if err != nil || got != tt.want {
				t.Fatalf("got %v err %v, want %v", got, err, tt.want)
			}
		})
	}
	t.Run("operators behave", func(t *testing.T) {
		ev := map[string]any{"a": "pending", "n": map[string]any{"x": []any{"p", "q"}}}
		cases := []struct {
			p    streamrelay.Pattern
			want bool
		}{
			{streamrelay.Pattern{"a": []any{map[string]any{"prefix": "pen"}}}, true},
			{streamrelay.Pattern{"a": []any{map[string]any{"anything-but": []any{"done"}}}}, true},
			{streamrelay.Pattern{"a": []any{map[string]any{"anything-but": "pending"}}}, false},
			{streamrelay.Pattern{"b": []any{map[string]any{"exists": false}}}, true},
			{streamrelay.Pattern{"a": []any{map[string]any{"exists": true}}}, true},
			{streamrelay.Pattern{"n": map[string]any{"x": []any{"q"}}}, true},
			{streamrelay.Pattern{"n": map[string]any{"x": []any{"z"}}}, false},
		}
		for i, c := range cases {
			if got := streamrelay.Match([]streamrelay.Pattern{c.p}, ev); got != c.want {
				t.Errorf("case %d: got %v", i, got)
			}
		}
	})
}

// recorder is a Lambda handler that keeps every payload it gets and can fail
// records on demand.
type recorder struct {
	mu       sync.Mutex
	payloads [][]byte
	failNext map[string]bool // uid -> report as failed once
	reqIDs   []string
	deadline []time.Duration
}

func (r *recorder) Invoke(ctx context.Context, payload []byte) ([]byte, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.payloads = append(r.payloads, payload)
	if lc, ok := lambdacontext.FromContext(ctx); ok {
		r.reqIDs = append(r.reqIDs, lc.AwsRequestID)
	}
	if dl, ok := ctx.Deadline(); ok {
		r.deadline = append(r.deadline, time.Until(dl))
	}
	var ev events.DynamoDBEvent
	if err := json.Unmarshal(payload, &ev); err != nil {
		return nil, err
	}
	var resp events.DynamoDBEventResponse
	for _, rec := range ev.Records {
		uid := rec.Change.Keys["uid"].Number()
		if r.failNext[uid] {
			delete(r.failNext, uid)
			resp.BatchItemFailures = append(resp.BatchItemFailures, events.DynamoDBBatchItemFailure{ItemIdentifier: rec.Change.SequenceNumber})
		}
	}
	return json.Marshal(resp)
}

func (r *recorder) uids() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, p := range r.payloads {
		var ev events.DynamoDBEvent
		_ = json.Unmarshal(p, &ev)
		for _, rec := range ev.Records {
			out = append(out, rec.Change.Keys["uid"].Number())
		}
	}
	return out
}

func TestRecordsWrittenToDynamoDBLocalReachTheHandlerAsLambdaDeliversThem(t *testing.T) {
	ctx, endpoint, db, table := usersTable(t)

	cfg, err := streamrelay.LoadStreamConfig(repoRoot(t), "twitter_actions")
	if err != nil {
		t.Fatal(err)
	}
	streams, err := streamrelay.LocalClient(endpoint)
	if err != nil {
		t.Fatal(err)
	}
	h := &recorder{failNext: map[string]bool{"1234567890123456789": true}}
	relay, err := streamrelay.New(ctx, streamrelay.Options{
		Streams: streams, Tables: db, Table: table, Handler: h, Config: cfg,
		StartingPosition: "TRIM_HORIZON", RetryDelay: 10 * time.Millisecond, Logf: t.Logf,
	})
	if err != nil {
		t.Fatal(err)
	}

	pending := dynamo.M(dynamo.Item{"state": dynamo.S("pending"), "requested_at": dynamo.S("2026-01-01T00:00:00.000Z")})
	put := func(item dynamo.Item) {
		t.Helper()
		putItem(ctx, t, db, table, item)
	}
	// Another table's writes first: DynamoDB Local numbers stream records
	// across all tables, which breaks the TRIM_HORIZON iterator of an empty
	// shard; the relay must recover from that.
	other := ddblocal.RandomStage()
	ddblocal.ForTest(t, other)
	for i := range 3 {
		putItem(ctx, t, db, other+"_twitter", dynamo.Item{"uid": dynamo.Int(int64(i + 1)), "a_welcome": pending})
	}
	put(dynamo.Item{"uid": dynamo.N("1234567890123456789"), "screen_name": dynamo.S("alice"), "a_welcome": pending}) // passes
	put(dynamo.Item{"uid": dynamo.N("9007199254740993"), "screen_name": dynamo.S("bob")})                            // no action: filtered
	put(dynamo.Item{"uid": dynamo.N("1234567890123456789"), "screen_name": dynamo.S("alice"),
		"a_welcome": dynamo.M(dynamo.Item{"state": dynamo.S("done")})}) // the handler's own kind of write: filtered
	if _, err := db.DeleteItem(ctx, &dynamodb.DeleteItemInput{TableName: aws.String(table), Key: dynamo.Item{"uid": dynamo.N("9007199254740993")}}); err != nil {
		t.Fatal(err)
	}

	st, err := relay.Drain(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st.Read != 4 || st.Delivered != 1 || st.Filtered != 3 || st.Retried != 1 || st.Invocations != 2 {
		t.Fatalf("stats %+v", st)
	}
	if got := h.uids(); len(got) != 2 || got[0] != "1234567890123456789" || got[1] != got[0] {
		t.Fatalf("delivered %v: want alice, then alice again after her reported failure", got)
	}
	if h.reqIDs[0] == "" || h.reqIDs[0] == h.reqIDs[1] {
		t.Fatalf("request ids %v", h.reqIDs)
	}
	if len(h.deadline) == 0 || h.deadline[0] <= 0 || h.deadline[0] > 900*time.Second {
		t.Fatalf("the invocation's deadline is %v away, want at most the function's 900 s timeout", h.deadline)
	}

	// The payload is Lambda's JSON, byte for byte in its shape.
	var raw struct {
		Records []map[string]any `json:"Records"`
	}
	if err := json.Unmarshal(h.payloads[0], &raw); err != nil || len(raw.Records) != 1 {
		t.Fatalf("payload %s", h.payloads[0])
	}
	r := raw.Records[0]
	dyn, _ := r["dynamodb"].(map[string]any)
	keys, _ := dyn["Keys"].(map[string]any)
	uid, _ := keys["uid"].(map[string]any)
	img, _ := dyn["NewImage"].(map[string]any)
	welcome, _ := img["a_welcome"].(map[string]any)
	if r["eventName"] != "INSERT" || r["eventSource"] != "aws:dynamodb" || r["eventSourceARN"] != relay.StreamARN() ||
		uid["N"] != "1234567890123456789" || welcome["M"] == nil || dyn["StreamViewType"] != "NEW_AND_OLD_IMAGES" ||
		dyn["SequenceNumber"] == "" || dyn["ApproximateCreationDateTime"] == nil {
		t.Fatalf("record shape %s", h.payloads[0])
	}

	// Nothing new: a poll reads nothing and invokes nothing.
	st, err = relay.Poll(ctx)
	if err != nil || st.Read != 0 || st.Invocations != 0 {
		t.Fatalf("second poll %+v %v", st, err)
	}

	// Later writes, interleaved with another table's, are read from where
	// the relay stopped.
	putItem(ctx, t, db, other+"_twitter", dynamo.Item{"uid": dynamo.Int(9), "a_welcome": pending})
	put(dynamo.Item{"uid": dynamo.N("9007199254740993"), "a_follow": pending})
	st, err = relay.Drain(ctx)
	if err != nil || st.Read != 1 || st.Delivered != 1 {
		t.Fatalf("third drain %+v %v", st, err)
	}
	if got := h.uids(); len(got) != 3 || got[2] != "9007199254740993" {
		t.Fatalf("delivered %v", got)
	}
}

func TestTheDevRelayStartsAtLatestLikeTheEventSourceMapping(t *testing.T) {
	ctx, endpoint, db, table := usersTable(t)
	pending := dynamo.M(dynamo.Item{"state": dynamo.S("pending")})
	put := func(uid string) {
		t.Helper()
		putItem(ctx, t, db, table, dynamo.Item{"uid": dynamo.N(uid), "a_welcome": pending})
	}
	put("1") // before the relay starts: not delivered (startingPosition LATEST)
	h := &recorder{failNext: map[string]bool{}}
	relay, err := streamrelay.NewLocal(ctx, streamrelay.LocalOptions{RepoRoot: repoRoot(t), Endpoint: endpoint, Table: table, Handler: h})
	if err != nil {
		t.Fatal(err)
	}
	put("2")
	if _, err := relay.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if got := h.uids(); len(got) != 1 || got[0] != "2" {
		t.Fatalf("delivered %v, want only the record written after the start", got)
	}
}

// make dev starts the relay on a fresh table and the first sign-in follows
// within milliseconds: that first record must be delivered.
//
// It runs on an emulator of its own, as make dev does: there the first
// sign-in is the first record of any table, which DynamoDB Local's LATEST
// iterator on an empty shard never returned.
func TestTheFirstRecordAfterTheStartIsDelivered(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	root := repoRoot(t)
	srv, err := ddblocal.Start(ctx, ddblocal.Options{Dir: root, DataDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Stop()
	endpoint := srv.Endpoint()
	db, err := ddblocal.Client(ctx, endpoint)
	if err != nil {
		t.Fatal(err)
	}
	if err := ddblocal.CreateTables(ctx, db, root, "local"); err != nil {
		t.Fatal(err)
	}
	table := "local_twitter"
	h := &recorder{failNext: map[string]bool{}}
	relay, err := streamrelay.NewLocal(ctx, streamrelay.LocalOptions{RepoRoot: repoRoot(t), Endpoint: endpoint, Table: table, Handler: h})
	if err != nil {
		t.Fatal(err)
	}
	// make dev's relay polls every 250 ms: empty reads come before the first record.
	for range 3 {
		if _, err := relay.Poll(ctx); err != nil {
			t.Fatal(err)
		}
	}
	pending := dynamo.M(dynamo.Item{"state": dynamo.S("pending")})
	for _, uid := range []string{"1900000000000000001", "1234567890123456789"} {
		putItem(ctx, t, db, table, dynamo.Item{"uid": dynamo.N(uid), "a_release": pending})
	}
	if _, err := relay.Drain(ctx); err != nil {
		t.Fatal(err)
	}
	if got := h.uids(); len(got) != 2 || got[0] != "1900000000000000001" {
		t.Fatalf("delivered %v, want both records written right after the start", got)
	}
}
