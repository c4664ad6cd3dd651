package xapi

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"time"
)

// Gate remembers the last rate-limit state X reported per endpoint and
// acting user, so that a window known to be exhausted is waited for, or
// given up on, without calling X (and paying for a 429). One Gate serves all
// the invocations of a warm Lambda sandbox: the stream path and the
// campaigns share the brand's DM window. It is safe for concurrent use.
type Gate struct {
	mu sync.Mutex
	w  map[string]RateLimit
}

// NewGate returns a gate that knows no window yet.
func NewGate() *Gate { return &Gate{w: map[string]RateLimit{}} }

// GateKey names the window of endpoint (StepDM, ...) for the user whose
// token makes the call.
func GateKey(endpoint, actor string) string { return endpoint + ":" + actor }

// Observe records what an answer said about key's window; an answer without
// rate-limit headers changes nothing.
func (g *Gate) Observe(key string, rl RateLimit) {
	if !rl.Known {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.w[key] = rl
}

// ClosedUntil returns the reset of an exhausted window still in force at now.
func (g *Gate) ClosedUntil(key string, now time.Time) (time.Time, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	rl, ok := g.w[key]
	if !ok || rl.Remaining != 0 || rl.Reset.IsZero() || !rl.Reset.After(now) {
		return time.Time{}, false
	}
	return rl.Reset, true
}

// LimitOf returns the rate-limit state an answer carried: rl on success,
// the *Error's on failure.
func LimitOf(rl RateLimit, err error) RateLimit {
	var xe *Error
	if errors.As(err, &xe) {
		return xe.Limit
	}
	return rl
}

// WaitFor returns how long to wait for a window that resets at reset: until
// then plus half a second (X's reset is in whole seconds).
func WaitFor(reset, now time.Time) time.Duration {
	return max(reset.Sub(now)+500*time.Millisecond, 0)
}

// Write makes one write to X (a follow, a DM, a post) under the policy r and
// the gate g: a window g knows to be exhausted answers a local 429 carrying
// its reset (r waits for it when the deadline allows) without calling X;
// otherwise fn calls X and g learns from the answer. Only a 429 is tried
// again, whatever r.Writes says: after a 5xx, a timeout or a dropped
// connection X may have acted (OutcomeUnknown). now is the caller's clock
// for the gate. It returns the number of requests that reached X.
func (r Retry) Write(ctx context.Context, g *Gate, endpoint, actor string, now func() time.Time, fn func(ctx context.Context) (RateLimit, error)) (int, error) {
	key := GateKey(endpoint, actor)
	r.Writes = true
	attempts := 0
	err := r.Do(ctx, func(ctx context.Context) error {
		if reset, closed := g.ClosedUntil(key, now()); closed {
			return &Error{Status: http.StatusTooManyRequests, Step: endpoint, Message: "window exhausted (from X's last answer); not called",
				Limit: RateLimit{Known: true, Remaining: 0, Reset: reset}}
		}
		attempts++
		rl, err := fn(ctx)
		g.Observe(key, LimitOf(rl, err))
		return err
	})
	return attempts, err
}
