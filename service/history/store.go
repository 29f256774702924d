package history

import (
	"context"
	"errors"
	"time"
)

// ErrRefused marks an Insert error by which the database refused the rows
// themselves (a value it cannot store, a constraint), as opposed to being
// unreachable or slow: retrying the same rows would fail forever. Stores
// wrap such errors (Refused); the Writer then splits the batch, commits
// what the database takes and rejects the rest (cmd/bcservice/README.md,
// "Request history").
var ErrRefused = errors.New("the database refused the rows")

// Refused wraps err so that errors.Is(err, ErrRefused) holds.
func Refused(err error) error {
	return refusedError{err}
}

type refusedError struct{ err error }

func (e refusedError) Error() string   { return e.err.Error() }
func (e refusedError) Unwrap() []error { return []error{e.err, ErrRefused} }

// Store keeps Records. Implementations are safe for concurrent use; the
// Writer is the only one that calls Insert.
type Store interface {
	// Insert writes rows in one transaction: all or none. An error by
	// which the database refused a value wraps ErrRefused.
	Insert(ctx context.Context, rows []Record) error
	// Query returns one page of rows matching q, newest first.
	Query(ctx context.Context, q Query) (Page, error)
	// Purge deletes at most limit of the oldest rows older than before and
	// returns how many it deleted.
	Purge(ctx context.Context, before time.Time, limit int) (int64, error)
	// Close releases the store.
	Close() error
}
