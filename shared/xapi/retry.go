package xapi

import (
	"context"
	"errors"
	"time"

	"github.com/twitter-sessions/twitter-sessions/shared/clock"
)

// Retry is the one policy for calls to X, with every option explicit (each
// function's values are in its row of shared/app/boot's timing table): try again on 5xx, on 429 (waiting until
// x-rate-limit-reset when X names it) and on a missing answer, but only while
// the wait still fits in the caller's deadline. A usage-capped 429 and every
// other 4xx end at once. With Writes, a 5xx and a missing answer end at once
// too.
type Retry struct {
	Attempts int           // total tries, at least 1
	Backoff  time.Duration // first wait after a 5xx, a missing answer or a 429 without a reset; doubles
	MaxWait  time.Duration // never wait longer than this for one retry
	// Writes says the calls change something at X (a DM, a post, a follow).
	// X may have acted and then answered 5xx, or acted with the answer lost
	// (OutcomeUnknown): repeating the call could act twice, so only a 429,
	// which X answers before acting, is tried again. Reads and the OAuth
	// token calls leave it off.
	Writes bool
	// Margin is kept free before the deadline for the work after the call
	// (writing the outcome, answering the browser).
	Margin time.Duration
	Now    func() time.Time
	Sleep  func(ctx context.Context, d time.Duration) error
}

// Do calls fn until it succeeds, fails for good, or the policy runs out.
// fn must build and sign a fresh request each time: a signed OAuth request
// carries a nonce that X refuses to see twice.
func (r Retry) Do(ctx context.Context, fn func(ctx context.Context) error) error {
	now := func() time.Time { return clock.Now(r.Now) }
	sleep := func(ctx context.Context, d time.Duration) error { return clock.Sleep(ctx, r.Sleep, d) }
	backoff := r.Backoff
	var err error
	for attempt := 1; ; attempt++ {
		if err = fn(ctx); err == nil {
			return nil
		}
		if attempt >= max(r.Attempts, 1) {
			return err
		}
		wait, ok := r.wait(err, backoff, now())
		if !ok {
			return err
		}
		if dl, has := ctx.Deadline(); has && now().Add(wait+r.Margin).After(dl) {
			return err
		}
		if serr := sleep(ctx, wait); serr != nil {
			return err
		}
		backoff *= 2
	}
}

func (r Retry) wait(err error, backoff time.Duration, now time.Time) (time.Duration, bool) {
	var xe *Error
	switch {
	case r.Writes && OutcomeUnknown(err):
		return 0, false
	case errors.As(err, &xe):
		if !xe.Retryable() {
			return 0, false
		}
		if xe.Status == 429 && xe.Limit.Known && !xe.Limit.Reset.IsZero() {
			w := max(WaitFor(xe.Limit.Reset, now), backoff)
			if r.MaxWait > 0 && w > r.MaxWait {
				return 0, false
			}
			return w, true
		}
	case errors.Is(err, ErrTimeout), errors.Is(err, ErrUnreachable):
	default:
		return 0, false
	}
	if r.MaxWait > 0 && backoff > r.MaxWait {
		backoff = r.MaxWait
	}
	return backoff, true
}
