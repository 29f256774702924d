package emclient

import (
	"context"
	"sync"
)

// limiter bounds concurrent login/logout requests towards one cluster (like
// CUCM's Maximum Concurrent Requests, so our own traffic never provokes
// CUCM's busy code 26) with a bounded wait queue: when `max` requests run
// and `queue` wait, the next caller is refused at once.
type limiter struct {
	slots chan struct{}
	queue int

	mu      sync.Mutex
	waiting int
}

func newLimiter(max, queue int) *limiter {
	return &limiter{slots: make(chan struct{}, max), queue: queue}
}

// limitError is why acquire failed: the queue was full, or ctx ended first.
type limitError struct{ full bool }

func (e *limitError) Error() string {
	if e.full {
		return "wait queue full"
	}
	return "deadline passed while waiting for a slot"
}

// acquire takes a slot, waiting until ctx is done. It returns a release
// function, or a *limitError when the queue is full or ctx ended first.
func (l *limiter) acquire(ctx context.Context) (func(), error) {
	select {
	case l.slots <- struct{}{}:
		return l.release, nil
	default:
	}
	l.mu.Lock()
	if l.waiting >= l.queue {
		l.mu.Unlock()
		return nil, &limitError{full: true}
	}
	l.waiting++
	l.mu.Unlock()
	defer func() {
		l.mu.Lock()
		l.waiting--
		l.mu.Unlock()
	}()
	select {
	case l.slots <- struct{}{}:
		return l.release, nil
	case <-ctx.Done():
		return nil, &limitError{}
	}
}

func (l *limiter) release() { <-l.slots }

// inFlight and queued report the current load (Stats, for the metrics).
func (l *limiter) inFlight() int { return len(l.slots) }

func (l *limiter) queued() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.waiting
}
