package sqlstore

import (
	"context"
	"database/sql"
	"strings"

	"github.com/emconnector/emconnector/service/history"
)

// The rows a multi-row statement of ApplyRollup writes: some thousand
// parameters, well under both databases' limits (SQLite's 32766,
// PostgreSQL's 65535), few round trips for a batch of thousands of rows.
const (
	hourChunk = 200
	dayChunk  = 500
	nameChunk = 500
)

// ApplyRollup implements history.RollupStore in one transaction. It locks
// the state row first (lockState), then checks the watermark and counts
// the rows: a concurrent Insert has either committed (and is counted) or
// waits for the lock and then sees the new watermark (markStale).
func (s *Store) ApplyRollup(ctx context.Context, b history.RollupBatch) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		watermark, stale, err := lock(ctx, tx)
		if err != nil {
			return err
		}
		if watermark != b.From || stale {
			return history.ErrRollupMoved
		}
		n, err := s.countSessionRows(ctx, tx, b.From, b.To)
		if err != nil {
			return err
		}
		if n != b.Rows {
			return history.ErrRollupMoved
		}
		if err := s.writeBatch(ctx, tx, b); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, "UPDATE "+stateTable+" SET watermark_ms = "+s.ph(1)+", open_sessions = "+s.ph(2),
			b.To, blob(b.Open))
		return err
	})
}

// countSessionRows counts the rows of history.SessionOps in [from, to);
// from 0 is from the first row. The (time_ms, seq) index serves the range.
func (s *Store) countSessionRows(ctx context.Context, tx *sql.Tx, from, to int64) (int64, error) {
	args := []any{to}
	conds := []string{"time_ms < " + s.ph(1)}
	if from != 0 {
		args = append(args, from)
		conds = append(conds, "time_ms >= "+s.ph(len(args)))
	}
	var ops []string
	for _, op := range history.SessionOps() {
		args = append(args, op)
		ops = append(ops, s.ph(len(args)))
	}
	conds = append(conds, "op IN ("+strings.Join(ops, ", ")+")")
	var n int64
	err := tx.QueryRowContext(ctx, "SELECT COUNT(*) FROM "+Table+" WHERE "+strings.Join(conds, " AND "), args...).Scan(&n)
	return n, err
}

// writeBatch upserts b's hours and days and inserts its names.
func (s *Store) writeBatch(ctx context.Context, tx *sql.Tx, b history.RollupBatch) error {
	hours := lastByKey(b.Hours, func(h history.RollupHour) any { return hourKey{h.Scope, h.Hour} })
	err := s.insertRows(ctx, tx, hoursTable, hourColumns, 9, hourChunk, len(hours), func(i int) []any { return hourValues(hours[i]) },
		" ON CONFLICT (scope, hour_ms) DO UPDATE SET logins = excluded.logins, failures = excluded.failures,"+
			" peak = excluded.peak, logged_ms = excluded.logged_ms, users = excluded.users,"+
			" devices = excluded.devices, lengths = excluded.lengths")
	if err != nil {
		return err
	}
	days := lastByKey(b.Days, func(d history.RollupDay) any { return dayKey{d.Day, d.Device, d.Cluster} })
	err = s.insertRows(ctx, tx, daysTable, "day_ms, device, cluster, data", 4, dayChunk, len(days),
		func(i int) []any { return []any{days[i].Day, days[i].Device, days[i].Cluster, blob(days[i].Data)} },
		" ON CONFLICT (day_ms, device, cluster) DO UPDATE SET data = excluded.data")
	if err != nil {
		return err
	}
	// a name or ID taken already is the job's mistake: the keys refuse it
	return s.insertRows(ctx, tx, namesTable, "kind, id, name", 3, nameChunk, len(b.Names),
		func(i int) []any { return []any{b.Names[i].Kind, b.Names[i].ID, b.Names[i].Name} }, "")
}

type hourKey struct {
	scope string
	hour  int64
}

type dayKey struct {
	day             int64
	device, cluster string
}

// lastByKey keeps the last of the rows of each key, in their order: one
// statement may not upsert a key twice (PostgreSQL refuses it), and the
// last one wins, as successive upserts would.
func lastByKey[T any](rows []T, key func(T) any) []T {
	last := make(map[any]int, len(rows))
	for i, r := range rows {
		last[key(r)] = i
	}
	if len(last) == len(rows) {
		return rows
	}
	out := make([]T, 0, len(last))
	for i, r := range rows {
		if last[key(r)] == i {
			out = append(out, r)
		}
	}
	return out
}
