// Package sqlite is the history store in an SQLite file, through
// modernc.org/sqlite (pure Go: the binaries stay CGO-free). The file is in
// WAL mode, so that a reader (the dashboard, a backup) does not block the
// writer.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"net/url"

	"github.com/pressly/goose/v3"
	"modernc.org/sqlite" // registers the "sqlite" driver
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/emconnector/emconnector/service/history/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// busyTimeoutMS is how long a statement waits for another connection's
// lock before failing: short, since the history writer retries anyway.
const busyTimeoutMS = 1000

// Open opens (creating it if needed) the SQLite database at path and
// applies the migrations it lacks.
func Open(ctx context.Context, path string) (*sqlstore.Store, error) {
	dsn := "file:" + (&url.URL{Path: path}).EscapedPath() +
		fmt.Sprintf("?_pragma=busy_timeout(%d)&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)", busyTimeoutMS)
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	if err := sqlstore.Ready(ctx, db, goose.DialectSQLite3, migrations); err != nil {
		db.Close()
		return nil, fmt.Errorf("history: sqlite %s: %w", path, err)
	}
	return sqlstore.New(db, Placeholder, refused), nil
}

// Placeholder is SQLite's placeholder of every parameter.
func Placeholder(int) string { return "?" }

// refused reports whether SQLite refused the values themselves: a value
// too big (SQLITE_TOOBIG), a constraint (SQLITE_CONSTRAINT) or a type
// mismatch (SQLITE_MISMATCH). SQLite stores any bytes in a TEXT column,
// so with the Writer's storable values these are rare.
func refused(err error) bool {
	var se *sqlite.Error
	if !errors.As(err, &se) {
		return false
	}
	switch se.Code() & 0xff {
	case sqlite3.SQLITE_TOOBIG, sqlite3.SQLITE_CONSTRAINT, sqlite3.SQLITE_MISMATCH:
		return true
	}
	return false
}
