package postgres

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/emconnector/emconnector/service/history"
	"github.com/emconnector/emconnector/service/history/historytest"
	"github.com/emconnector/emconnector/service/postgres/pgtest"
)

// One throwaway server for the package's tests; each test gets its own
// database.
var (
	server   *pgtest.Server
	startErr error
)

func TestMain(m *testing.M) {
	server, startErr = pgtest.Start()
	code := m.Run()
	if server != nil {
		if err := server.Stop(); err != nil {
			fmt.Fprintln(os.Stderr, err)
		}
	}
	os.Exit(code)
}

func open(t *testing.T) history.Store {
	s := pgtest.Require(t, server, startErr)
	st, err := Open(context.Background(), s.CreateDB(t))
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func TestContract(t *testing.T) {
	historytest.StoreContract(t, open)
}

// Opening twice migrates once and keeps the rows.
func TestReopen(t *testing.T) {
	s := pgtest.Require(t, server, startErr)
	ctx := context.Background()
	dsn := s.CreateDB(t)
	for i := range 2 {
		st, err := Open(ctx, dsn)
		if err != nil {
			t.Fatalf("open %d: %v", i, err)
		}
		if err := st.Insert(ctx, []history.Record{historytest.Row(i)}); err != nil {
			t.Fatal(err)
		}
		p, err := st.Query(ctx, history.Query{})
		st.Close()
		if err != nil || len(p.Rows) != i+1 {
			t.Fatalf("open %d: %d rows, %v", i, len(p.Rows), err)
		}
	}
}

// An unreachable server's error names it without the password.
func TestOpenErrorHidesPassword(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for _, dsn := range []string{
		"postgres://bc:s3cretpw@127.0.0.1:1/bc?sslmode=disable&connect_timeout=2",
		"postgres://bc@127.0.0.1:1/bc?password=s3cretpw&sslmode=disable&connect_timeout=2",
		"postgres://bc:s3cretpw@127.0.0.1:notaport/bc",
	} {
		_, err := Open(ctx, dsn)
		if err == nil || strings.Contains(err.Error(), "s3cretpw") {
			t.Errorf("Open(%s) = %v, want an error without the password", Redact(dsn), err)
		}
	}
}

func TestRedact(t *testing.T) {
	tests := []struct{ in, want string }{
		{"postgres://bc:pw@db:5432/bc", "postgres://bc:xxxxx@db:5432/bc"},
		{"postgres://db/bc?password=pw&sslmode=require", "postgres://db/bc?password=xxxxx&sslmode=require"},
		{"postgres://db/bc", "postgres://db/bc"},
		{"postgres://bc:pw@db:%zz/bc", "(invalid DSN)"},
	}
	for _, tc := range tests {
		if got := Redact(tc.in); got != tc.want {
			t.Errorf("Redact(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// A filtered page after a cursor is one backward index range scan: the
// filter and the cursor bound the range, no sort (the planner is told to
// avoid the other paths, so a missing index would show as a Sort).
func TestPlansUseIndexes(t *testing.T) {
	s := pgtest.Require(t, server, startErr)
	ctx := context.Background()
	st, err := Open(ctx, s.CreateDB(t))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	conn, err := st.DB().Conn(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, set := range []string{"enable_seqscan", "enable_bitmapscan", "enable_sort"} {
		if _, err := conn.ExecContext(ctx, "SET "+set+" = off"); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct{ where, index string }{
		{"device = 'x'", "request_history_device"},
		{"user_id = 'x'", "request_history_user"},
		{"time_ms >= 1 AND time_ms < 20", "request_history_time"},
	}
	for _, tc := range tests {
		rows, err := conn.QueryContext(ctx, "EXPLAIN SELECT seq FROM request_history WHERE "+tc.where+
			" AND (time_ms, seq) < (9, 9) ORDER BY time_ms DESC, seq DESC LIMIT 100")
		if err != nil {
			t.Fatal(err)
		}
		var plan []string
		for rows.Next() {
			var line string
			if err := rows.Scan(&line); err != nil {
				t.Fatal(err)
			}
			plan = append(plan, line)
		}
		rows.Close()
		text := strings.Join(plan, "\n")
		if !strings.Contains(text, "Scan Backward using "+tc.index) || strings.Contains(text, "Sort") ||
			!strings.Contains(text, "ROW(time_ms, seq) < ROW(9, 9)") || strings.Contains(text, "Filter") {
			t.Errorf("%s: plan\n%s\nwant a backward scan of %s bounded by the cursor", tc.where, text, tc.index)
		}
	}
}
