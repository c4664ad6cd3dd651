package dispatch_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-lambda-go/events"

	"github.com/twitter-sessions/twitter-sessions/shared/dispatch"
	"github.com/twitter-sessions/twitter-sessions/shared/useritem"
	"github.com/twitter-sessions/twitter-sessions/tools/slsyml"
	"github.com/twitter-sessions/twitter-sessions/tools/streamrelay"
)

// The sample events of events/ (for `serverless invoke local`) are what the
// handler accepts, and the stream ones pass serverless.yml's filter.
func TestTheSampleEventsAreWhatTheFunctionAccepts(t *testing.T) {
	t.Parallel()
	root, err := slsyml.RepoRoot()
	if err != nil {
		t.Fatal(err)
	}
	cfg, err := streamrelay.LoadStreamConfig(root, "twitter_actions")
	if err != nil {
		t.Fatal(err)
	}
	streams, _ := filepath.Glob(filepath.Join(root, "events", "stream-*.json"))
	camps, _ := filepath.Glob(filepath.Join(root, "events", "campaign-*.json"))
	if len(streams) < 2 || len(camps) < 3 {
		t.Fatalf("samples: %v %v", streams, camps)
	}
	for _, path := range streams {
		raw, _ := os.ReadFile(path)
		var ev events.DynamoDBEvent
		if err := json.Unmarshal(raw, &ev); err != nil || len(ev.Records) == 0 {
			t.Fatalf("%s: %v", path, err)
		}
		for _, rec := range ev.Records {
			if ok, err := streamrelay.Passes(cfg.Filters, rec); !ok || err != nil {
				t.Errorf("%s: the record would not reach the function (filter): %v", filepath.Base(path), err)
			}
			if rec.Change.Keys[useritem.AttrUID].Number() == "" {
				t.Errorf("%s: no uid key", path)
			}
		}
	}
	for _, path := range camps {
		raw, _ := os.ReadFile(path)
		var inv dispatch.Invocation
		if err := json.Unmarshal(raw, &inv); err != nil || inv.Campaign == nil || inv.Records != nil || inv.Sweep != nil {
			t.Fatalf("%s: %v", path, err)
		}
	}
	// The sweep's sample is the schedule's input in serverless.yml.
	raw, err := os.ReadFile(filepath.Join(root, "events", "sweep.json"))
	var inv dispatch.Invocation
	if err != nil || json.Unmarshal(raw, &inv) != nil || inv.Sweep == nil || inv.Campaign != nil || inv.Records != nil {
		t.Fatalf("events/sweep.json: %s %v", raw, err)
	}
}
