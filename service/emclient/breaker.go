package emclient

import (
	"sync"
	"time"
)

// breaker is a per-node circuit breaker: after `failures` consecutive
// transport failures the node is skipped for `cooldown`; then a single probe
// is let through (half-open). A success closes the breaker, a failed probe
// opens it for another cooldown. An EM error answer counts as a success: the
// node is healthy, the request was refused.
type breaker struct {
	failures int
	cooldown time.Duration
	now      func() time.Time

	mu          sync.Mutex
	consecutive int
	openUntil   time.Time // zero: closed
	probing     bool      // half-open probe in flight
}

func newBreaker(failures int, cooldown time.Duration, now func() time.Time) *breaker {
	return &breaker{failures: failures, cooldown: cooldown, now: now}
}

// allow reports whether a request may go to the node now. In the half-open
// state only one caller gets true until that probe reports back.
func (b *breaker) allow() bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.openUntil.IsZero() {
		return true
	}
	if b.now().Before(b.openUntil) || b.probing {
		return false
	}
	b.probing = true
	return true
}

// success closes the breaker.
func (b *breaker) success() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.consecutive, b.openUntil, b.probing = 0, time.Time{}, false
}

// failure counts a transport failure and opens the breaker at the threshold
// or when a half-open probe fails.
func (b *breaker) failure() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.consecutive++
	if b.probing || b.consecutive >= b.failures {
		b.openUntil = b.now().Add(b.cooldown)
	}
	b.probing = false
}

// state names the breaker state for logs and tests.
func (b *breaker) state() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	switch {
	case b.openUntil.IsZero():
		return "closed"
	case b.now().Before(b.openUntil):
		return "open"
	}
	return "half-open"
}
