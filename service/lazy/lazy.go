// Package lazy holds Value, a dependency opened on first use: a database
// that is away when the service starts costs the requests that need it
// until it is back, never the start.
package lazy

import (
	"context"
	"sync"
)

// Value is a T opened on first use and again after a failed open. One
// open runs at a time and no lock is held while it dials: the callers that
// arrive meanwhile wait for it (or for their own context), and a failed
// open is theirs too; the next Get tries again.
type Value[T any] struct {
	open  func(context.Context) (T, error)
	close func(T) error

	mu      sync.Mutex
	v       T
	ok      bool
	opening chan struct{} // closed when the open in progress ends; nil when none
	err     error         // of the last open, for its waiters
	// gen counts Closes: an open that began before a Close does not
	// publish its value (it closes it).
	gen uint64
}

// New returns a Value that calls open when first needed and close (which
// may be nil) on Close.
func New[T any](open func(context.Context) (T, error), close func(T) error) *Value[T] {
	return &Value[T]{open: open, close: close}
}

// Get returns the value, opening it if needed.
func (l *Value[T]) Get(ctx context.Context) (T, error) {
	var zero T
	for {
		l.mu.Lock()
		switch {
		case l.ok:
			v := l.v
			l.mu.Unlock()
			return v, nil
		case l.opening != nil:
			wait := l.opening
			l.mu.Unlock()
			select {
			case <-wait:
			case <-ctx.Done():
				return zero, ctx.Err()
			}
			l.mu.Lock()
			ok, err := l.ok, l.err
			l.mu.Unlock()
			if !ok && err != nil {
				return zero, err
			}
			continue
		}
		done := make(chan struct{})
		l.opening = done
		gen := l.gen
		l.mu.Unlock()
		return l.dial(ctx, done, gen)
	}
}

// dial opens the value outside the lock and publishes the outcome.
func (l *Value[T]) dial(ctx context.Context, done chan struct{}, gen uint64) (T, error) {
	v, err := l.open(ctx)
	l.mu.Lock()
	defer l.mu.Unlock()
	defer close(done)
	if l.opening == done {
		l.opening = nil
	}
	l.err = err
	if err != nil {
		var zero T
		return zero, err
	}
	if l.gen != gen { // Close came while dialling: the value is not kept
		if l.close != nil {
			_ = l.close(v)
		}
		var zero T
		return zero, ErrClosed
	}
	l.v, l.ok = v, true
	return v, nil
}

// Close closes the value if it was opened (an open in progress closes
// what it opens); a later Get opens it again.
func (l *Value[T]) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.gen++
	l.opening = nil
	if !l.ok {
		return nil
	}
	var zero T
	v := l.v
	l.v, l.ok = zero, false
	if l.close == nil {
		return nil
	}
	return l.close(v)
}

// ErrClosed is returned by a Get whose open was overtaken by Close.
var ErrClosed = closedError{}

type closedError struct{}

func (closedError) Error() string { return "lazy: closed" }
