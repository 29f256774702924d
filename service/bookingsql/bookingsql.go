// Package bookingsql is the service.BookingStore over database/sql that the
// SQLite and PostgreSQL adapters share: the table "bookings" of their
// migrations, the same statements, only the placeholders, the per-device
// lock of Create and the row locks of Claim differ. Every value reaches the
// database as a parameter; times are UTC milliseconds.
package bookingsql

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/emconnector/emconnector/service"
)

// Dialect is what differs between the databases.
type Dialect struct {
	// Ph returns the placeholder of the nth parameter (1-based) that may
	// be used more than once: "?n" (SQLite) or "$n" (PostgreSQL).
	Ph func(n int) string
	// LockDevice, when set, takes a lock on (cluster, device) inside tx
	// that the overlap check and the insert of Create hold until commit
	// (PostgreSQL: a transaction-level advisory lock). Without it, Create
	// is serialised in the process (SQLite: one process writes).
	LockDevice func(ctx context.Context, tx *sql.Tx, cluster, device string) error
	// SkipLocked ends the subquery of Claim: " FOR UPDATE SKIP LOCKED" in
	// PostgreSQL, so that concurrent replicas claim different rows
	// without waiting for each other.
	SkipLocked string
}

// Store is a service.BookingStore on the database db returns.
type Store struct {
	db func(context.Context) (*sql.DB, error)
	d  Dialect
	mu sync.Mutex // serialises Create when the dialect has no LockDevice
}

// New returns the Store on the database db returns (the process's pool,
// opened and migrated on first use; its migrations made the table).
func New(db func(context.Context) (*sql.DB, error), d Dialect) *Store { return &Store{db: db, d: d} }

const columns = `id, device, user_id, cluster, app_id, start_ms, end_ms, force_login, device_profile,
	clear_call_history, state, code, text, due_ms, attempts, claim_token, created_ms, updated_ms`

const pending = `state IN ('scheduled', 'active')`

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time { return time.UnixMilli(v).UTC() }

// Create stores b unless a pending booking of its device overlaps it.
func (s *Store) Create(ctx context.Context, b service.Booking) error {
	if s.d.LockDevice == nil {
		s.mu.Lock()
		defer s.mu.Unlock()
	}
	db, err := s.db(ctx)
	if err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }() // no-op after Commit
	if s.d.LockDevice != nil {
		if err := s.d.LockDevice(ctx, tx, b.Cluster, b.Device); err != nil {
			return err
		}
	}
	// One statement checks and inserts: SQLite then takes its write lock
	// first (a read followed by a write could fail with SQLITE_BUSY when
	// another writer committed in between); PostgreSQL holds the device's
	// lock for the overlap check of concurrent transactions.
	p := s.d.Ph
	q := `INSERT INTO bookings (` + columns + `) SELECT ` + placeholders(p, 18) + ` WHERE NOT EXISTS (SELECT 1 FROM bookings
		WHERE cluster = ` + p(4) + ` AND device = ` + p(2) + ` AND ` + pending + ` AND start_ms < ` + p(7) + ` AND end_ms > ` + p(6) + `)`
	res, err := tx.ExecContext(ctx, q, values(b)...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return cmp.Or(err, service.ErrBookingOverlap)
	}
	return tx.Commit()
}

func placeholders(p func(int) string, n int) string {
	out := make([]string, n)
	for i := range out {
		out[i] = p(i + 1)
	}
	return strings.Join(out, ", ")
}

// values are b's columns in the order of columns.
func values(b service.Booking) []any {
	var clear sql.NullBool
	if b.ClearCallHistory != nil {
		clear = sql.NullBool{Bool: *b.ClearCallHistory, Valid: true}
	}
	return []any{b.ID, b.Device, b.User, b.Cluster, b.AppID, ms(b.Start), ms(b.End), b.Force, b.Profile,
		clear, string(b.State), b.Code, b.Text, ms(b.Due), b.Attempts, b.Claim, ms(b.Created), ms(b.Updated)}
}

type scanner interface{ Scan(dest ...any) error }

func scan(r scanner) (service.Booking, error) {
	var b service.Booking
	var start, end, due, created, updated int64
	var clear sql.NullBool
	var state string
	err := r.Scan(&b.ID, &b.Device, &b.User, &b.Cluster, &b.AppID, &start, &end, &b.Force, &b.Profile,
		&clear, &state, &b.Code, &b.Text, &due, &b.Attempts, &b.Claim, &created, &updated)
	if err != nil {
		return b, err
	}
	b.Start, b.End, b.Due, b.Created, b.Updated = fromMS(start), fromMS(end), fromMS(due), fromMS(created), fromMS(updated)
	b.State = service.BookingState(state)
	if clear.Valid {
		v := clear.Bool
		b.ClearCallHistory = &v
	}
	return b, nil
}

