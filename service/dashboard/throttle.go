package dashboard

import (
	"sync"
	"time"
)

// ThrottleOptions shape the sign-in backoff: after Free failures in a row
// for a user name or a client address, each further attempt must wait
// Base, doubling up to Max. A success clears both.
type ThrottleOptions struct {
	Free      int
	Base, Max time.Duration
}

type throttle struct {
	opts ThrottleOptions
	now  func() time.Time
	mu   sync.Mutex
	keys map[string]*failures
}

type failures struct {
	n    int
	last time.Time
}

func newThrottle(o ThrottleOptions, now func() time.Time) *throttle {
	if o.Free <= 0 {
		o.Free = 3
	}
	if o.Base <= 0 {
		o.Base = time.Second
	}
	if o.Max <= 0 {
		o.Max = 5 * time.Minute
	}
	return &throttle{opts: o, now: now, keys: map[string]*failures{}}
}

// wait returns how long the user or the client must still wait.
func (t *throttle) wait(user, client string) time.Duration {
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	return max(t.waitKey("u:"+user, now), t.waitKey("c:"+client, now))
}

func (t *throttle) waitKey(key string, now time.Time) time.Duration {
	f, ok := t.keys[key]
	if !ok || f.n < t.opts.Free {
		return 0
	}
	delay := t.opts.Base << min(f.n-t.opts.Free, 20)
	if delay > t.opts.Max || delay <= 0 {
		delay = t.opts.Max
	}
	return max(f.last.Add(delay).Sub(now), 0)
}

func (t *throttle) fail(user, client string) {
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range []string{"u:" + user, "c:" + client} {
		f := t.keys[k]
		if f == nil {
			f = &failures{}
			t.keys[k] = f
		}
		f.n++
		f.last = now
	}
	t.forget(now)
}

func (t *throttle) succeed(user, client string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.keys, "u:"+user)
	delete(t.keys, "c:"+client)
}

// forget drops keys idle longer than Max, bounding the map under a spray
// of made-up names.
func (t *throttle) forget(now time.Time) {
	if len(t.keys) < 10_000 {
		return
	}
	for k, f := range t.keys {
		if now.Sub(f.last) > t.opts.Max {
			delete(t.keys, k)
		}
	}
}
