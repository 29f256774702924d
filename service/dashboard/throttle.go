package dashboard

import (
	"container/list"
	"strings"
	"sync"
	"time"

	"github.com/emconnector/emconnector/service"
)

// ThrottleOptions shape the sign-in throttle (cmd/bcservice/README.md,
// "Dashboard sign-in"). Zero values take the defaults.
type ThrottleOptions struct {
	// Free failures of one name from one client address are allowed in a
	// row; each further attempt of that pair waits Base, doubling up to
	// Max (defaults 3, 1 s, 5 min). The pair's success clears it.
	Free      int
	Base, Max time.Duration
	// AddressFree is Free for one client address whatever the names it
	// tries (default 10), with the same backoff.
	AddressFree int
	// NameLimit failures of one name within Window, from any addresses,
	// refuse that name from every address until the window ends (default
	// 50; negative turns it off). It is far above Free so that the
	// failures of one address never lock the right person out of another.
	NameLimit int
	// Window is the per-name window, and how long a key is remembered
	// after its last failure (default 15 min, at least Max).
	Window time.Duration
	// MaxKeys bounds the keys kept (default 100 000); when full, the key
	// whose last failure is the oldest is forgotten.
	MaxKeys int
}

func (o ThrottleOptions) withDefaults() ThrottleOptions {
	if o.Free <= 0 {
		o.Free = 3
	}
	if o.Base <= 0 {
		o.Base = time.Second
	}
	if o.Max <= 0 {
		o.Max = 5 * time.Minute
	}
	if o.AddressFree <= 0 {
		o.AddressFree = 10
	}
	if o.NameLimit == 0 {
		o.NameLimit = 50
	}
	if o.Window <= 0 {
		o.Window = 15 * time.Minute
	}
	o.Window = max(o.Window, o.Max)
	if o.MaxKeys <= 0 {
		o.MaxKeys = 100_000
	}
	return o
}

// Why an attempt was throttled, as the audit event's "limit" says.
const (
	limitPair    = "name+address"
	limitAddress = "address"
	limitName    = "name"
)

// throttle counts sign-in failures under three keys: the pair of name and
// address, the address, and the name. An attempt counts as a failure
// when it is admitted (reserve), before its bcrypt comparison, so that N
// attempts at once count as N; a success gives its count back.
type throttle struct {
	opts ThrottleOptions
	now  func() time.Time
	mu   sync.Mutex
	keys map[string]*list.Element // of *failures
	lru  *list.List               // oldest last failure first
}

type failures struct {
	key         string
	n           int
	first, last time.Time
}

// ticket is an admitted attempt: its keys, to give its count back.
type ticket struct {
	pair, addr, name string
}

func newThrottle(o ThrottleOptions, now func() time.Time) *throttle {
	return &throttle{opts: o.withDefaults(), now: now, keys: map[string]*list.Element{}, lru: list.New()}
}

func throttleKeys(name, addr string) ticket {
	// A name longer than any user's cannot sign in; capping it bounds the
	// key and only lets over-long names share one.
	name = service.Storable(name, service.MaxNameBytes)
	return ticket{pair: "p:" + addr + "\x00" + name, addr: "a:" + addr, name: "n:" + name}
}

// reserve admits an attempt of name from addr and counts it as a failure
// under each key; a refused attempt gets the wait and which limit refused
// it, and counts nowhere.
func (t *throttle) reserve(name, addr string) (tk ticket, wait time.Duration, limit string) {
	tk = throttleKeys(name, addr)
	now := t.now()
	t.mu.Lock()
	defer t.mu.Unlock()
	t.prune(now)
	for _, c := range []struct {
		key, limit string
		wait       func(*failures, time.Time) time.Duration
	}{
		{tk.pair, limitPair, t.backoff(t.opts.Free)},
		{tk.addr, limitAddress, t.backoff(t.opts.AddressFree)},
		{tk.name, limitName, t.nameWait},
	} {
		if f := t.get(c.key, now); f != nil {
			if w := c.wait(f, now); w > wait {
				wait, limit = w, c.limit
			}
		}
	}
	if wait > 0 {
		return ticket{}, wait, limit
	}
	for _, k := range []string{tk.pair, tk.addr, tk.name} {
		t.count(k, now)
	}
	return tk, 0, ""
}

// backoff is the wait of a key allowed free failures in a row.
func (t *throttle) backoff(free int) func(*failures, time.Time) time.Duration {
	return func(f *failures, now time.Time) time.Duration {
		if f.n < free {
			return 0
		}
		delay := t.opts.Base << min(f.n-free, 20)
		if delay > t.opts.Max || delay <= 0 {
			delay = t.opts.Max
		}
		return max(f.last.Add(delay).Sub(now), 0)
	}
}

// nameWait refuses a name that failed NameLimit times in its window.
func (t *throttle) nameWait(f *failures, now time.Time) time.Duration {
	if t.opts.NameLimit < 0 || f.n < t.opts.NameLimit {
		return 0
	}
	return max(f.first.Add(t.opts.Window).Sub(now), 0)
}

// succeeded clears the pair's failures and gives the address's and the
// name's count of this attempt back: a success of one name does not
// clear what the address did with other names.
func (t *throttle) succeeded(tk ticket) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.drop(tk.pair)
	t.giveBack(tk.addr)
	t.giveBack(tk.name)
}

// cancel gives back the count of an attempt that did not take place (the
// bcrypt pool was full).
func (t *throttle) cancel(tk ticket) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for _, k := range []string{tk.pair, tk.addr, tk.name} {
		t.giveBack(k)
	}
}

// get returns key's failures, nil when it has none; a key whose window has
// passed starts over.
func (t *throttle) get(key string, now time.Time) *failures {
	e, ok := t.keys[key]
	if !ok {
		return nil
	}
	f := e.Value.(*failures)
	if isNameKey(key) && now.Sub(f.first) >= t.opts.Window || now.Sub(f.last) >= t.opts.Window {
		t.drop(key)
		return nil
	}
	return f
}

// isNameKey tells the per-name keys, counted in a fixed window from their
// first failure, from the backoff keys.
func isNameKey(key string) bool { return strings.HasPrefix(key, "n:") }

func (t *throttle) count(key string, now time.Time) {
	if f := t.get(key, now); f != nil {
		f.n++
		f.last = now
		t.lru.MoveToBack(t.keys[key])
		return
	}
	if len(t.keys) >= t.opts.MaxKeys {
		t.drop(t.lru.Front().Value.(*failures).key)
	}
	t.keys[key] = t.lru.PushBack(&failures{key: key, n: 1, first: now, last: now})
}

func (t *throttle) giveBack(key string) {
	e, ok := t.keys[key]
	if !ok {
		return
	}
	if f := e.Value.(*failures); f.n > 1 {
		f.n--
		return
	}
	t.drop(key)
}

func (t *throttle) drop(key string) {
	if e, ok := t.keys[key]; ok {
		t.lru.Remove(e)
		delete(t.keys, key)
	}
}

// prune forgets the keys without a failure for Window, oldest first, so
// that a spray of made-up names does not stay in memory.
func (t *throttle) prune(now time.Time) {
	for e := t.lru.Front(); e != nil; e = t.lru.Front() {
		f := e.Value.(*failures)
		if now.Sub(f.last) < t.opts.Window {
			return
		}
		t.drop(f.key)
	}
}
