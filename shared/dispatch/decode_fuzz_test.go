package dispatch

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/twitter-sessions/twitter-sessions/shared/useritem"
)

// FuzzStreamRecordDecoding feeds arbitrary JSON where Lambda delivers a
// stream batch: decoding it and reading each record's uid must end in a
// value or a clear error, never a panic. The seeds are the sample events and
// records with missing or mistyped keys.
func FuzzStreamRecordDecoding(f *testing.F) {
	seeds, _ := filepath.Glob(filepath.Join("..", "..", "events", "stream-*.json"))
	for _, path := range seeds {
		if b, err := os.ReadFile(path); err == nil {
			f.Add(b)
		}
	}
	for _, s := range []string{
		`{"Records":[{"eventName":"INSERT","dynamodb":{"Keys":{}}}]}`,
		`{"Records":[{"eventName":"INSERT","dynamodb":{"Keys":{"uid":{"S":"123"}}}}]}`,
		`{"Records":[{"eventName":"MODIFY","dynamodb":{"Keys":{"uid":{"N":"12.5"}}}}]}`,
		`{"Records":[{"eventName":"MODIFY","dynamodb":{"Keys":{"uid":{"N":"1234567890123456789"}}}}]}`,
		`{"Records":[{"dynamodb":{"Keys":{"uid":{"NULL":true}},"NewImage":{"a_welcome":{"M":{"state":{"N":"1"}}}}}}]}`,
		`{"Records":null}`, `{"Records":[null]}`, `[]`, `{`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		var ev events.DynamoDBEvent
		if err := json.Unmarshal(payload, &ev); err != nil {
			return
		}
		for _, rec := range ev.Records {
			uid, err := RecordUID(rec)
			if err == nil && uid == "" {
				t.Fatal("no error and no uid")
			}
		}
	})
}

func TestRecordUIDRefusesOddKeys(t *testing.T) {
	for name, keys := range map[string]map[string]events.DynamoDBAttributeValue{
		"no uid key":          {},
		"a string uid":        {"uid": events.NewStringAttribute("1")},
		"a fractional uid":    {"uid": events.NewNumberAttribute("1.5")},
		"a uid beyond 64 bit": {"uid": events.NewNumberAttribute("99999999999999999999")},
	} {
		t.Run(name+" is an error, not a panic", func(t *testing.T) {
			if _, err := RecordUID(events.DynamoDBEventRecord{Change: events.DynamoDBStreamRecord{Keys: keys}}); err == nil {
				t.Fatal("accepted")
			}
		})
	}
	uid, err := RecordUID(events.DynamoDBEventRecord{Change: events.DynamoDBStreamRecord{Keys: map[string]events.DynamoDBAttributeValue{"uid": events.NewNumberAttribute("1234567890123456789")}}})
	if err != nil || uid != "1234567890123456789" {
		t.Fatalf("%q %v", uid, err)
	}
}

// The stream records carry the users table's key.
func TestTheRecordKeyIsTheUsersTableKey(t *testing.T) {
	if keyUID != useritem.AttrUID {
		t.Fatalf("stream records are read by %q, the users table's key is %q", keyUID, useritem.AttrUID)
	}
}
