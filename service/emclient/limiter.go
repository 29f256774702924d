package emclient

import (
	"context"
	"sync"

	"github.com/emconnector/emconnector/service"
)

// lanes is how many service.Lane values there are.
const lanes = 2

// limiter bounds concurrent login/logout requests towards one cluster (like
// CUCM's Maximum Concurrent Requests, so our own traffic never provokes
// CUCM's busy code 26) with a bounded wait queue: when `max` requests run
// and `queue` wait, the next caller is refused at once.
//
// The waiters queue by lane (service.LaneOf their context), oldest first in
// each: a freed slot is handed to the oldest interactive waiter, and to a
// scheduled one only when no interactive request waits, so scheduled work
// (bookings, sweeps) yields to people (cmd/bcservice/README.md, "Sweeps").
type limiter struct {
	max   int
	queue int

	mu      sync.Mutex
	held    int
	waiting [lanes][]*ticket
	nwait   int
	// waits counts the callers that had to queue, by lane (Stats).
	waits [lanes]int64
}

// ticket is one waiter: ready is closed when a slot was handed to it.
type ticket struct{ ready chan struct{} }

func newLimiter(max, queue int) *limiter {
	return &limiter{max: max, queue: queue}
}

// limitError is why acquire failed: the queue was full, or ctx ended first.
type limitError struct{ full bool }

func (e *limitError) Error() string {
	if e.full {
		return "wait queue full"
	}
	return "deadline passed while waiting for a slot"
}

// laneIndex is lane as an index into the queues.
func laneIndex(lane service.Lane) int {
	if lane == service.LaneScheduled {
		return 1
	}
	return 0
}

// acquire takes a slot, waiting in ctx's lane until ctx is done. It returns
// a release function, or a *limitError when the queue is full or ctx ended
// first.
func (l *limiter) acquire(ctx context.Context) (func(), error) {
	lane := laneIndex(service.LaneOf(ctx))
	l.mu.Lock()
	if l.held < l.max {
		// Free slots exist only while nobody waits: release hands over.
		l.held++
		l.mu.Unlock()
		return l.release, nil
	}
	if l.nwait >= l.queue {
		l.mu.Unlock()
		return nil, &limitError{full: true}
	}
	t := &ticket{ready: make(chan struct{})}
	l.waiting[lane] = append(l.waiting[lane], t)
	l.nwait++
	l.waits[lane]++
	l.mu.Unlock()
	select {
	case <-t.ready:
		return l.release, nil
	case <-ctx.Done():
	}
	if l.leave(lane, t) {
		return nil, &limitError{}
	}
	// Handed a slot while leaving: pass it on.
	l.release()
	return nil, &limitError{}
}

// leave takes t out of its queue; false means a slot was handed to it
// already.
func (l *limiter) leave(lane int, t *ticket) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for i, x := range l.waiting[lane] {
		if x == t {
			l.waiting[lane] = append(l.waiting[lane][:i], l.waiting[lane][i+1:]...)
			l.nwait--
			return true
		}
	}
	return false
}

// release hands the slot to the next waiter, most urgent lane first, or
// frees it.
func (l *limiter) release() {
	l.mu.Lock()
	defer l.mu.Unlock()
	for lane := range l.waiting {
		if q := l.waiting[lane]; len(q) > 0 {
			t := q[0]
			q[0] = nil
			l.waiting[lane] = q[1:]
			l.nwait--
			close(t.ready)
			return
		}
	}
	l.held--
}

// capacity is the number of slots.
func (l *limiter) capacity() int { return l.max }

// inFlight and queued report the current load (Stats, for the metrics).
func (l *limiter) inFlight() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.held
}

func (l *limiter) queued() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.nwait
}

// queuedIn is how many wait in lane, and how many ever waited there.
func (l *limiter) queuedIn(lane service.Lane) (now int, total int64) {
	i := laneIndex(lane)
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.waiting[i]), l.waits[i]
}
