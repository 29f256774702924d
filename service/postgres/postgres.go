// Package postgres is the history store in PostgreSQL, through
// github.com/jackc/pgx/v5 (its database/sql driver, so that the SQL and the
// migrations are those of the SQLite store but for the placeholders), the
// dashboard's sessions shared by replicas (Sessions), and the coordination
// of the replicas' CUCM budgets and device locks (Coordinator, through pgx's
// own pool: it needs sessions of its own, LISTEN and advisory locks).
package postgres

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/url"
	"strconv"

	"github.com/jackc/pgx/v5/pgconn"
	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"

	"github.com/emconnector/emconnector/service/history/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// maxConns bounds the pool (Pool): the history's writer and purge, a few
// dashboard readers and the dashboard's session lookups.
const maxConns = 6

// Open connects to the database of dsn (postgres://…) and returns the
// history store on it (Connect).
func Open(ctx context.Context, dsn string) (*sqlstore.Store, error) {
	db, err := Connect(ctx, dsn)
	if err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	return newStore(db), nil
}

// newStore is the history store on db.
func newStore(db *sql.DB) *sqlstore.Store {
	return sqlstore.New(db, Placeholder, refused)
}

// Placeholder is PostgreSQL's placeholder of the nth parameter.
func Placeholder(n int) string { return "$" + strconv.Itoa(n) }

// refused reports whether PostgreSQL refused the values themselves: a
// data exception (class 22: an invalid byte sequence, a NUL, a value too
// long), an integrity constraint (23) or a program limit (54: an index row
// too large). Retrying such a row fails forever.
func refused(err error) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) || len(pe.Code) < 2 {
		return false
	}
	switch pe.Code[:2] {
	case "22", "23", "54":
		return true
	}
	return false
}

// Connect opens a pool on the database of dsn (postgres://…) and applies
// the migrations it lacks (all of this package's tables), under an
// advisory lock so that several services starting together migrate once.
// Errors name the server without the password.
func Connect(ctx context.Context, dsn string) (*sql.DB, error) {
	where := Redact(dsn)
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("postgres %s: invalid DSN", where)
	}
	db.SetMaxOpenConns(maxConns)
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		db.Close()
		return nil, err
	}
	if err := sqlstore.Ready(ctx, db, goose.DialectPostgres, migrations, goose.WithSessionLocker(locker)); err != nil {
		db.Close()
		return nil, fmt.Errorf("postgres %s: %w", where, err)
	}
	return db, nil
}

// Redact returns dsn with its password (in the user info or a password
// parameter) replaced by "xxxxx", for logs and errors; a DSN that is not a
// URL becomes "(invalid DSN)".
func Redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(invalid DSN)"
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.Redacted()
}
