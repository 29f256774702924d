// Package sqlstore is the history.Store over database/sql that the SQLite
// and PostgreSQL adapters share: the same table, columns and statements,
// only the placeholders and the migrations differ. Every value reaches the
// database as a parameter, never in the SQL text.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/emconnector/emconnector/service/history"
)

// Table is the history's table.
const Table = "request_history"

// columns are the written columns, in the order of Store.values.
const columns = "time_ms, request_id, op, device, user_id, cluster, code, class, text, duration_ms, client, app_id, node, roaming, actor, until_ms"

const ncolumns = 16

// insertChunk rows go in one INSERT statement (16 parameters a row stays
// well under both databases' limits).
const insertChunk = 100

// Store is a history.Store on db.
type Store struct {
	db *sql.DB
	// ph returns the placeholder of the nth parameter (1-based).
	ph func(n int) string
	// refused tells a database error about the values themselves (retrying
	// them fails again) from one about the database (it may pass).
	refused func(error) bool
}

// New returns a Store on db whose SQL uses placeholder ph ("?" for
// SQLite, "$n" for PostgreSQL) and whose Insert wraps the errors refused
// reports with history.Refused. The table must exist (migrations).
func New(db *sql.DB, ph func(n int) string, refused func(error) bool) *Store {
	return &Store{db: db, ph: ph, refused: refused}
}

// DB returns the database handle.
func (s *Store) DB() *sql.DB { return s.db }

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Insert writes rows in one transaction, which marks the rollups stale
// when a row is older than their watermark (history.RollupStore).
func (s *Store) Insert(ctx context.Context, rows []history.Record) error {
	if len(rows) == 0 {
		return nil
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }() // no-op after Commit
	// first, so that a rollup batch never misses these rows (rollups.go)
	if err := s.markStale(ctx, tx, rows); err != nil {
		return s.classify(err)
	}
	err = s.insertRows(ctx, tx, Table, columns, ncolumns, insertChunk, len(rows), func(i int) []any { return values(rows[i]) }, "")
	if err != nil {
		return s.classify(err)
	}
	return s.classify(tx.Commit())
}

func (s *Store) classify(err error) error {
	if err != nil && s.refused(err) {
		return history.Refused(err)
	}
	return err
}

// insertRows writes n rows (values(i) each, width columns) chunk rows a
// statement, each statement ending with suffix (an ON CONFLICT clause, or
// ""): the history's rows and the rollups'.
func (s *Store) insertRows(ctx context.Context, tx *sql.Tx, table, columns string, width, chunk, n int,
	values func(i int) []any, suffix string) error {
	for start := 0; start < n; start += chunk {
		end := min(start+chunk, n)
		var q strings.Builder
		q.WriteString("INSERT INTO " + table + " (" + columns + ") VALUES ")
		args := make([]any, 0, (end-start)*width)
		for i := start; i < end; i++ {
			if i > start {
				q.WriteString(", ")
			}
			q.WriteString("(")
			for j := range width {
				if j > 0 {
					q.WriteString(", ")
				}
				q.WriteString(s.ph(len(args) + j + 1))
			}
			q.WriteString(")")
			args = append(args, values(i)...)
		}
		if _, err := tx.ExecContext(ctx, q.String()+suffix, args...); err != nil {
			return err
		}
	}
	return nil
}

// values are r's column values in the order of columns.
func values(r history.Record) []any {
	return []any{r.Time.UnixMilli(), r.ID, r.Op, r.Device, r.User, r.Cluster, r.Code, r.Class, r.Text,
		r.Duration.Milliseconds(), r.Client, r.AppID, r.Node, r.Roaming, r.Actor, untilMS(r.Until)}
}

