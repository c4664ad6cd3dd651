package clock

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestNowIsUTCAndInjectable(t *testing.T) {
	fixed := time.Date(2026, 12, 1, 9, 0, 0, 0, time.FixedZone("CET", 3600))
	if got := Now(func() time.Time { return fixed }); !got.Equal(fixed) || got.Location() != time.UTC {
		t.Fatalf("Now(fixed) = %v, want %v in UTC", got, fixed)
	}
	if got := Now(nil); got.Location() != time.UTC || time.Since(got) > time.Minute {
		t.Fatalf("Now(nil) = %v, want the wall clock in UTC", got)
	}
}

func TestSleepUsesTheInjectedSleepOrWaits(t *testing.T) {
	var slept time.Duration
	fake := func(_ context.Context, d time.Duration) error { slept = d; return nil }
	if err := Sleep(context.Background(), fake, time.Hour); err != nil || slept != time.Hour {
		t.Fatalf("Sleep with a fake slept %v, %v", slept, err)
	}
	began := time.Now()
	if err := Sleep(context.Background(), nil, 20*time.Millisecond); err != nil || time.Since(began) < 20*time.Millisecond {
		t.Fatalf("Sleep(nil) returned after %v, %v", time.Since(began), err)
	}
}

func TestWaitEndsWithItsContext(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
	defer cancel()
	if err := Wait(ctx, time.Hour); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Wait = %v, want the context's deadline", err)
	}
}
