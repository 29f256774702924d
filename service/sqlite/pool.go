package sqlite

import (
	"context"
	"database/sql"
	"strconv"

	"github.com/emconnector/emconnector/service"
	"github.com/emconnector/emconnector/service/bookingsql"
	"github.com/emconnector/emconnector/service/history"
	"github.com/emconnector/emconnector/service/history/sqlstore"
	"github.com/emconnector/emconnector/service/lazy"
)

// Pool is the process's one handle on an SQLite file: the request history,
// the bookings and the sweeps share it, and it is opened, and migrated once, on first
// use (a file that cannot be opened at start costs the requests that need
// it, never the start).
type Pool struct {
	store *lazy.Value[*sqlstore.Store]
}

// NewPool returns the pool of the file at path, not yet opened.
func NewPool(path string) *Pool {
	return &Pool{store: lazy.New(func(ctx context.Context) (*sqlstore.Store, error) { return Open(ctx, path) }, (*sqlstore.Store).Close)}
}

// DB returns the database, opening (and migrating) it if needed.
func (p *Pool) DB(ctx context.Context) (*sql.DB, error) {
	s, err := p.store.Get(ctx)
	if err != nil {
		return nil, err
	}
	return s.DB(), nil
}

// Close closes the file; the stores on it fail until it is opened again.
func (p *Pool) Close() error { return p.store.Close() }

// History returns the history store on the pool; its Close leaves the
// pool open: the pool's owner closes it.
func (p *Pool) History() history.Store {
	return history.NewLazy(func(ctx context.Context) (history.Store, error) {
		s, err := p.store.Get(ctx)
		if err != nil {
			return nil, err
		}
		return borrowed{s}, nil
	})
}

// borrowed is a store on a pool it does not own.
type borrowed struct{ *sqlstore.Store }

func (borrowed) Close() error { return nil }

// Bookings returns the bookings on the pool (table bookings, migration
// 00003). SQLite has no row locks to share: one process is the only
// scheduler, and it serialises the overlap check and insert of Create.
func (p *Pool) Bookings() service.BookingStore {
	return bookingsql.New(p.DB, bookingsql.Dialect{Ph: func(n int) string { return "?" + strconv.Itoa(n) }})
}

// Sweeps returns the sweeps' runs, leases and login ages on the pool
// (migration 00004; cmd/bcservice/README.md, "Sweeps").
func (p *Pool) Sweeps() *sqlstore.Sweeps {
	return sqlstore.NewSweeps(p.DB, Placeholder)
}
