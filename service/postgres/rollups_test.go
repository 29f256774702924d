package postgres

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/emconnector/emconnector/service/history"
	"github.com/emconnector/emconnector/service/history/historytest"
	"github.com/emconnector/emconnector/service/history/sqlstore"
	"github.com/emconnector/emconnector/service/postgres/pgtest"
)

// PostgreSQL keeps the rollups as the contract says, the state row's lock
// ordering racing batches and inserts.
func TestRollupContract(t *testing.T) {
	historytest.RollupContract(t, open)
}

// slowDown makes every INSERT statement into table sleep for d, in the
// transaction that runs it: the window in which the other side races.
func slowDown(t *testing.T, s *sqlstore.Store, table string, d time.Duration) {
	t.Helper()
	for _, q := range []string{
		"CREATE FUNCTION slow_down() RETURNS trigger AS $$ BEGIN PERFORM pg_sleep(" +
			fmt.Sprint(d.Seconds()) + "); RETURN NULL; END $$ LANGUAGE plpgsql",
		"CREATE TRIGGER slow_down BEFORE INSERT ON " + table + " FOR EACH STATEMENT EXECUTE FUNCTION slow_down()",
	} {
		if _, err := s.DB().Exec(q); err != nil {
			t.Fatal(err)
		}
	}
}

// rollupRace runs first, then, once first sleeps in its slowed statement
// (holding what it locked), second; and waits for both.
func rollupRace(t *testing.T, s *sqlstore.Store, first, second func() error) (error, error) {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- first() }()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		var n int
		err := s.DB().QueryRow("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event = 'PgSleep'").Scan(&n)
		if err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the first never reached its slowed statement (%v)", <-done)
		}
	}
	err2 := second()
	return <-done, err2
}

// An Insert under way when a batch is applied holds the state row: the
// batch waits for it, counts its row and is refused.
func TestRollupBatchWaitsForAnInsert(t *testing.T) {
	ctx := context.Background()
	s := open(t).(*sqlstore.Store)
	defer s.Close()
	to := time.Date(2026, 3, 4, 6, 0, 0, 0, time.UTC)
	row := historytest.Row(1)
	row.Time = to.Add(-time.Millisecond)
	slowDown(t, s, "request_history", 2*time.Second)
	insertErr, applyErr := rollupRace(t, s,
		func() error { return s.Insert(ctx, []history.Record{row}) },
		func() error { return s.ApplyRollup(ctx, history.RollupBatch{To: to.UnixMilli(), Rows: 0}) })
	if insertErr != nil {
		t.Fatal(insertErr)
	}
	if !errors.Is(applyErr, history.ErrRollupMoved) {
		t.Errorf("ApplyRollup during the Insert = %v, want ErrRollupMoved (its row missed)", applyErr)
	}
}

// An Insert made while a batch is applied waits for it and marks the
// rollups stale when its row is older than the new watermark.
func TestRollupInsertWaitsForABatch(t *testing.T) {
	ctx := context.Background()
	s := open(t).(*sqlstore.Store)
	defer s.Close()
	to := time.Date(2026, 3, 4, 6, 0, 0, 0, time.UTC)
	row := historytest.Row(1)
	row.Time = to.Add(-time.Millisecond)
	slowDown(t, s, "rollup_hours", 2*time.Second)
	b := history.RollupBatch{To: to.UnixMilli(), Hours: []history.RollupHour{{Hour: to.UnixMilli() - 3600_000}}}
	applyErr, insertErr := rollupRace(t, s,
		func() error { return s.ApplyRollup(ctx, b) },
		func() error { return s.Insert(ctx, []history.Record{row}) })
	if applyErr != nil || insertErr != nil {
		t.Fatalf("ApplyRollup = %v, Insert = %v", applyErr, insertErr)
	}
	st, err := s.RollupState(ctx)
	if err != nil || !st.Stale {
		t.Errorf("state = %+v, %v; want stale (a row the batch missed)", st, err)
	}
}

// The service's history store (the pool's, opened lazily) keeps the
// rollups: the rollup job and the reports reach them through Lazy.Rollups.
func TestPoolHistoryHasRollups(t *testing.T) {
	s := pgtest.Require(t, server, startErr)
	p := NewPool(s.CreateDB(t))
	defer p.Close()
	rs, err := p.History().(*history.Lazy).Rollups(context.Background())
	if err != nil {
		t.Fatalf("Rollups: %v", err)
	}
	if st, err := rs.RollupState(context.Background()); err != nil || st.Watermark != 0 {
		t.Errorf("RollupState = %+v, %v; want the zero state", st, err)
	}
}

// Two replicas apply the same batch: the second waits for the first's
// transaction and is refused; the first's batch stands.
func TestRollupBatchesTakeTurns(t *testing.T) {
	ctx := context.Background()
	s := open(t).(*sqlstore.Store)
	defer s.Close()
	to := time.Date(2026, 3, 4, 6, 0, 0, 0, time.UTC).UnixMilli()
	slowDown(t, s, "rollup_hours", 2*time.Second)
	b := history.RollupBatch{To: to, Hours: []history.RollupHour{{Hour: to - 3600_000, Logins: 1}}}
	first, second := rollupRace(t, s,
		func() error { return s.ApplyRollup(ctx, b) },
		func() error { return s.ApplyRollup(ctx, b) })
	if first != nil || !errors.Is(second, history.ErrRollupMoved) {
		t.Errorf("ApplyRollup = %v then %v, want nil then ErrRollupMoved", first, second)
	}
	if st, err := s.RollupState(ctx); err != nil || st.Watermark != to {
		t.Errorf("state = %+v, %v; want watermark %d", st, err, to)
	}
}
