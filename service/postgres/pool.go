package postgres

import (
	"context"
	"database/sql"

	"github.com/emconnector/emconnector/service/history"
	"github.com/emconnector/emconnector/service/history/sqlstore"
	"github.com/emconnector/emconnector/service/lazy"
)

// Pool is the one database/sql pool a process keeps on PostgreSQL: the
// request history, the dashboard sessions, the bookings and the sweeps
// share it, and it is opened,
// and migrated once, on first use (a database away at start costs the
// requests that need it, never the start). The Coordinator keeps its own
// connections: session-level advisory locks and LISTEN need sessions that
// nobody else borrows.
type Pool struct {
	db *lazy.Value[*sql.DB]
}

// NewPool returns the pool of dsn (postgres://…), not yet connected.
func NewPool(dsn string) *Pool {
	return &Pool{db: lazy.New(func(ctx context.Context) (*sql.DB, error) { return Connect(ctx, dsn) }, (*sql.DB).Close)}
}

// DB returns the pool, connecting (and migrating) if needed.
func (p *Pool) DB(ctx context.Context) (*sql.DB, error) { return p.db.Get(ctx) }

// Close closes the pool; the stores on it fail until it is opened again.
func (p *Pool) Close() error { return p.db.Close() }

// History returns the history store on the pool. Its Close leaves the
// pool open: the pool's owner closes it.
func (p *Pool) History() history.Store {
	return history.NewLazy(func(ctx context.Context) (history.Store, error) {
		db, err := p.DB(ctx)
		if err != nil {
			return nil, err
		}
		return borrowed{newStore(db)}, nil
	})
}

// Sessions returns the dashboard sessions on the pool.
func (p *Pool) Sessions(o SessionOptions) *Sessions {
	return newSessions(p.DB, o)
}

// borrowed is a store on a pool it does not own.
type borrowed struct{ *sqlstore.Store }

func (borrowed) Close() error { return nil }

// Sweeps returns the sweeps' runs, leases and login ages on the pool: the
// replicas' pools share them (cmd/bcservice/README.md, "Sweeps").
func (p *Pool) Sweeps() *sqlstore.Sweeps {
	return sqlstore.NewSweeps(p.DB, Placeholder)
}
