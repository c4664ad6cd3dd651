package xsandbox

import (
	"maps"
	"math"
	"strconv"
	"time"
)

// An endpoint without a configured limit still reports honest headers: it
// counts calls in 15-minute windows against a limit no client will reach.
const (
	unlimited     = math.MaxInt32
	defaultWindow = 15 * time.Minute
)

type rateLimit struct {
	limit  int
	window time.Duration
}

type windowKey struct{ endpoint, userID string }

type rateWindow struct {
	start time.Time
	used  int
}

// rateLimiter keeps X-style fixed windows per (endpoint, authenticated user).
// The caller holds the sandbox lock.
type rateLimiter struct {
	limits  map[string]rateLimit
	windows map[windowKey]*rateWindow
}

// rateState is what the x-rate-limit-* headers report.
type rateState struct {
	limit, remaining int
	reset            time.Time
}

// setHeaders adds X's rate-limit headers; the reset is in epoch seconds,
// rounded up so that a client waiting until then is never early.
func (st rateState) setHeaders(rep *reply) {
	reset := st.reset.Unix()
	if st.reset.After(time.Unix(reset, 0)) {
		reset++
	}
	rep.setHeader("x-rate-limit-limit", strconv.Itoa(st.limit))
	rep.setHeader("x-rate-limit-remaining", strconv.Itoa(st.remaining))
	rep.setHeader("x-rate-limit-reset", strconv.FormatInt(reset, 10))
}

func (rl *rateLimiter) config(endpoint string) rateLimit {
	if c, ok := rl.limits[endpoint]; ok {
		return c
	}
	return rateLimit{limit: unlimited, window: defaultWindow}
}

// take counts one request and reports whether it is within the limit, in
// the window in force at now: a new one when the previous has ended.
func (rl *rateLimiter) take(endpoint, userID string, now time.Time) (rateState, bool) {
	c := rl.config(endpoint)
	key := windowKey{endpoint, userID}
	w := rl.windows[key]
	if w == nil || !now.Before(w.start.Add(c.window)) {
		w = &rateWindow{start: now}
		rl.windows[key] = w
	}
	st := rateState{limit: c.limit, reset: w.start.Add(c.window)}
	if w.used >= c.limit {
		return st, false
	}
	w.used++
	st.remaining = c.limit - w.used
	return st, true
}

// peek reports the state without counting a request.
func (rl *rateLimiter) peek(endpoint, userID string, now time.Time) rateState {
	c := rl.config(endpoint)
	w := rl.windows[windowKey{endpoint, userID}]
	if w == nil || !now.Before(w.start.Add(c.window)) {
		return rateState{limit: c.limit, remaining: c.limit, reset: now.Add(c.window)}
	}
	return rateState{limit: c.limit, remaining: max(c.limit-w.used, 0), reset: w.start.Add(c.window)}
}

// SetRateLimit limits endpoint to limit requests per window, counted per
// authenticated user (per app on the OAuth endpoints), in fixed windows that
// start with the first request. A limit of 0 removes the limit. A window of
// 0 means 15 minutes. Windows in progress for endpoint start over.
//
// v2 answers always carry x-rate-limit-limit, -remaining and -reset (epoch
// seconds); an exhausted window answers 429 until its reset. The OAuth
// endpoints carry the headers only while a limit is set, and answer 429 with
// X code 88 when it is exhausted.
func (s *Sandbox) SetRateLimit(endpoint string, limit int, window time.Duration) {
	if window <= 0 {
		window = defaultWindow
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if limit <= 0 {
		delete(s.limits.limits, endpoint)
	} else {
		s.limits.limits[endpoint] = rateLimit{limit: limit, window: window}
	}
	maps.DeleteFunc(s.limits.windows, func(k windowKey, _ *rateWindow) bool { return k.endpoint == endpoint })
}
