package service

import (
	"container/list"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Defaults of the device-location cache (cmd/bcservice/README.md, "Cluster routing").
const (
	DefaultLocationTTL  = 10 * time.Minute
	DefaultLocationSize = 100_000
)

// locations remembers which cluster a search found a device in, so that
// clients that never name a cluster do not multiply CUCM's query load by
// the number of clusters. Bounded (least recently used entries go first)
// and timed; an entry is dropped when its cluster says the device does not
// exist. Device names match case-insensitively, like cluster codes.
type locations struct {
	ttl  time.Duration
	size int
	now  func() time.Time

	mu      sync.Mutex
	entries map[string]*list.Element
	order   *list.List // front: most recently used

	hits, misses atomic.Uint64
}

type location struct {
	key     string
	cluster Cluster
	expires time.Time
}

// LocationStats are the counters of the device-location cache.
type LocationStats struct {
	Hits, Misses uint64
	Size         int
}

func newLocations(ttl time.Duration, size int, now func() time.Time) *locations {
	if ttl <= 0 {
		ttl = DefaultLocationTTL
	}
	if size <= 0 {
		size = DefaultLocationSize
	}
	if now == nil {
		now = time.Now
	}
	return &locations{ttl: ttl, size: size, now: now, entries: map[string]*list.Element{}, order: list.New()}
}

// get returns the cluster remembered for device, counting a hit or a miss.
func (l *locations) get(device string) Cluster {
	key := strings.ToUpper(device)
	l.mu.Lock()
	el, ok := l.entries[key]
	if ok && l.now().After(el.Value.(*location).expires) {
		l.remove(el)
		ok = false
	}
	var cl Cluster
	if ok {
		l.order.MoveToFront(el)
		cl = el.Value.(*location).cluster
	}
	l.mu.Unlock()
	if ok {
		l.hits.Add(1)
	} else {
		l.misses.Add(1)
	}
	return cl
}

// put remembers that device lives in cl.
func (l *locations) put(device string, cl Cluster) {
	key := strings.ToUpper(device)
	l.mu.Lock()
	defer l.mu.Unlock()
	exp := l.now().Add(l.ttl)
	if el, ok := l.entries[key]; ok {
		loc := el.Value.(*location)
		loc.cluster, loc.expires = cl, exp
		l.order.MoveToFront(el)
		return
	}
	l.entries[key] = l.order.PushFront(&location{key: key, cluster: cl, expires: exp})
	for l.order.Len() > l.size {
		l.remove(l.order.Back())
	}
}

// forget drops device (its cluster said it does not exist there).
func (l *locations) forget(device string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if el, ok := l.entries[strings.ToUpper(device)]; ok {
		l.remove(el)
	}
}

func (l *locations) remove(el *list.Element) {
	delete(l.entries, el.Value.(*location).key)
	l.order.Remove(el)
}

func (l *locations) stats() LocationStats {
	l.mu.Lock()
	n := l.order.Len()
	l.mu.Unlock()
	return LocationStats{Hits: l.hits.Load(), Misses: l.misses.Load(), Size: n}
}
