package dynamo

import (
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"sort"
	"strconv"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb/types"
)

func equalS(item Item, name, want string) bool {
	v, ok := GetS(item, name)
	return ok && v == want
}

// X ids beyond 2^53 stay exact decimal text from the id to the N attribute
// and back, and as integers: nothing on the way is a float64.
func TestIDsBeyond2To53StayExact(t *testing.T) {
	for _, id := range []string{
		"9007199254740993",     // 2^53 + 1: a float64 reads 9007199254740992
		"1234567890123456789",  // a real X id
		"9223372036854775807",  // the largest int64
		"18446744073709551615", // beyond int64: still exact as text
	} {
		item := Item{"uid": N(id)}
		if got, ok := GetN(item, "uid"); !ok || got != id {
			t.Errorf("GetN(N(%s)) = %q, %v", id, got, ok)
		}
		if f, _ := strconv.ParseFloat(id, 64); strconv.FormatFloat(f, 'f', -1, 64) == id {
			t.Fatalf("%s survives a float64: not a test of exactness", id)
		}
	}
	const beyond = int64(1)<<53 + 1
	if v, ok := Int(beyond).(*types.AttributeValueMemberN); !ok || v.Value != "9007199254740993" {
		t.Fatalf("Int(2^53+1) = %#v", Int(beyond))
	}
	if got, ok := GetInt(Item{"n": N("9007199254740993")}, "n"); !ok || got != beyond {
		t.Fatalf("GetInt = %d, %v, want 2^53+1", got, ok)
	}
	if got, ok := GetInt(Item{"n": Int(math.MinInt64)}, "n"); !ok || got != math.MinInt64 {
		t.Fatalf("GetInt(MinInt64) = %d, %v", got, ok)
	}
	t.Run("a number that is no int64 is not read as one", func(t *testing.T) {
		for _, n := range []string{"18446744073709551615", "1.5", "1e3", ""} {
			if got, ok := GetInt(Item{"n": N(n)}, "n"); ok {
				t.Errorf("GetInt(%q) = %d, true", n, got)
			}
		}
	})
}

// Each reader answers "absent" for a missing attribute and for one of
// another type, never a zero value taken for a stored one.
func TestReadersRefuseAbsentAndMistypedAttributes(t *testing.T) {
	item := Item{"s": S("7"), "n": N("7"), "b": Bool(true), "m": M(Item{"x": S("y")}), "ss": StringSet("a")}
	for _, name := range []string{"missing", "n", "b", "m", "ss"} {
		if v, ok := GetS(item, name); ok || v != "" {
			t.Errorf("GetS(%s) = %q, %v", name, v, ok)
		}
	}
	for _, name := range []string{"missing", "s", "b"} {
		if v, ok := GetN(item, name); ok || v != "" {
			t.Errorf("GetN(%s) = %q, %v", name, v, ok)
		}
		if v, ok := GetInt(item, name); ok || v != 0 {
			t.Errorf("GetInt(%s) = %d, %v", name, v, ok)
		}
	}
	for _, name := range []string{"missing", "s", "n"} {
		if GetBool(item, name) {
			t.Errorf("GetBool(%s) is true", name)
		}
		if m, ok := GetM(item, name); ok || m != nil {
			t.Errorf("GetM(%s) = %v, %v", name, m, ok)
		}
		if ss := GetStringSet(item, name); ss != nil {
			t.Errorf("GetStringSet(%s) = %v", name, ss)
		}
		if m := GetStringMap(item, name); m != nil {
			t.Errorf("GetStringMap(%s) = %v", name, m)
		}
	}
	if GetBool(Item{"b": Bool(false)}, "b") || !GetBool(item, "b") {
		t.Error("GetBool does not read the stored value")
	}
	if v, ok := GetS(Item{"s": S("")}, "s"); !ok || v != "" {
		t.Errorf("an empty string stored: %q, %v", v, ok)
	}
}

