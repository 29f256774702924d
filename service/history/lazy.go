package history

import (
	"context"
	"time"

	"github.com/emconnector/emconnector/service/lazy"
)

// Lazy is a Store opened on first use: a database that is down when the
// service starts does not stop the service, and each later call tries to
// open it again until it succeeds (the Writer's retries pace the tries).
// No lock is held while it dials (lazy.Value).
type Lazy struct {
	store *lazy.Value[Store]
}

// NewLazy returns a Store that calls open when first needed.
func NewLazy(open func(context.Context) (Store, error)) *Lazy {
	return &Lazy{store: lazy.New(open, Store.Close)}
}

// Insert implements Store.
func (l *Lazy) Insert(ctx context.Context, rows []Record) error {
	s, err := l.store.Get(ctx)
	if err != nil {
		return err
	}
	return s.Insert(ctx, rows)
}

// Query implements Store.
func (l *Lazy) Query(ctx context.Context, q Query) (Page, error) {
	s, err := l.store.Get(ctx)
	if err != nil {
		return Page{}, err
	}
	return s.Query(ctx, q)
}

// Purge implements Store.
func (l *Lazy) Purge(ctx context.Context, before time.Time, limit int) (int64, error) {
	s, err := l.store.Get(ctx)
	if err != nil {
		return 0, err
	}
	return s.Purge(ctx, before, limit)
}

// Close closes the store if it was opened.
func (l *Lazy) Close() error { return l.store.Close() }

// Rollups returns the opened store's rollups (ErrNoRollups when it keeps
// none): the usage reports and the rollup job reach them through it.
func (l *Lazy) Rollups(ctx context.Context) (RollupStore, error) {
	s, err := l.store.Get(ctx)
	if err != nil {
		return nil, err
	}
	if rs, ok := s.(RollupStore); ok {
		return rs, nil
	}
	return nil, ErrNoRollups
}
