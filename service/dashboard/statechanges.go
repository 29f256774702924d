package dashboard

import (
	"sync"
	"time"
)

// maxStateChanges bounds the breaker state changes kept: enough for a
// day of a flapping node, small enough never to matter.
const maxStateChanges = 512

// StateChange is one change of a CUCM node's breaker state, as this
// process saw it (closed, open, half-open).
type StateChange struct {
	At            time.Time
	Cluster, Node string
	From, To      string
}

// stateRing keeps the latest maxStateChanges changes. It is safe for
// concurrent use.
type stateRing struct {
	mu   sync.Mutex
	buf  []StateChange
	next int // where the next change goes once buf is full
}

func (r *stateRing) add(c StateChange) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.buf) < maxStateChanges {
		r.buf = append(r.buf, c)
		return
	}
	r.buf[r.next] = c
	r.next = (r.next + 1) % maxStateChanges
}

// since returns the changes at or after from, oldest first.
func (r *stateRing) since(from time.Time) []StateChange {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []StateChange
	for i := range r.buf {
		c := r.buf[(r.next+i)%len(r.buf)]
		if !c.At.Before(from) {
			out = append(out, c)
		}
	}
	return out
}
