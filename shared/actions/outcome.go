package actions

import (
	"context"
	"errors"

	"github.com/twitter-sessions/twitter-sessions/shared/tokens"
	"github.com/twitter-sessions/twitter-sessions/shared/useritem"
	"github.com/twitter-sessions/twitter-sessions/shared/xapi"
)

// outcome is what happened to one action.
type outcome struct {
	state    useritem.State
	reason   Reason
	result   string
	status   int // X's HTTP status when it answered with an error
	attempts int
	err      error // for the log
	// then runs after the outcome is recorded.
	then func(ctx context.Context)
}

func skipped(reason Reason) outcome { return outcome{state: useritem.StateSkipped, reason: reason} }

// record writes an outcome and logs it: one line per action.
func (b *Batch) record(ctx context.Context, uid string, a useritem.Action, o outcome) {
	rec := Record{State: o.state, Reason: o.reason, Result: o.result, Status: o.status, Attempts: o.attempts, UpdatedAt: b.s.now()}
	werr := b.s.Claims.RecordOutcome(ctx, uid, a, rec)
	ev := b.log.Info()
	switch {
	case werr != nil:
		// The action stays sending: the sweep marks it unknown after
		// Stale; it is never sent again.
		ev = b.log.Error().AnErr("record_error", werr)
	case o.state == useritem.StateFailed || o.state == useritem.StateUnknown:
		ev = b.log.Warn()
	}
	if o.err != nil {
		ev = ev.AnErr("x_error", o.err)
	}
	if o.status != 0 {
		ev = ev.Int("x_status", o.status)
	}
	ev = ev.Str("uid", uid).Str("action", string(a)).Str("state", string(o.state)).
		Stringer("reason", o.reason).Str("result", o.result).Int("x_calls", o.attempts)
	if werr != nil {
		// Counted only once recorded. The table still says sending (or a
		// sweep marked it unknown meanwhile): the sweep's line counts it as
		// unknown, and counting this outcome too would count one action
		// twice, once with an outcome the table never held. (A write whose
		// answer was lost may have landed: then neither line counts it.)
		ev.Msg("action outcome")
		return
	}
	b.s.Metrics.ActionOutcome(ev, string(a), string(o.state), o.reason).Msg("action outcome")
}

// failure turns an error from X into an outcome: unknown when X may have
// acted (a 5xx, no answer), which is never tried again, skipped when the
// user's OAuth 2.0 grant was found lost before any call, failed otherwise.
func failure(n int, err error) outcome {
	switch {
	case xapi.OutcomeUnknown(err):
		return fromX(useritem.StateUnknown, ReasonOf(err), n, err)
	case n == 0 && errors.Is(err, tokens.ErrReconnect):
		return fromX(useritem.StateSkipped, ReasonReconnect, n, err)
	}
	return fromX(useritem.StateFailed, ReasonOf(err), n, err)
}

// fromX is an outcome decided by X's error, with X's HTTP status when it
// answered.
func fromX(state useritem.State, reason Reason, n int, err error) outcome {
	o := outcome{state: state, reason: reason, attempts: n, err: err}
	var xe *xapi.Error
	if errors.As(err, &xe) {
		o.status = xe.Status
	}
	return o
}
