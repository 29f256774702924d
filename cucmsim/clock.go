package cucmsim

import (
	"sync/atomic"
	"time"
)

// Clock tells the time. Tests inject a fake one; login expiry and the request log read it.
type Clock interface {
	Now() time.Time
}

// SystemClock is the real wall clock.
type SystemClock struct{}

// Now returns time.Now().
func (SystemClock) Now() time.Time { return time.Now() }

// simClock is the injected clock plus an offset moved forward by POST /v1/clock, so the
// simulator's notion of time can jump without touching the base clock.
type simClock struct {
	base   Clock
	offset atomic.Int64 // nanoseconds
}

func (c *simClock) Now() time.Time { return c.base.Now().Add(time.Duration(c.offset.Load())) }

func (c *simClock) advance(d time.Duration) { c.offset.Add(int64(d)) }

func (c *simClock) reset() { c.offset.Store(0) }

func (c *simClock) get() time.Duration { return time.Duration(c.offset.Load()) }

func (c *simClock) set(d time.Duration) { c.offset.Store(int64(d)) }
