package history

import (
	"context"
	"time"
)

// Store keeps Records. Implementations are safe for concurrent use; the
// Writer is the only one that calls Insert.
type Store interface {
	// Insert writes rows in one transaction: all or none.
	Insert(ctx context.Context, rows []Record) error
	// Query returns one page of rows matching q, newest first.
	Query(ctx context.Context, q Query) (Page, error)
	// Purge deletes at most limit of the oldest rows older than before and
	// returns how many it deleted.
	Purge(ctx context.Context, before time.Time, limit int) (int64, error)
	// Close releases the store.
	Close() error
}
