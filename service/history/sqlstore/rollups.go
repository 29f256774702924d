package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/emconnector/emconnector/service/history"
)

// Store keeps the usage reports' rollups beside the rows (migrations
// *_rollups.sql), as opaque rows.
var _ history.RollupStore = (*Store)(nil)

// The rollups' tables.
const (
	stateTable = "rollup_state"
	hoursTable = "rollup_hours"
	daysTable  = "rollup_days"
	namesTable = "rollup_names"
)

// lockState is the first statement of ApplyRollup and ResetRollups: a
// write, so that it takes the state row's lock in PostgreSQL and the write
// lock in SQLite before anything is read (a read first would give SQLite a
// snapshot another writer can outdate). It returns the state.
const lockState = "UPDATE " + stateTable + " SET stale = stale RETURNING watermark_ms, stale"

// lock runs lockState in tx and returns the watermark and stale mark.
func lock(ctx context.Context, tx *sql.Tx) (watermark int64, stale bool, err error) {
	err = tx.QueryRowContext(ctx, lockState).Scan(&watermark, &stale)
	if errors.Is(err, sql.ErrNoRows) {
		err = errMissingState
	}
	return watermark, stale, err
}

// markStale is Insert's first statement: it marks the rollups stale when
// a row is older than the watermark, and it always writes the state row,
// so that an ApplyRollup either waits for the rows (and counts them) or
// has moved the watermark before the rows are checked against it. A
// condition in a WHERE would not lock the row when false, and a batch
// could then miss rows committed after its count.
func (s *Store) markStale(ctx context.Context, tx *sql.Tx, rows []history.Record) error {
	oldest := rows[0].Time.UnixMilli()
	for _, r := range rows[1:] {
		oldest = min(oldest, r.Time.UnixMilli())
	}
	_, err := tx.ExecContext(ctx, "UPDATE "+stateTable+
		" SET stale = CASE WHEN watermark_ms > 0 AND watermark_ms > "+s.ph(1)+" THEN TRUE ELSE stale END", oldest)
	return err
}

// RollupState implements history.RollupStore.
func (s *Store) RollupState(ctx context.Context) (history.RollupState, error) {
	var st history.RollupState
	err := s.db.QueryRowContext(ctx, "SELECT watermark_ms, stale, open_sessions FROM "+stateTable).
		Scan(&st.Watermark, &st.Stale, &st.Open)
	if errors.Is(err, sql.ErrNoRows) {
		return st, errMissingState
	}
	return st, err
}

// errMissingState: the migration inserts the state row and nothing
// deletes it.
var errMissingState = errors.New("history: the rollup state row is missing")

// RollupNames implements history.RollupStore.
func (s *Store) RollupNames(ctx context.Context, kind string) (map[string]int64, error) {
	out := map[string]int64{}
	err := s.names(ctx, out, "SELECT name, id FROM "+namesTable+" WHERE kind = "+s.ph(1), kind)
	return out, err
}

// RollupNameIDs implements history.RollupStore, nameChunk names a
// statement.
func (s *Store) RollupNameIDs(ctx context.Context, kind string, names []string) (map[string]int64, error) {
	out := map[string]int64{}
	for start := 0; start < len(names); start += nameChunk {
		chunk := names[start:min(start+nameChunk, len(names))]
		args := []any{kind}
		phs := make([]string, len(chunk))
		for i, n := range chunk {
			args = append(args, n)
			phs[i] = s.ph(len(args))
		}
		query := "SELECT name, id FROM " + namesTable + " WHERE kind = " + s.ph(1) +
			" AND name IN (" + strings.Join(phs, ", ") + ")"
		if err := s.names(ctx, out, query, args...); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (s *Store) names(ctx context.Context, into map[string]int64, query string, args ...any) error {
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var name string
		var id int64
		if err := rows.Scan(&name, &id); err != nil {
			return err
		}
		into[name] = id
	}
	return rows.Err()
}

// hourColumns are rollup_hours' columns, in the order of hourValues.
const hourColumns = "scope, hour_ms, logins, failures, peak, logged_ms, users, devices, lengths"

func hourValues(h history.RollupHour) []any {
	return []any{h.Scope, h.Hour, h.Logins, h.Failures, h.Peak, h.LoggedMs, blob(h.Users), blob(h.Devices), blob(h.Lengths)}
}

// RollupHours implements history.RollupStore.
func (s *Store) RollupHours(ctx context.Context, scope string, from, to int64) ([]history.RollupHour, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+hourColumns+" FROM "+hoursTable+" WHERE scope = "+s.ph(1)+
		" AND hour_ms >= "+s.ph(2)+" AND hour_ms < "+s.ph(3)+" ORDER BY hour_ms", scope, from, to)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []history.RollupHour
	for rows.Next() {
		var h history.RollupHour
		if err := rows.Scan(&h.Scope, &h.Hour, &h.Logins, &h.Failures, &h.Peak, &h.LoggedMs,
			&h.Users, &h.Devices, &h.Lengths); err != nil {
			return nil, err
		}
		out = append(out, h)
	}
	return out, rows.Err()
}

// RollupDays implements history.RollupStore: by device, then cluster, in
// byte order (the key's).
func (s *Store) RollupDays(ctx context.Context, day int64) ([]history.RollupDay, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT device, cluster, day_ms, data FROM "+daysTable+
		" WHERE day_ms = "+s.ph(1)+" ORDER BY device, cluster", day)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []history.RollupDay
	for rows.Next() {
		var d history.RollupDay
		if err := rows.Scan(&d.Device, &d.Cluster, &d.Day, &d.Data); err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// blob is b as a parameter of a NOT NULL column: a nil slice would bind as
// NULL.
func blob(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// ResetRollups implements history.RollupStore: the state row stays, zero.
func (s *Store) ResetRollups(ctx context.Context) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, _, err := lock(ctx, tx); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, "UPDATE "+stateTable+" SET watermark_ms = 0, stale = FALSE, open_sessions = "+
			s.ph(1), []byte{}); err != nil {
			return err
		}
		for _, table := range []string{hoursTable, daysTable, namesTable} {
			if _, err := tx.ExecContext(ctx, "DELETE FROM "+table); err != nil {
				return err
			}
		}
		return nil
	})
}

// PurgeRollups implements history.RollupStore.
func (s *Store) PurgeRollups(ctx context.Context, before int64) error {
	return s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, "DELETE FROM "+hoursTable+" WHERE hour_ms < "+s.ph(1), before); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, "DELETE FROM "+daysTable+" WHERE day_ms <= "+s.ph(1), before-dayMS)
		return err
	})
}

const dayMS = 24 * 60 * 60 * 1000

// inTx runs fn in a transaction and commits it when fn succeeds.
func (s *Store) inTx(ctx context.Context, fn func(tx *sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }() // no-op after Commit
	if err := fn(tx); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("history: rollups: %w", err)
	}
	return nil
}