func TestTimesAreUTCMillisecondsThatSortAsText(t *testing.T) {
	paris := time.FixedZone("CEST", 2*3600)
	at := time.Date(2026, 5, 1, 14, 0, 0, 123_456_789, paris)
	v, ok := Time(at).(*types.AttributeValueMemberS)
	if !ok || v.Value != "2026-05-01T12:00:00.123Z" {
		t.Fatalf("Time = %#v, want UTC with milliseconds", Time(at))
	}
	if got := GetTime(Item{"t": Time(at)}, "t"); !got.Equal(at.Truncate(time.Millisecond)) || got.Location() != time.UTC {
		t.Fatalf("GetTime = %v", got)
	}
	// Zero milliseconds are written too: the text keeps one length, so that
	// text order is time order (conditions compare times as strings).
	var texts []string
	var times []time.Time
	for _, d := range []time.Duration{0, time.Millisecond, 999 * time.Millisecond, time.Second, 10 * time.Hour} {
		tm := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC).Add(d)
		times = append(times, tm)
		s, _ := GetS(Item{"t": Time(tm)}, "t")
		texts = append(texts, s)
	}
	if !sort.StringsAreSorted(texts) || texts[0] != "2026-01-02T03:04:05.000Z" {
		t.Fatalf("texts %v", texts)
	}
	for i, s := range texts {
		if got := GetTime(Item{"t": S(s)}, "t"); !got.Equal(times[i]) {
			t.Errorf("%s read back as %v", s, got)
		}
	}
	for name, item := range map[string]Item{"missing": {}, "not a time": {"t": S("yesterday")}, "a number": {"t": N("1700000000")}} {
		if got := GetTime(item, "t"); !got.IsZero() {
			t.Errorf("%s: %v, want the zero time", name, got)
		}
	}
}

func TestMapsAndSets(t *testing.T) {
	utm := map[string]string{"utm_source": "x", "utm_campaign": "launch", "empty": ""}
	item := Item{"utm": StringMap(utm)}
	if got := GetStringMap(item, "utm"); !reflect.DeepEqual(got, utm) {
		t.Fatalf("GetStringMap = %v", got)
	}
	m, _ := GetM(item, "utm")
	m["n"] = N("1") // a member of another type is skipped, not an error
	if got := GetStringMap(item, "utm"); !reflect.DeepEqual(got, utm) {
		t.Fatalf("with a number member: %v", got)
	}
	if got := GetStringMap(Item{"m": StringMap(nil)}, "m"); got == nil || len(got) != 0 {
		t.Fatalf("an empty map read as %v", got)
	}
	if got := GetStringSet(Item{"ss": StringSet("c1", "c2")}, "ss"); !slices.Equal(got, []string{"c1", "c2"}) {
		t.Fatalf("GetStringSet = %v", got)
	}
	rec := Item{"a_follow": M(Item{"state": S("done"), "attempts": Int(1)})}
	if a, ok := GetM(rec, "a_follow"); !ok || !equalS(a, "state", "done") {
		t.Fatalf("GetM = %v, %v", a, ok)
	}
}

func TestConditionFailedReturnsTheItemAsItWas(t *testing.T) {
	old := Item{"request_token": S("tok")}
	ccf := &types.ConditionalCheckFailedException{Message: aws.String("The conditional request failed"), Item: old}
	// The SDK wraps the exception in an operation error.
	if item, ok := ConditionFailed(fmt.Errorf("operation error DynamoDB: DeleteItem, %w", ccf)); !ok || !reflect.DeepEqual(item, old) {
		t.Fatalf("ConditionFailed = %v, %v", item, ok)
	}
	if item, ok := ConditionFailed(&types.ConditionalCheckFailedException{}); !ok || item != nil {
		t.Fatalf("without ReturnValuesOnConditionCheckFailure: %v, %v", item, ok)
	}
	for _, err := range []error{nil, errors.New("timeout"), &types.ProvisionedThroughputExceededException{}, &types.TransactionCanceledException{}} {
		if item, ok := ConditionFailed(err); ok || item != nil {
			t.Errorf("ConditionFailed(%v) = %v, true", err, item)
		}
	}
}
