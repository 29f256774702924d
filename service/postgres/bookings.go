package postgres

import (
	"context"
	"database/sql"

	"github.com/emconnector/emconnector/service"
	"github.com/emconnector/emconnector/service/bookingsql"
)

// Bookings returns the bookings on the pool (table bookings, migration
// 00004). Replicas sharing the database schedule each booking once: a due
// booking is claimed with FOR UPDATE SKIP LOCKED, and the overlap check of
// a new booking holds a transaction-level advisory lock on its device.
func (p *Pool) Bookings() service.BookingStore {
	return bookingsql.New(p.DB, bookingDialect)
}

var bookingDialect = bookingsql.Dialect{
	Ph:         Placeholder,
	SkipLocked: " FOR UPDATE SKIP LOCKED",
	LockDevice: func(ctx context.Context, tx *sql.Tx, cluster, device string) error {
		// hashtextextended keys it on the database's side; the prefix keeps
		// it apart from the coordination's device locks (keys.go), which
		// are session-level locks on keys computed in Go.
		_, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`,
			"bcservice booking "+cluster+"/"+device)
		return err
	},
}