func scanAll(rows *sql.Rows) ([]service.Booking, error) {
	defer rows.Close()
	var out []service.Booking
	for rows.Next() {
		b, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// Get returns the booking id.
func (s *Store) Get(ctx context.Context, id string) (service.Booking, error) {
	db, err := s.db(ctx)
	if err != nil {
		return service.Booking{}, err
	}
	b, err := scan(db.QueryRowContext(ctx, `SELECT `+columns+` FROM bookings WHERE id = `+s.d.Ph(1), id))
	if errors.Is(err, sql.ErrNoRows) {
		return b, service.ErrBookingNotFound
	}
	return b, err
}

// List returns the bookings f selects, by start then ID.
func (s *Store) List(ctx context.Context, f service.BookingFilter) ([]service.Booking, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", s.d.Ph(len(args))))
	}
	if f.Device != "" {
		add("device = ?", f.Device)
	}
	if f.User != "" {
		add("user_id = ?", f.User)
	}
	if f.AppID != "" {
		add("app_id = ?", f.AppID)
	}
	if f.State != "" {
		add("state = ?", string(f.State))
	}
	if !f.From.IsZero() {
		add("end_ms > ?", ms(f.From))
	}
	if !f.To.IsZero() {
		add("start_ms < ?", ms(f.To))
	}
	limit := f.Limit
	if limit <= 0 || limit > service.MaxBookingList {
		limit = service.MaxBookingList
	}
	q := `SELECT ` + columns + ` FROM bookings`
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	args = append(args, limit)
	q += ` ORDER BY start_ms, id LIMIT ` + s.d.Ph(len(args))
	db, err := s.db(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	return scanAll(rows)
}

// Claim gives token up to limit due, unclaimed pending bookings.
func (s *Store) Claim(ctx context.Context, token string, now, until time.Time, limit int) ([]service.Booking, error) {
	p := s.d.Ph
	free := pending + ` AND due_ms <= ` + p(3) + ` AND claim_until_ms <= ` + p(3)
	// The CTE is materialised: a subquery in the WHERE could be run again
	// per row by PostgreSQL, claiming more than limit (or rows that another
	// replica locked meanwhile).
	q := `WITH due AS MATERIALIZED (SELECT id FROM bookings WHERE ` + free + ` ORDER BY due_ms LIMIT ` + p(4) + s.d.SkipLocked + `)
		UPDATE bookings SET claim_token = ` + p(1) + `, claim_until_ms = ` + p(2) + `, attempts = attempts + 1
		WHERE id IN (SELECT id FROM due) AND ` + free + ` RETURNING ` + columns
	db, err := s.db(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, q, token, ms(until), ms(now), limit)
	if err != nil {
		return nil, err
	}
	out, err := scanAll(rows)
	// RETURNING keeps no order: oldest due first, as promised.
	slices.SortFunc(out, func(a, b service.Booking) int {
		return cmp.Or(a.Due.Compare(b.Due), strings.Compare(a.ID, b.ID))
	})
	return out, err
}

// ClaimOne gives token booking id when it is pending and unclaimed.
func (s *Store) ClaimOne(ctx context.Context, id, token string, now, until time.Time) (service.Booking, bool, error) {
	p := s.d.Ph
	q := `UPDATE bookings SET claim_token = ` + p(1) + `, claim_until_ms = ` + p(2) + `
		WHERE id = ` + p(3) + ` AND ` + pending + ` AND claim_until_ms <= ` + p(4) + ` RETURNING ` + columns
	db, err := s.db(ctx)
	if err != nil {
		return service.Booking{}, false, err
	}
	b, err := scan(db.QueryRowContext(ctx, q, token, ms(until), id, ms(now)))
	switch {
	case err == nil:
		return b, true, nil
	case !errors.Is(err, sql.ErrNoRows):
		return b, false, err
	}
	b, err = s.Get(ctx, id)
	return b, false, err
}

// Save writes b's outcome and releases its claim.
func (s *Store) Save(ctx context.Context, b service.Booking) error {
	p := s.d.Ph
	q := `UPDATE bookings SET state = ` + p(1) + `, code = ` + p(2) + `, text = ` + p(3) + `, due_ms = ` + p(4) +
		`, attempts = ` + p(5) + `, updated_ms = ` + p(6) + `, claim_token = '', claim_until_ms = 0
		WHERE id = ` + p(7) + ` AND claim_token = ` + p(8) + ` AND claim_token <> ''`
	db, err := s.db(ctx)
	if err != nil {
		return err
	}
	res, err := db.ExecContext(ctx, q, string(b.State), b.Code, b.Text, ms(b.Due), b.Attempts, ms(b.Updated), b.ID, b.Claim)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return errors.Join(service.ErrClaimLost, err)
	}
	return nil
}
