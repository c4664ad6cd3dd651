// Package clock is the injectable time of the use cases and the retry
// policy: each takes optional Now and Sleep functions (tests move a clock
// of their own), and a nil one means the wall clock. Time is UTC, as it is
// stored.
package clock

import (
	"context"
	"time"
)

// Now is now() in UTC, or the wall clock's time when now is nil.
func Now(now func() time.Time) time.Time {
	if now != nil {
		return now().UTC()
	}
	return time.Now().UTC()
}

// Sleep waits d with sleep, or with Wait when sleep is nil.
func Sleep(ctx context.Context, sleep func(context.Context, time.Duration) error, d time.Duration) error {
	if sleep != nil {
		return sleep(ctx, d)
	}
	return Wait(ctx, d)
}

// Wait waits for d or until ctx ends, whichever comes first.
func Wait(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
