package emclient

import (
	"context"
	"strings"
	"sync"
)

// deviceLocks serialises requests per device within one cluster: two
// requests for one device never run concurrently, so a login cannot race a
// logout or a reconciliation query of the same phone. Entries live only
// while someone holds or waits for them.
type deviceLocks struct {
	mu    sync.Mutex
	locks map[string]*deviceLock
}

type deviceLock struct {
	ch   chan struct{} // buffered(1): full while held
	refs int
}

func newDeviceLocks() *deviceLocks {
	return &deviceLocks{locks: map[string]*deviceLock{}}
}

// lock waits for device (case-insensitive, as CUCM device names are) until
// ctx is done. It returns the unlock function or ctx's error.
func (d *deviceLocks) lock(ctx context.Context, device string) (func(), error) {
	key := strings.ToUpper(device)
	d.mu.Lock()
	l := d.locks[key]
	if l == nil {
		l = &deviceLock{ch: make(chan struct{}, 1)}
		d.locks[key] = l
	}
	l.refs++
	d.mu.Unlock()

	select {
	case l.ch <- struct{}{}:
		return func() {
			<-l.ch
			d.unref(key, l)
		}, nil
	case <-ctx.Done():
		d.unref(key, l)
		return nil, ctx.Err()
	}
}

func (d *deviceLocks) unref(key string, l *deviceLock) {
	d.mu.Lock()
	defer d.mu.Unlock()
	l.refs--
	if l.refs == 0 {
		delete(d.locks, key)
	}
}

func (d *deviceLocks) size() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return len(d.locks)
}
