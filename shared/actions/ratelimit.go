package actions

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/twitter-sessions/twitter-sessions/shared/xapi"
)

// gate remembers the last rate-limit state X reported per (endpoint, acting
// user), so that a window known to be exhausted is waited for, or given up
// on, without calling X (and paying for a 429). It is shared by all the
// invocations of a warm sandbox.
type gate struct {
	mu sync.Mutex
	w  map[string]xapi.RateLimit
}

func newGate() *gate { return &gate{w: map[string]xapi.RateLimit{}} }

func gateKey(endpoint, userID string) string { return endpoint + ":" + userID }

func (g *gate) observe(key string, rl xapi.RateLimit) {
	if !rl.Known {
		return
	}
	g.mu.Lock()
	defer g.mu.Unlock()
	g.w[key] = rl
}

// closedUntil returns the reset of an exhausted window still in force at now.
func (g *gate) closedUntil(key string, now time.Time) (time.Time, bool) {
	g.mu.Lock()
	defer g.mu.Unlock()
	rl, ok := g.w[key]
	if !ok || rl.Remaining != 0 || rl.Reset.IsZero() || !rl.Reset.After(now) {
		return time.Time{}, false
	}
	return rl.Reset, true
}

// limitOf returns the rate-limit state an answer carried.
func limitOf(rl xapi.RateLimit, err error) xapi.RateLimit {
	var xe *xapi.Error
	if errors.As(err, &xe) {
		return xe.Limit
	}
	return rl
}

// call runs one call to X under the stream path's policy: the gate first
// (a known-exhausted window answers a local 429 carrying its reset, which the
// Retry waits for when the deadline allows), then X. Every call of X is a
// write, so only a 429 is tried again: after a 5xx, a timeout or a dropped
// connection X may have acted (xapi.OutcomeUnknown). It returns the number of
// requests that reached X.
func (h *Handler) call(ctx context.Context, endpoint, actor string, fn func(ctx context.Context) (xapi.RateLimit, error)) (int, error) {
	h.init()
	key := gateKey(endpoint, actor)
	policy := h.Retry
	policy.Writes = true
	attempts := 0
	err := policy.Do(ctx, func(ctx context.Context) error {
		if reset, closed := h.gates.closedUntil(key, h.now()); closed {
			return &xapi.Error{Status: 429, Step: endpoint, Message: "window exhausted (from X's last answer); not called",
				Limit: xapi.RateLimit{Known: true, Remaining: 0, Reset: reset}}
		}
		attempts++
		rl, err := fn(ctx)
		h.gates.observe(key, limitOf(rl, err))
		return err
	})
	return attempts, err
}

// reasonOf is the short reason an error is recorded with.
func reasonOf(err error) string {
	var r interface{ Reason() string }
	if errors.As(err, &r) {
		return r.Reason()
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return "deadline"
	}
	return "error"
}

// waitFor returns how long to wait for a window that resets at reset: until
// then plus half a second (X's reset is in whole seconds).
func waitFor(reset, now time.Time) time.Duration {
	d := reset.Sub(now) + 500*time.Millisecond
	if d < 0 {
		return 0
	}
	return d
}
