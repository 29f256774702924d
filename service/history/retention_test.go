package history_test

import (
	"context"
	"testing"
	"time"

	"github.com/emconnector/emconnector/service/history"
	"github.com/emconnector/emconnector/service/history/historytest"
)

// The clock decides what is old: rows older than Keep go, in batches, the
// others stay.
func TestRetentionPurgesWithTheInjectedClock(t *testing.T) {
	m := historytest.NewMemory()
	now := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)
	var rows []history.Record
	for age := range 30 { // one row a day, 0..29 days old
		r := row(age)
		r.Time = now.Add(-time.Duration(age) * 24 * time.Hour)
		rows = append(rows, r)
	}
	if err := m.Insert(context.Background(), rows); err != nil {
		t.Fatal(err)
	}
	clock := now
	r := &history.Retention{Store: m, Keep: 10 * 24 * time.Hour, Batch: 4, Now: func() time.Time { return clock }}
	n, err := r.PurgeOnce(context.Background())
	if err != nil || n != 19 { // 11..29 days old
		t.Fatalf("PurgeOnce = %d, %v; want 19", n, err)
	}
	if left := len(m.Rows()); left != 11 {
		t.Errorf("%d rows left, want 11", left)
	}
	clock = now.Add(5 * 24 * time.Hour) // five days later, five more are too old
	if n, err := r.PurgeOnce(context.Background()); err != nil || n != 5 {
		t.Errorf("PurgeOnce five days later = %d, %v; want 5", n, err)
	}
}

// Run purges at once and stops with its context.
func TestRetentionRun(t *testing.T) {
	m := historytest.NewMemory()
	old := row(1)
	old.Time = time.Now().Add(-48 * time.Hour)
	recent := row(2)
	recent.Time = time.Now()
	if err := m.Insert(context.Background(), []history.Record{old, recent}); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		(&history.Retention{Store: m, Keep: 24 * time.Hour, Every: time.Hour,
			Now: func() time.Time { return time.Now() }}).Run(ctx)
		close(done)
	}()
	eventually(t, "the first purge", func() bool { return len(m.Rows()) == 1 })
	cancel()
	<-done
}

// The rollups go with the rows: their hours before the purge's time and
// their days wholly before it, whether the store is opened lazily or not;
// a store that keeps no rollups is purged as before.
func TestRetentionPurgesRollups(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 6, 10, 12, 0, 0, 0, time.UTC)
	keep := 5 * 24 * time.Hour // before: June 5, 12:00
	day0 := time.Date(2026, 6, 4, 0, 0, 0, 0, time.UTC)
	batch := history.RollupBatch{To: now.Truncate(time.Hour).UnixMilli()}
	for i := range 48 {
		batch.Hours = append(batch.Hours, history.RollupHour{Hour: day0.Add(time.Duration(i) * time.Hour).UnixMilli()})
	}
	for i := range 2 {
		batch.Days = append(batch.Days, history.RollupDay{Device: "SEPA", Day: day0.AddDate(0, 0, i).UnixMilli()})
	}
	tests := []struct {
		name  string
		store func(m *historytest.Memory) history.Store
		purge bool
	}{
		{"store", func(m *historytest.Memory) history.Store { return m }, true},
		{"lazy", func(m *historytest.Memory) history.Store {
			return history.NewLazy(func(context.Context) (history.Store, error) { return m, nil })
		}, true},
		{"no rollups", func(m *historytest.Memory) history.Store { return struct{ history.Store }{m} }, false},
		{"lazy, no rollups", func(m *historytest.Memory) history.Store {
			return history.NewLazy(func(context.Context) (history.Store, error) { return struct{ history.Store }{m}, nil })
		}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := historytest.NewMemory()
			if err := m.ApplyRollup(ctx, batch); err != nil {
				t.Fatal(err)
			}
			r := &history.Retention{Store: tc.store(m), Keep: keep, Now: func() time.Time { return now }}
			if _, err := r.PurgeOnce(ctx); err != nil {
				t.Fatalf("PurgeOnce: %v", err)
			}
			hours, _ := m.RollupHours(ctx, "", 0, batch.To)
			days0, _ := m.RollupDays(ctx, day0.UnixMilli())
			days1, _ := m.RollupDays(ctx, day0.AddDate(0, 0, 1).UnixMilli())
			want := [3]int{48, 1, 1}
			if tc.purge {
				want = [3]int{12, 0, 1} // June 5 12:00 to 23:00; June 5 is not whole before it
			}
			if got := [3]int{len(hours), len(days0), len(days1)}; got != want {
				t.Errorf("hours, June 4, June 5 left: %v, want %v", got, want)
			}
		})
	}
}
