package metrics

import (
	"encoding/json"
	"strconv"
	"time"

	"github.com/twitter-sessions/twitter-sessions/shared/clock"
	"github.com/twitter-sessions/twitter-sessions/shared/reason"

	"github.com/rs/zerolog"
)

// line is a kind of outcome line, and the directives it carries.
type line int

const (
	lineSignInStart line = iota
	lineSignInFinish
	lineSignUp // a success line that is also a sign-up
	lineAction
	lineCampaignRun
	lineCampaignRunLeft // a campaign run that knows what is left
	lineKinds
)

// A line's directives name only metrics it carries: a directive naming a
// member that the line lacks is invalid EMF. Hence a kind of line per set
// of metrics rather than optional members.
var lineDirectives = [lineKinds][]Directive{
	lineSignInStart:     {SignInStart},
	lineSignInFinish:    {SignInFinish},
	lineSignUp:          {SignInFinish, SignUp},
	lineAction:          {ActionOutcome},
	lineCampaignRun:     {CampaignProgress, CampaignStop},
	lineCampaignRunLeft: {CampaignProgress, CampaignStop, CampaignLeft},
}

// Emitter adds the metrics of one stage to outcome lines (EMF). A nil
// *Emitter adds nothing: a handler built without one logs plain lines.
// Safe for concurrent use.
type Emitter struct {
	now func() time.Time
	// directives holds each kind of line's "CloudWatchMetrics" array,
	// encoded once: a line only adds its timestamp.
	directives [lineKinds][]byte
}

// New returns the Emitter of stage's functions. now gives the metrics'
// timestamp (nil: time.Now). It only encodes six small arrays: no I/O, no
// client, nothing that a cold start would notice.
func New(stage string, now func() time.Time) *Emitter {
	e := &Emitter{now: now}
	for l, ds := range lineDirectives {
		e.directives[l] = encodeDirectives(Namespace(stage), ds)
	}
	return e
}

// directive is EMF's MetricDirective on the wire.
type directive struct {
	Namespace  string
	Dimensions [][]string
	Metrics    []Metric
}

func encodeDirectives(namespace string, ds []Directive) []byte {
	out := make([]directive, len(ds))
	for i, d := range ds {
		out[i] = directive{Namespace: namespace, Dimensions: make([][]string, len(d.Dimensions)), Metrics: d.Metrics}
		for j, set := range d.Dimensions {
			out[i].Dimensions[j] = append([]string{}, set...) // [] rather than null for no dimension
		}
	}
	b, _ := json.Marshal(out) // strings and slices of them: Marshal cannot fail
	return b
}

// aws adds the "_aws" metadata of a line of kind l.
func (e *Emitter) aws(ev *zerolog.Event, l line) *zerolog.Event {
	d := e.directives[l]
	b := make([]byte, 0, len(`{"Timestamp":,"CloudWatchMetrics":}`)+20+len(d))
	b = append(b, `{"Timestamp":`...)
	b = strconv.AppendInt(b, clock.Now(e.now).UnixMilli(), 10)
	b = append(b, `,"CloudWatchMetrics":`...)
	b = append(b, d...)
	b = append(b, '}')
	return ev.RawJSON("_aws", b)
}

// off reports when nothing is to be added: no emitter, or a line that the
// logger's level drops (zerolog's nil event).
func (e *Emitter) off(ev *zerolog.Event) bool { return e == nil || ev == nil }

// SignInStarted adds SignInsStarted to an outcome line of POST
// /api/twitter-session: result, and reason (a refusal, sign-in or X reason;
// "" when it started).
func (e *Emitter) SignInStarted(ev *zerolog.Event, r Result, why reason.Code) *zerolog.Event {
	return e.signIn(ev, lineSignInStart, SignInsStarted, r, why)
}

// SignInCompleted adds SignInsCompleted to an outcome line of GET
// /api/twitter-callback: result, and reason (a sign-in or X reason; "" for
// a success or a denial).
func (e *Emitter) SignInCompleted(ev *zerolog.Event, r Result, why reason.Code) *zerolog.Event {
	return e.signIn(ev, lineSignInFinish, SignInsCompleted, r, why)
}

// SignUp adds SignInsCompleted (Result success) and SignUps to the line of
// a sign-in that created its user: a first sign-in, the brand's excepted
// (the caller decides both).
func (e *Emitter) SignUp(ev *zerolog.Event) *zerolog.Event {
	if e.off(ev) {
		return ev
	}
	return e.signIn(ev, lineSignUp, SignInsCompleted, ResultSuccess, "").Int(SignUps, 1)
}

func (e *Emitter) signIn(ev *zerolog.Event, l line, name string, r Result, why reason.Code) *zerolog.Event {
	if e.off(ev) {
		return ev
	}
	return e.aws(ev, l).Str(DimResult, bounded(string(r), results)).Str(DimReason, reasonValue(why)).Int(name, 1)
}

// ActionOutcome adds ActionOutcomes to the line of one action's outcome:
// the action (follow, welcome, tweet, release), the state recorded and its
// reason (an action or X reason, or "").
func (e *Emitter) ActionOutcome(ev *zerolog.Event, action, outcome string, why reason.Code) *zerolog.Event {
	if e.off(ev) {
		return ev
	}
	return e.aws(ev, lineAction).Str(DimAction, bounded(action, actions)).Str(DimOutcome, bounded(outcome, outcomes)).
		Str(DimReason, reasonValue(why)).Int(ActionOutcomes, 1)
}

// CampaignRun is what a campaign run's line publishes.
type CampaignRun struct {
	Stopped                        reason.Code // why the run ended (a campaigns.Stop)
	Sent, Skipped, Failed, Unknown int64       // this run's DMs by outcome
	// Unfinished: the campaign has subscribers to go after this run (it
	// is not done).
	Unfinished bool
	// Remaining estimates the users still to go (CampaignRemaining),
	// published only when RemainingKnown: the run could read the users
	// table's approximate item count (counting exactly would cost a Scan).
	Remaining      int64
	RemainingKnown bool
}

// CampaignRun adds a campaign run's metrics to its line.
func (e *Emitter) CampaignRun(ev *zerolog.Event, r CampaignRun) *zerolog.Event {
	if e.off(ev) {
		return ev
	}
	unfinished := 0
	if r.Unfinished {
		unfinished = 1
	}
	l := lineCampaignRun
	if r.RemainingKnown {
		l = lineCampaignRunLeft
	}
	ev = e.aws(ev, l).Str(DimStopped, bounded(r.Stopped.String(), stops)).Int(CampaignRuns, 1).
		Int64(CampaignDMsSent, r.Sent).Int64(CampaignDMsSkipped, r.Skipped).Int64(CampaignDMsFailed, r.Failed).
		Int64(CampaignDMsUnknown, r.Unknown).Int(CampaignsUnfinished, unfinished)
	if r.RemainingKnown {
		ev = ev.Int64(CampaignRemaining, max(0, r.Remaining))
	}
	return ev
}
