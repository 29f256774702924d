package history

import (
	"context"
	"errors"
)

// The rollups are the usage reports' materialised form (package
// service/history/rollup computes them; cmd/bcservice/README.md, "Usage
// reports", says what they hold): a job reads the rows of whole UTC hours
// up to a watermark and writes per scope and hour the counts, sets and
// session lengths, per device and UTC day cumulative figures, and the
// sessions open at the watermark. The store keeps them as opaque rows: it
// never decodes a blob.

// ErrRollupMoved is ApplyRollup's answer when the rollups moved on under
// the batch (another replica applied one, rows were added to its hours, or
// they were marked stale): the batch is dropped, the job tries again.
var ErrRollupMoved = errors.New("the rollups moved on under the batch")

// ErrNoRollups is a RollupStore's answer when its database keeps none.
var ErrNoRollups = errors.New("this history store keeps no rollups")

// The kinds of interned names (RollupName.Kind).
const (
	NameUser   = "user"
	NameDevice = "device"
)

// RollupState is where the rollups stand.
type RollupState struct {
	// Watermark is the end (unix ms, a whole UTC hour) of the hours
	// materialised; 0 before the first batch.
	Watermark int64
	// Stale is set when rows older than the watermark were written (a
	// writer that could not reach the database for long, an import): the
	// rollups miss them until rebuilt.
	Stale bool
	// Open encodes the sessions open at the watermark.
	Open []byte
}

// RollupHour is one scope's figures for one UTC hour: Scope "" is every
// cluster, otherwise one cluster's.
type RollupHour struct {
	Scope string
	// Hour is the hour's start, unix ms.
	Hour                    int64
	Logins, Failures, Peak  int64
	LoggedMs                int64
	Users, Devices, Lengths []byte
}

// RollupDay is one device's cumulative figures in one cluster at one UTC
// day (Day: its midnight, unix ms).
type RollupDay struct {
	Device, Cluster string
	Day             int64
	Data            []byte
}

// RollupName is an interned user or device name.
type RollupName struct {
	Kind string
	ID   int64
	Name string
}

// RollupBatch is what one run of the job writes, in one transaction.
type RollupBatch struct {
	// From and To are the watermark before and after the batch.
	From, To int64
	// Rows is how many rows of SessionOps the batch read in [From, To):
	// ApplyRollup refuses the batch (ErrRollupMoved) when the table now
	// holds another number there (a row written while the job read).
	Rows int64
	// Hours and Days are inserted or replace the rows of the same key.
	Hours []RollupHour
	Days  []RollupDay
	// Names are inserted (their IDs are new).
	Names []RollupName
	// Open replaces the state's open sessions.
	Open []byte
}

// RollupsOf is store's rollups: store itself when it keeps them, those of
// the store a Lazy opens, or ErrNoRollups; an error opening a Lazy's
// store is returned as it is (the database is away).
func RollupsOf(ctx context.Context, store Store) (RollupStore, error) {
	switch s := store.(type) {
	case RollupStore:
		return s, nil
	case *Lazy:
		return s.Rollups(ctx)
	}
	return nil, ErrNoRollups
}

// RollupStore is a Store that keeps the rollups beside the rows. Its
// Insert marks the rollups stale (in the same transaction) when it writes
// a row older than the watermark; its Purge leaves the rollups alone
// (PurgeRollups drops them).
type RollupStore interface {
	SessionScanner
	// RollupState returns the state (zero before the first batch).
	RollupState(ctx context.Context) (RollupState, error)
	// RollupNames returns every interned name of kind with its ID.
	RollupNames(ctx context.Context, kind string) (map[string]int64, error)
	// RollupNameIDs returns the IDs of those of names interned as kind.
	RollupNameIDs(ctx context.Context, kind string, names []string) (map[string]int64, error)
	// RollupHours returns the rows of scope whose hour is in [from, to),
	// by hour.
	RollupHours(ctx context.Context, scope string, from, to int64) ([]RollupHour, error)
	// RollupDays returns every device's row of day, by device then
	// cluster (byte order).
	RollupDays(ctx context.Context, day int64) ([]RollupDay, error)
	// ApplyRollup writes b in one transaction if the state's watermark is
	// still b.From (0 for the first), it is not stale and the table holds
	// b.Rows rows of SessionOps in [b.From, b.To); ErrRollupMoved if not.
	// A name whose (kind, name) or (kind, ID) is taken fails it with
	// another error. Either way nothing is written.
	ApplyRollup(ctx context.Context, b RollupBatch) error
	// ResetRollups deletes every rollup, name and the state.
	ResetRollups(ctx context.Context) error
	// PurgeRollups deletes the hours before before and the days whose
	// whole day is before it (unix ms), as the retention drops the rows.
	PurgeRollups(ctx context.Context, before int64) error
}
