package metrics

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/rs/zerolog"

	"github.com/twitter-sessions/twitter-sessions/shared/logging"
	"github.com/twitter-sessions/twitter-sessions/shared/reason"
)

var at = time.Date(2026, 3, 14, 15, 9, 26, 535_000_000, time.UTC)

// logged writes one line through a function's logger, with emit adding the
// metrics, and returns it.
func logged(t *testing.T, e *Emitter, emit func(e *Emitter, ev *zerolog.Event) *zerolog.Event) string {
	t.Helper()
	var b logging.Buffer
	log := logging.New(&b, zerolog.DebugLevel, "twitter_callback", "staging")
	emit(e, log.Info().Str("outcome", "success").Str("uid", "1234567890123456789")).Msg("signed in")
	return strings.TrimSpace(b.String())
}

// Each way of emitting, with the points its line must publish.
var emissions = []struct {
	name string
	emit func(e *Emitter, ev *zerolog.Event) *zerolog.Event
	want map[string]float64 // Point.Key with its values -> value
}{
	{"a sign-in started", func(e *Emitter, ev *zerolog.Event) *zerolog.Event {
		return e.SignInStarted(ev, ResultStarted, "")
	}, map[string]float64{
		"SignInsStarted Result=started": 1, "SignInsStarted Reason=none,Result=started": 1,
	}},
	{"a sign-in refused", func(e *Emitter, ev *zerolog.Event) *zerolog.Event {
		return e.SignInStarted(ev, ResultRefused, "origin_not_allowed")
	}, map[string]float64{
		"SignInsStarted Result=refused": 1, "SignInsStarted Reason=origin_not_allowed,Result=refused": 1,
	}},
	{"a sign-in completed", func(e *Emitter, ev *zerolog.Event) *zerolog.Event {
		return e.SignInCompleted(ev, ResultSuccess, "")
	}, map[string]float64{
		"SignInsCompleted Result=success": 1, "SignInsCompleted Reason=none,Result=success": 1,
	}},
	{"a sign-up (a first sign-in)", func(e *Emitter, ev *zerolog.Event) *zerolog.Event {
		return e.SignUp(ev)
	}, map[string]float64{
		"SignInsCompleted Result=success": 1, "SignInsCompleted Reason=none,Result=success": 1, "SignUps ": 1,
	}},
	{"a sign-in failed at X", func(e *Emitter, ev *zerolog.Event) *zerolog.Event {
		return e.SignInCompleted(ev, ResultFail, "x_unavailable")
	}, map[string]float64{
		"SignInsCompleted Result=fail": 1, "SignInsCompleted Reason=x_unavailable,Result=fail": 1,
	}},
	{"an action's outcome", func(e *Emitter, ev *zerolog.Event) *zerolog.Event {
		return e.ActionOutcome(ev, "welcome", "failed", "recipient_refuses_dms")
	}, map[string]float64{
		"ActionOutcomes Action=welcome,Outcome=failed":                              1,
		"ActionOutcomes Action=welcome,Outcome=failed,Reason=recipient_refuses_dms": 1,
	}},
	{"a campaign run", func(e *Emitter, ev *zerolog.Event) *zerolog.Event {
		return e.CampaignRun(ev, CampaignRun{Stopped: "rate_limited", Sent: 50, Skipped: 7, Failed: 2, Unknown: 1, Unfinished: true})
	}, map[string]float64{
		"CampaignRuns Stopped=rate_limited": 1,
		"CampaignDMsSent ":                  50,
		"CampaignDMsSkipped ":               7,
		"CampaignDMsFailed ":                2,
		"CampaignDMsUnknown ":               1,
		"CampaignsUnfinished ":              1,
	}},
	{"a campaign run that knows what is left", func(e *Emitter, ev *zerolog.Event) *zerolog.Event {
		return e.CampaignRun(ev, CampaignRun{Stopped: "deadline", Sent: 3, Unfinished: true, Remaining: 1200, RemainingKnown: true})
	}, map[string]float64{
		"CampaignRuns Stopped=deadline": 1,
		"CampaignDMsSent ":              3,
		"CampaignDMsSkipped ":           0,
		"CampaignDMsFailed ":            0,
		"CampaignDMsUnknown ":           0,
		"CampaignsUnfinished ":          1,
		"CampaignRemaining ":            1200,
	}},
	{"a campaign run whose estimate came out below zero", func(e *Emitter, ev *zerolog.Event) *zerolog.Event {
		return e.CampaignRun(ev, CampaignRun{Stopped: "done", Remaining: -5, RemainingKnown: true})
	}, map[string]float64{
		"CampaignRuns Stopped=done": 1,
		"CampaignDMsSent ":          0,
		"CampaignDMsSkipped ":       0,
		"CampaignDMsFailed ":        0,
		"CampaignDMsUnknown ":       0,
		"CampaignsUnfinished ":      0,
		"CampaignRemaining ":        0,
	}},
}

