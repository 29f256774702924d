package postgres

import (
	"context"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/emconnector/emconnector/service"
)

// slot is one of a cluster's shared slots held by this replica: the
// session holding its advisory lock, and how many requests in a row it has
// served without going back to PostgreSQL.
type slot struct {
	conn     *pgxpool.Conn
	key      int32
	index    int32
	handoffs int
	// mu serialises the statements on conn: the request that handed the
	// slot over may still be unlocking its device on it. lost means the
	// session was closed after a failed statement (the lock went with it).
	mu   sync.Mutex
	lost bool
}

// budget is this replica's side of one cluster's shared budget: its
// requests that hold their device lock and wait for a slot, oldest first.
// A request that finishes hands its slot to the oldest of them directly
// (interactive before scheduled: people first),
// which saves a release and a retake through PostgreSQL per request while
// the cluster is saturated.
type budget struct {
	mu      sync.Mutex
	waiting []*waiter
	// pokes counts the releases notified for the cluster. One release
	// wakes one waiter here (the oldest), not all of them: a freed slot
	// can serve one request, and every replica has its own oldest.
	pokes uint64
}

// waiter gets a slot handed over, or nil: try PostgreSQL again. Buffered(1):
// neither ever blocks. scheduled marks a request of service.LaneScheduled,
// which is served after every interactive waiter of this replica.
type waiter struct {
	got       chan *slot
	scheduled bool
}

// next takes the waiter to serve: the oldest interactive one, else the
// oldest; nil when none waits. Callers hold b.mu.
func (b *budget) next() *waiter {
	if len(b.waiting) == 0 {
		return nil
	}
	i := 0
	for j, w := range b.waiting {
		if !w.scheduled {
			i = j
			break
		}
	}
	w := b.waiting[i]
	b.waiting = append(b.waiting[:i], b.waiting[i+1:]...)
	return w
}

func (b *budget) waiters() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return len(b.waiting)
}

// handTo gives s to the next waiter (next), if any.
func (b *budget) handTo(s *slot) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	w := b.next()
	if w == nil {
		return false
	}
	w.got <- s
	return true
}

// generation is the count of pokes, read before trying PostgreSQL so that
// await sees a release that came in between.
func (b *budget) generation() uint64 {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.pokes
}

// poke tells the next waiter (next) that a slot was released somewhere.
func (b *budget) poke() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.pokes++
	if w := b.next(); w != nil {
		w.got <- nil
	}
}

// pokeAll wakes every waiter (the coordination went down: they go local).
func (b *budget) pokeAll() {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.pokes++
	for _, w := range b.waiting {
		w.got <- nil
	}
	b.waiting = nil
}

// remove takes w out of the queue; false means a slot was handed to w
// already.
func (b *budget) remove(w *waiter) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	for i, x := range b.waiting {
		if x == w {
			b.waiting = append(b.waiting[:i], b.waiting[i+1:]...)
			return true
		}
	}
	return false
}

// await queues for a slot until one is handed over (returned), a release
// is notified after generation `since` or poll passes (nil: try PostgreSQL
// again), or ctx ends (its error, with the slot when one was handed over at
// that very moment: the caller must pass it on).
func (b *budget) await(ctx context.Context, since uint64, poll time.Duration) (*slot, error) {
	w := &waiter{got: make(chan *slot, 1), scheduled: service.LaneOf(ctx) == service.LaneScheduled}
	b.mu.Lock()
	if b.pokes != since {
		b.mu.Unlock()
		return nil, nil
	}
	b.waiting = append(b.waiting, w)
	b.mu.Unlock()
	select {
	case s := <-w.got:
		return s, nil
	case <-time.After(poll):
	case <-ctx.Done():
	}
	if b.remove(w) {
		return nil, ctx.Err()
	}
	// Handed over or poked while we were leaving the queue.
	s := <-w.got
	if s == nil && ctx.Err() != nil {
		b.poke() // a slot is free: the next waiter tries instead of us
	}
	return s, ctx.Err()
}
