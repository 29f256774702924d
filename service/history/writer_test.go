package history_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emconnector/emconnector/service"
	"github.com/emconnector/emconnector/service/history"
	"github.com/emconnector/emconnector/service/history/historytest"
)

var errDown = errors.New("database down")

func row(i int) history.Record { return historytest.Row(i) }

// eventually polls cond for up to 30 s: generous, since it costs nothing
// when cond comes true and the machine may be loaded by the whole suite
// under -race.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func closeWriter(t *testing.T, w *history.Writer) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := w.Close(ctx); err != nil {
		t.Fatalf("Close: %v", err)
	}
}

func wantIDs(t *testing.T, got []history.Record, n int) {
	t.Helper()
	if len(got) != n {
		t.Fatalf("%d rows written, want %d", len(got), n)
	}
	for i, r := range got {
		if r.ID != row(i).ID {
			t.Fatalf("row %d is %s, want %s (order)", i, r.ID, row(i).ID)
		}
	}
}

// A full batch is committed at once, without waiting for the interval;
// the rest waits for the interval (here: Close).
func TestWriterBatches(t *testing.T) {
	m := historytest.NewMemory()
	w := history.NewWriter(m, history.WriterOptions{BatchSize: 5, Interval: time.Hour})
	for i := range 12 {
		w.Add(row(i))
	}
	eventually(t, "two full batches", func() bool { return m.Inserts() == 2 })
	if got := len(m.Rows()); got != 10 {
		t.Errorf("%d rows before Close, want 10 (two batches of 5)", got)
	}
	// Depth is read without stopping the writer, which may be between
	// taking a row from the queue and counting it in the batch, or between
	// the commit and uncounting it: it settles at the 2 rows left.
	eventually(t, "depth 2", func() bool { return w.Stats().Depth == 2 })
	closeWriter(t, w)
	wantIDs(t, m.Rows(), 12)
}

// Rows that do not fill a batch are committed together after Interval:
// this is what bounds a kill -9's loss to one interval plus the queue.
// The path is what shows it (the rows are committed before Close and
// without a full batch, so the interval's timer did it); the time bound is
// only a coarse check that the 20 ms interval is the one in force, 250
// times it so that a loaded machine under -race cannot break it.
func TestWriterGroupCommitsEveryInterval(t *testing.T) {
	m := historytest.NewMemory()
	w := history.NewWriter(m, history.WriterOptions{BatchSize: 1000, Interval: 20 * time.Millisecond})
	defer closeWriter(t, w)
	start := time.Now()
	for i := range 30 {
		w.Add(row(i))
	}
	eventually(t, "the interval's commit", func() bool { return len(m.Rows()) == 30 })
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("rows committed after %s, want about one interval", took)
	}
	if m.Inserts() > 2 {
		t.Errorf("%d transactions for 30 rows, want them grouped", m.Inserts())
	}
	if w.Stats().LastCommit.IsZero() || w.Stats().Depth != 0 {
		t.Errorf("stats %+v after the commit", w.Stats())
	}
}

// With the store down, the batch in hand and the queue are kept up to the
// bound, every further row is dropped and counted, and Add never blocks.
func TestWriterBoundAndDrops(t *testing.T) {
	m := historytest.NewMemory()
	m.Fail(errDown)
	w := history.NewWriter(m, history.WriterOptions{QueueSize: 4, BatchSize: 2, Interval: time.Hour, RetryMin: time.Hour})
	w.Add(row(0))
	w.Add(row(1))
	eventually(t, "the first failed write", func() bool { return m.Attempts() == 1 })
	// The writer now waits an hour before its next try, so an Add that
	// blocked would block for that hour: finishing at all, within a bound
	// generous for a loaded machine, shows that Add does not wait.
	start := time.Now()
	for i := 2; i < 1000; i++ {
		w.Add(row(i))
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("998 Adds on a full queue took %s", took)
	}
	s := w.Stats()
	if s.Dropped != 994 || s.Depth != 6 || !s.LastCommit.IsZero() {
		t.Errorf("stats %+v, want 994 dropped, depth 6 (batch 2 + queue 4), no commit", s)
	}
	m.Fail(nil)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := w.Close(ctx); err != nil {
		t.Fatal(err)
	}
	wantIDs(t, m.Rows(), 6)
}