// pointKey is a point's metric and dimension values, for comparing.
func pointKey(p Point) string {
	var kv []string
	for k, v := range p.Dimensions {
		kv = append(kv, k+"="+v)
	}
	slices.Sort(kv)
	return p.Name + " " + strings.Join(kv, ",")
}

func TestEachOutcomeLinePublishesItsMetricsAsValidEMF(t *testing.T) {
	e := New("staging", func() time.Time { return at })
	for _, tc := range emissions {
		t.Run(tc.name+" is one valid EMF line with the line's own fields", func(t *testing.T) {
			l := logged(t, e, tc.emit)
			if strings.Count(l, "\n") != 0 {
				t.Fatalf("more than one line: %s", l)
			}
			ps, err := ReadLine([]byte(l))
			if err != nil {
				t.Fatalf("%v: %s", err, l)
			}
			got := map[string]float64{}
			for _, p := range ps {
				if p.Namespace != "twitter-sessions/staging" || p.Unit != Count || !p.Time.Equal(at) || p.Message != "signed in" {
					t.Errorf("point %+v", p)
				}
				got[pointKey(p)] = p.Value
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("points %v, want %v", got, tc.want)
			}
			var m map[string]any
			_ = json.Unmarshal([]byte(l), &m)
			if m["outcome"] != "success" || m["uid"] != "1234567890123456789" || m["function"] != "twitter_callback" {
				t.Errorf("the line lost its own fields: %s", l)
			}
		})
	}
}

// The metadata object exactly as the specification writes it: Timestamp in
// milliseconds, one directive per catalogue entry with the stage's
// namespace, its dimension sets ([] for none) and its metrics with units.
func TestTheMetadataObjectIsTheCatalogues(t *testing.T) {
	e := New("production", func() time.Time { return at })
	l := logged(t, e, func(e *Emitter, ev *zerolog.Event) *zerolog.Event {
		return e.CampaignRun(ev, CampaignRun{Stopped: "done", Remaining: 0, RemainingKnown: true})
	})
	var line struct {
		AWS struct {
			Timestamp         int64
			CloudWatchMetrics []directive
		} `json:"_aws"`
	}
	if err := json.Unmarshal([]byte(l), &line); err != nil {
		t.Fatal(err)
	}
	if line.AWS.Timestamp != at.UnixMilli() {
		t.Errorf("Timestamp %d, want %d (ms)", line.AWS.Timestamp, at.UnixMilli())
	}
	want := []directive{
		{"twitter-sessions/production", CampaignProgress.Dimensions, CampaignProgress.Metrics},
		{"twitter-sessions/production", CampaignStop.Dimensions, CampaignStop.Metrics},
		{"twitter-sessions/production", CampaignLeft.Dimensions, CampaignLeft.Metrics},
	}
	if !reflect.DeepEqual(line.AWS.CloudWatchMetrics, want) {
		t.Errorf("CloudWatchMetrics %+v, want %+v", line.AWS.CloudWatchMetrics, want)
	}
	if !strings.Contains(l, `"Dimensions":[[]]`) || !strings.Contains(l, `{"Name":"CampaignDMsSent","Unit":"Count"}`) {
		t.Errorf("no dimension is [[]], and units are named: %s", l)
	}
}

// Every directive of the catalogue is emitted by some method, and every
// method emits only the catalogue's.
func TestTheEmittersPublishExactlyTheCatalogue(t *testing.T) {
	e := New("staging", nil)
	var b strings.Builder
	for _, tc := range emissions {
		b.WriteString(logged(t, e, tc.emit) + "\n")
	}
	ps, err := Read(b.String())
	if err != nil {
		t.Fatal(err)
	}
	emitted := map[string]bool{}
	for _, p := range ps {
		emitted[p.Key()] = true
	}
	catalogued := map[string]bool{}
	for _, d := range Catalogue {
		for _, set := range d.Dimensions {
			for _, m := range d.Metrics {
				catalogued[Key(Namespace("staging"), m.Name, set)] = true
			}
		}
	}
	if !reflect.DeepEqual(emitted, catalogued) {
		t.Errorf("emitted %v\ncatalogued %v", emitted, catalogued)
	}
}

