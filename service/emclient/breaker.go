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

	// changed, when set, learns each state change (OnBreaker), called
	// without the lock held.
	changed func(from, to string, at time.Time)
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
	now, before, until := b.now(), b.stateLocked(b.now()), b.openUntil
	b.consecutive, b.openUntil, b.probing = 0, time.Time{}, false
	b.report(now, before, until)
}

// failure counts a transport failure and opens the breaker at the threshold
// or when a half-open probe fails.
func (b *breaker) failure() {
	b.mu.Lock()
	now, before, until := b.now(), b.stateLocked(b.now()), b.openUntil
	b.consecutive++
	if b.probing || b.consecutive >= b.failures {
		b.openUntil = now.Add(b.cooldown)
	}
	b.probing = false
	b.report(now, before, until)
}

// report unlocks b and tells changed what changed: the move to half-open
// happened when the open period ended (until), the move out of it now.
func (b *breaker) report(now time.Time, before string, until time.Time) {
	after := b.stateLocked(now)
	b.mu.Unlock()
	if b.changed == nil {
		return
	}
	if before == "half-open" {
		b.changed("open", "half-open", until)
	}
	if after != before {
		b.changed(before, after, now)
	}
}

// state names the breaker state for logs and tests.
func (b *breaker) state() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.stateLocked(b.now())
}

func (b *breaker) stateLocked(now time.Time) string {
	switch {
	case b.openUntil.IsZero():
		return "closed"
	case now.Before(b.openUntil):
		return "open"
	}
	return "half-open"
}