// A store that fails and recovers gets every kept row, in order, once.
func TestWriterRetriesUntilTheStoreRecovers(t *testing.T) {
	m := historytest.NewMemory()
	m.Fail(errDown)
	var logs bytes.Buffer
	w := history.NewWriter(m, history.WriterOptions{BatchSize: 3, Interval: 5 * time.Millisecond,
		RetryMin: time.Millisecond, RetryMax: 4 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	for i := range 10 {
		w.Add(row(i))
	}
	eventually(t, "several failed writes", func() bool { return m.Attempts() >= 5 })
	m.Fail(nil)
	eventually(t, "the kept rows", func() bool { return len(m.Rows()) == 10 })
	closeWriter(t, w)
	wantIDs(t, m.Rows(), 10)
	if w.Stats().Dropped != 0 {
		t.Errorf("dropped %d", w.Stats().Dropped)
	}
	// The default WarnEvery (30 s) lets one WARN through for the outage.
	if n := strings.Count(logs.String(), "history: write failed"); n != 1 {
		t.Errorf("%d WARN lines for one outage, want 1 (rate-limited):\n%s", n, logs.String())
	}
	if !strings.Contains(logs.String(), "database down") {
		t.Errorf("the WARN does not say why:\n%s", logs.String())
	}
}

// Close writes everything queued, however far from the interval.
func TestWriterCloseFlushes(t *testing.T) {
	m := historytest.NewMemory()
	w := history.NewWriter(m, history.WriterOptions{BatchSize: 7, Interval: time.Hour})
	for i := range 50 {
		w.Add(row(i))
	}
	closeWriter(t, w)
	wantIDs(t, m.Rows(), 50)
	w.Add(row(50))
	if s := w.Stats(); s.Dropped != 1 {
		t.Errorf("a row added after Close: dropped %d, want 1", s.Dropped)
	}
	if err := w.Close(context.Background()); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// Close gives up when its context ends: the rows left are counted and
// the error says how many.
func TestWriterCloseGivesUp(t *testing.T) {
	m := historytest.NewMemory()
	m.Fail(errDown)
	w := history.NewWriter(m, history.WriterOptions{Interval: time.Hour, RetryMin: time.Millisecond})
	for i := range 20 {
		w.Add(row(i))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	err := w.Close(ctx)
	if err == nil || !strings.Contains(err.Error(), "20 rows not written") {
		t.Errorf("Close = %v, want 20 rows not written", err)
	}
	if s := w.Stats(); s.Dropped != 20 || s.Depth != 0 {
		t.Errorf("stats %+v, want 20 dropped", s)
	}
}

// Add and Stats are safe from many request goroutines at once.
func TestWriterConcurrentAdds(t *testing.T) {
	m := historytest.NewMemory()
	w := history.NewWriter(m, history.WriterOptions{BatchSize: 10, Interval: time.Millisecond})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 100 {
				w.Consume(service.Event{ID: fmt.Sprint(g, i), Device: "SEP1"})
				_ = w.Stats()
			}
		})
	}
	wg.Wait()
	closeWriter(t, w)
	if n := len(m.Rows()); n != 800 {
		t.Errorf("%d rows, want 800", n)
	}
}

func TestFromEvent(t *testing.T) {
	start := time.Date(2026, 1, 2, 3, 4, 5, 678_900_000, time.FixedZone("CET", 3600))
	full := service.Event{ID: "r1", Client: "10.1.1.1", Peer: "10.1.1.1:5555", Method: "POST", AppID: "app",
		Op: service.OpLogin, Device: "SEP1", User: "u1", Cluster: "EU", PINFlow: true,
		Nodes: []string{"US/a:1", "EU/b:2"}, Attempts: 3, Code: 0, Class: service.ClassSuccess,
		Text: "ok", Status: 200, Start: start, Duration: 1500*time.Millisecond + 999*time.Microsecond}
	tests := []struct {
		name string
		e    service.Event
		ok   bool
		want history.Record
	}{
		{"no device nor user", service.Event{ID: "v", Op: service.OpVersion}, false, history.Record{}},
		{"a sweep's run", service.Event{ID: "s", Op: service.OpRunSweep, Actor: "admin", Start: start}, true,
			history.Record{ID: "s", Op: "runsweep", Actor: "admin", Time: time.Date(2026, 1, 2, 2, 4, 5, 678_000_000, time.UTC)}},
		{"user only", service.Event{ID: "u", User: "u1", Start: start}, true,
			history.Record{ID: "u", User: "u1", Time: time.Date(2026, 1, 2, 2, 4, 5, 678_000_000, time.UTC)}},
		{"full", full, true, history.Record{Time: time.Date(2026, 1, 2, 2, 4, 5, 678_000_000, time.UTC), ID: "r1",
			Op: "login", Device: "SEP1", User: "u1", Cluster: "EU", Code: 0, Class: "success", Text: "ok",
			Duration: 1500 * time.Millisecond, Client: "10.1.1.1", AppID: "app", Node: "EU/b:2", Roaming: true}},
	}
	for _, tc := range tests {
		got, ok := history.FromEvent(tc.e)
		if ok != tc.ok || got != tc.want {
			t.Errorf("%s: got %+v, %v\nwant %+v, %v", tc.name, got, ok, tc.want, tc.ok)
		}
	}
}

// blockingStore's Insert waits for its context: a database that hangs.
type blockingStore struct {
	historytest.Memory
	started atomic.Bool // an Insert has begun
}

func (b *blockingStore) Insert(ctx context.Context, _ []history.Record) error {
	b.started.Store(true)
	<-ctx.Done()
	return ctx.Err()
}

// A write hanging when Close is called ends with Close's context, not
// with the (longer) write timeout: the write timeout is an hour, so a
// Close that ends within a minute (generous for a loaded machine, against
// Close's 100 ms) was ended by its own context.
func TestWriterCloseBoundsAHangingWrite(t *testing.T) {
	store := &blockingStore{}
	w := history.NewWriter(store, history.WriterOptions{Interval: time.Millisecond, WriteTimeout: time.Hour})
	w.Add(row(1))
	eventually(t, "the write has started", store.started.Load)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	err := w.Close(ctx)
	if took := time.Since(start); took > time.Minute || err == nil {
		t.Errorf("Close = %v after %s, want an error within the flush bound", err, took)
	}
	if w.Stats().Dropped != 1 {
		t.Errorf("dropped %d, want 1", w.Stats().Dropped)
	}
}
