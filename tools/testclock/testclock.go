// Package testclock is a clock that tests set and move by hand (the X
// sandbox's clock, the dev gateway's token buckets, the keyring's
// once-a-minute reload). Safe for concurrent use. Tests only.
package testclock

import (
	"sync"
	"time"
)

// Clock is a clock that moves only when Advance moves it.
type Clock struct {
	mu  sync.Mutex
	now time.Time
}

// New returns a clock that reads t.
func New(t time.Time) *Clock { return &Clock{now: t} }

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Advance moves the clock by d.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}