// untilMS is the until_ms of t: 0 for none.
func untilMS(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// Query returns one page, newest first, by keyset pagination on (time_ms,
// seq): the composite indexes (device|user_id, time_ms, seq) and (time_ms,
// seq) serve it without a sort.
func (s *Store) Query(ctx context.Context, q history.Query) (history.Page, error) {
	if err := q.Validate(); err != nil {
		return history.Page{}, err
	}
	limit := history.ClampLimit(q.Limit)
	where, args, err := s.where(q)
	if err != nil {
		return history.Page{}, err
	}
	args = append(args, limit+1)
	query := "SELECT seq, " + columns + " FROM " + Table + where +
		" ORDER BY time_ms DESC, seq DESC LIMIT " + s.ph(len(args))
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return history.Page{}, err
	}
	defer rows.Close()
	var page history.Page
	for rows.Next() {
		r, err := scan(rows)
		if err != nil {
			return history.Page{}, err
		}
		page.Rows = append(page.Rows, r)
	}
	if err := rows.Err(); err != nil {
		return history.Page{}, err
	}
	if len(page.Rows) > limit {
		page.Rows = page.Rows[:limit]
		last := page.Rows[limit-1]
		page.Next = history.EncodeCursor(history.Position{TimeMS: last.Time.UnixMilli(), Seq: last.Seq})
	}
	return page, nil
}

// where builds the WHERE clause of q with its arguments.
func (s *Store) where(q history.Query) (string, []any, error) {
	var conds []string
	var args []any
	add := func(cond string, vs ...any) {
		for _, v := range vs {
			args = append(args, v)
			cond = strings.Replace(cond, "?", s.ph(len(args)), 1)
		}
		conds = append(conds, cond)
	}
	eq := []struct {
		column, value string
	}{{"device", q.Device}, {"user_id", q.User}, {"cluster", q.Cluster}, {"op", q.Op}, {"class", q.Class}}
	for _, f := range eq {
		if f.value != "" {
			add(f.column+" = ?", f.value)
		}
	}
	if q.HasCode {
		add("code = ?", q.Code)
	}
	if !q.From.IsZero() {
		add("time_ms >= ?", q.From.UnixMilli())
	}
	if !q.To.IsZero() {
		add("time_ms < ?", q.To.UnixMilli())
	}
	if q.Cursor != "" {
		p, err := history.DecodeCursor(q.Cursor)
		if err != nil {
			return "", nil, err
		}
		// A row value, so that both databases bound the index range with it
		// (an OR of the two columns would be a filter, read row by row).
		add("(time_ms, seq) < (?, ?)", p.TimeMS, p.Seq)
	}
	if len(conds) == 0 {
		return "", args, nil
	}
	return " WHERE " + strings.Join(conds, " AND "), args, nil
}

func scan(rows *sql.Rows) (history.Record, error) {
	var r history.Record
	var timeMS, durationMS, until int64
	err := rows.Scan(&r.Seq, &timeMS, &r.ID, &r.Op, &r.Device, &r.User, &r.Cluster, &r.Code, &r.Class, &r.Text,
		&durationMS, &r.Client, &r.AppID, &r.Node, &r.Roaming, &r.Actor, &until)
	if until != 0 {
		r.Until = time.UnixMilli(until).UTC()
	}
	r.Time = time.UnixMilli(timeMS).UTC()
	r.Duration = time.Duration(durationMS) * time.Millisecond
	return r, err
}

// Purge deletes up to limit of the oldest rows before before, in one
// statement (small batches keep each transaction and its locks short).
func (s *Store) Purge(ctx context.Context, before time.Time, limit int) (int64, error) {
	if limit < 1 {
		return 0, errors.New("history: purge limit must be positive")
	}
	query := fmt.Sprintf("DELETE FROM %s WHERE seq IN (SELECT seq FROM %s WHERE time_ms < %s ORDER BY time_ms, seq LIMIT %s)",
		Table, Table, s.ph(1), s.ph(2))
	res, err := s.db.ExecContext(ctx, query, before.UnixMilli(), limit)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}
