package history

import (
	"context"
	"sync"
	"time"
)

// Lazy is a Store opened on first use: a database that is down when the
// service starts does not stop the service, and each later call tries to
// open it again until it succeeds (the Writer's retries pace the tries).
type Lazy struct {
	open func(context.Context) (Store, error)

	mu    sync.Mutex
	store Store
}

// NewLazy returns a Store that calls open when first needed.
func NewLazy(open func(context.Context) (Store, error)) *Lazy {
	return &Lazy{open: open}
}

func (l *Lazy) get(ctx context.Context) (Store, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.store != nil {
		return l.store, nil
	}
	s, err := l.open(ctx)
	if err != nil {
		return nil, err
	}
	l.store = s
	return s, nil
}

// Insert implements Store.
func (l *Lazy) Insert(ctx context.Context, rows []Record) error {
	s, err := l.get(ctx)
	if err != nil {
		return err
	}
	return s.Insert(ctx, rows)
}

// Query implements Store.
func (l *Lazy) Query(ctx context.Context, q Query) (Page, error) {
	s, err := l.get(ctx)
	if err != nil {
		return Page{}, err
	}
	return s.Query(ctx, q)
}

// Purge implements Store.
func (l *Lazy) Purge(ctx context.Context, before time.Time, limit int) (int64, error) {
	s, err := l.get(ctx)
	if err != nil {
		return 0, err
	}
	return s.Purge(ctx, before, limit)
}

// Close closes the store if it was opened.
func (l *Lazy) Close() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.store == nil {
		return nil
	}
	err := l.store.Close()
	l.store = nil
	return err
}