// A dimension holds a value of its list, "none" or "other": never free text,
// whatever the caller hands over (a uid, a screen name, an error message).
func TestADimensionNeverCarriesFreeText(t *testing.T) {
	e := New("staging", nil)
	for _, v := range []string{"1234567890123456789", "@alice", "launch-2026", "dial tcp: i/o timeout", "X_UNAVAILABLE",
		"x_unavailable ", "spring_sale", "pending", strings.Repeat("a", 2000), `"}`} {
		why := reason.Code(v) // free text where a reason goes: the type does not bound it, the list does
		l := logged(t, e, func(e *Emitter, ev *zerolog.Event) *zerolog.Event {
			ev = e.SignInCompleted(ev, Result(v), why)
			return ev
		}) + "\n" + logged(t, e, func(e *Emitter, ev *zerolog.Event) *zerolog.Event {
			return e.ActionOutcome(ev, v, v, why)
		}) + "\n" + logged(t, e, func(e *Emitter, ev *zerolog.Event) *zerolog.Event {
			return e.CampaignRun(ev, CampaignRun{Stopped: why})
		})
		ps, err := Read(l)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range ps {
			for dim, got := range p.Dimensions {
				if got != Other {
					t.Errorf("%s given %q published %s=%q, want %q", p.Name, v, dim, got, Other)
				}
			}
		}
	}
	t.Run("a campaign run that does not know what is left publishes no CampaignRemaining", func(t *testing.T) {
		l := logged(t, e, func(e *Emitter, ev *zerolog.Event) *zerolog.Event {
			return e.CampaignRun(ev, CampaignRun{Stopped: "deadline", Unfinished: true, Remaining: 99})
		})
		if strings.Contains(l, CampaignRemaining) {
			t.Errorf("CampaignRemaining on the line: %s", l)
		}
		if _, err := ReadLine([]byte(l)); err != nil {
			t.Errorf("%v: %s", err, l)
		}
	})
	t.Run("no reason is published as none", func(t *testing.T) {
		ps, _ := Read(logged(t, e, func(e *Emitter, ev *zerolog.Event) *zerolog.Event { return e.ActionOutcome(ev, "follow", "done", "") }))
		if got := ps[1].Dimensions[DimReason]; got != None {
			t.Errorf("Reason %q, want %q", got, None)
		}
	})
}

// Every dimension of the catalogue is one of the bounded ones: a metric
// costs one custom metric per combination of values, so no dimension may
// take a value from the outside world.
func TestTheCataloguesDimensionsAreBounded(t *testing.T) {
	for _, d := range Catalogue {
		for _, set := range d.Dimensions {
			for _, dim := range set {
				n := len(Allowed(dim))
				if n == 0 {
					t.Errorf("%s: dimension %s has no list of values", d.Line, dim)
				}
				if n > 100 {
					t.Errorf("%s: dimension %s has %d values", d.Line, dim, n)
				}
			}
		}
	}
}

func TestNoEmitterOrADroppedLineAddsNothing(t *testing.T) {
	t.Run("a nil emitter leaves the line as it was", func(t *testing.T) {
		var e *Emitter
		l := logged(t, e, func(e *Emitter, ev *zerolog.Event) *zerolog.Event {
			return e.CampaignRun(e.ActionOutcome(e.SignUp(e.SignInCompleted(ev, ResultSuccess, "")), "follow", "done", ""),
				CampaignRun{RemainingKnown: true})
		})
		if strings.Contains(l, "_aws") || strings.Contains(l, "Result") || strings.Contains(l, SignUps) || strings.Contains(l, CampaignRemaining) {
			t.Errorf("metrics on the line: %s", l)
		}
	})
	t.Run("a line below the logger's level costs nothing and does not panic", func(t *testing.T) {
		var b logging.Buffer
		log := logging.New(&b, zerolog.WarnLevel, "f", "s")
		New("s", nil).SignInStarted(log.Info(), ResultStarted, "").Msg("dropped")
		if b.String() != "" {
			t.Errorf("wrote %q", b.String())
		}
	})
}

// The emitter's work per line is small: the cold start encodes the
// directives once; a line adds its timestamp.
func BenchmarkAnOutcomeLineWithItsMetrics(b *testing.B) {
	e := New("production", nil)
	log := zerolog.New(discard{}).With().Timestamp().Logger()
	b.ReportAllocs()
	for b.Loop() {
		e.ActionOutcome(log.Info().Str("uid", "1234567890123456789"), "welcome", "done", "").Msg("action outcome")
	}
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }

// New runs once per cold start: it encodes the directives, nothing more.
func BenchmarkNew(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_ = New("production", nil)
	}
}
