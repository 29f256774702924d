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
