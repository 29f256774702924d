package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emconnector/emconnector/service/history"
	"github.com/emconnector/emconnector/service/history/historytest"
)

func TestContract(t *testing.T) {
	historytest.StoreContract(t, func(t *testing.T) history.Store {
		s, err := Open(context.Background(), filepath.Join(t.TempDir(), "history.db"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// Reopening applies no migration twice and keeps the rows; the file is in
// WAL mode.
func TestReopen(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "history.db")
	s, err := Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Insert(ctx, []history.Record{historytest.Row(1)}); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s, err = Open(ctx, path)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	var mode string
	if err := s.DB().QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil || mode != "wal" {
		t.Errorf("journal_mode = %q, %v; want wal", mode, err)
	}
	p, err := s.Query(ctx, history.Query{})
	if err != nil || len(p.Rows) != 1 {
		t.Errorf("after reopen: %d rows, %v; want 1", len(p.Rows), err)
	}
}

// A filtered page walks an index in order: no full scan, no sort.
func TestPlansUseIndexes(t *testing.T) {
	ctx := context.Background()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "history.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tests := []struct{ where, index string }{
		{"device = ?", "request_history_device"},
		{"user_id = ?", "request_history_user"},
		{"time_ms >= ? AND time_ms < ?", "request_history_time"},
	}
	for _, tc := range tests {
		args := []any{"x"}
		if tc.index == "request_history_time" {
			args = []any{1, 2}
		}
		plan := explain(t, s.DB(), "SELECT seq FROM request_history WHERE "+tc.where+
			" AND (time_ms, seq) < (9, 9) ORDER BY time_ms DESC, seq DESC LIMIT 100", args...)
		if !strings.Contains(plan, tc.index) || strings.Contains(plan, "TEMP B-TREE") {
			t.Errorf("%s: plan %q, want %s without a sort", tc.where, plan, tc.index)
		}
	}
}

func explain(t *testing.T, db *sql.DB, query string, args ...any) string {
	t.Helper()
	rows, err := db.Query("EXPLAIN QUERY PLAN "+query, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan []string
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, detail)
	}
	return strings.Join(plan, "; ")
}
