package history_test

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emconnector/emconnector/service"
	"github.com/emconnector/emconnector/service/history"
	"github.com/emconnector/emconnector/service/history/historytest"
)

// pickyStore refuses, as a database does, any batch holding a row whose
// device starts with "BAD" (the whole transaction fails), and counts the
// attempts.
type pickyStore struct {
	*historytest.Memory
	inserts atomic.Int64
}

func (p *pickyStore) Insert(ctx context.Context, rows []history.Record) error {
	p.inserts.Add(1)
	for _, r := range rows {
		if strings.HasPrefix(r.Device, "BAD") {
			return history.Refused(fmt.Errorf("invalid byte sequence for encoding \"UTF8\" in %d rows", len(rows)))
		}
	}
	return p.Memory.Insert(ctx, rows)
}

// One row the database refuses is skipped alone: the rows before and after
// it in its batch, and every later batch, are written in order.
func TestWriterRejectsARefusedRowAndGoesOn(t *testing.T) {
	tests := []struct {
		name  string
		rows  int
		bad   []int
		batch int
	}{
		{"one bad row in a full batch", 200, []int{77}, 200},
		{"first and last", 50, []int{0, 49}, 50},
		{"every row of a batch", 8, []int{0, 1, 2, 3, 4, 5, 6, 7}, 8},
		{"bad rows across batches", 100, []int{3, 30, 31, 99}, 16},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			store := &pickyStore{Memory: historytest.NewMemory()}
			var logs bytes.Buffer
			w := history.NewWriter(store, history.WriterOptions{BatchSize: tc.batch, Interval: time.Millisecond,
				Logger: slog.New(slog.NewTextHandler(&logs, nil)), WarnEvery: time.Hour})
			isBad := map[int]bool{}
			for _, i := range tc.bad {
				isBad[i] = true
			}
			for i := range tc.rows {
				r := row(i)
				if isBad[i] {
					r.Device = "BAD" + strings.Repeat("x", 10_000)
				}
				w.Add(r)
			}
			closeWriter(t, w)
			got := store.Rows()
			if want := tc.rows - len(tc.bad); len(got) != want {
				t.Fatalf("%d rows written, want %d", len(got), want)
			}
			if s := w.Stats(); s.Rejected != uint64(len(tc.bad)) || s.Dropped != 0 || s.Depth != 0 {
				t.Errorf("stats %+v, want %d rejected, none dropped or waiting", s, len(tc.bad))
			}
			if n := strings.Count(logs.String(), "refused a row"); n != 1 {
				t.Errorf("%d warnings about refused rows, want one (rate-limited):\n%s", n, logs.String())
			}
			if strings.Contains(logs.String(), "xxxxxxxxxx") {
				t.Errorf("the refused row's value reached the log")
			}
		})
	}
}

// A database that is down is not a refusal: the batch is kept and retried
// whole, nothing is rejected.
func TestWriterRetriesAnOutageWhole(t *testing.T) {
	m := historytest.NewMemory()
	m.Fail(errDown)
	w := history.NewWriter(m, history.WriterOptions{Interval: time.Millisecond, RetryMin: time.Millisecond, RetryMax: time.Millisecond})
	for i := range 10 {
		w.Add(row(i))
	}
	eventually(t, "a failed attempt", func() bool { return m.Attempts() > 2 })
	m.Fail(nil)
	closeWriter(t, w)
	if s := w.Stats(); s.Rejected != 0 || len(m.Rows()) != 10 {
		t.Errorf("stats %+v, %d rows; want none rejected and 10 rows", s, len(m.Rows()))
	}
}

// Values are made storable before they are queued, whatever the Event.
func TestRecordsAreStorable(t *testing.T) {
	e := service.Event{ID: "r", Op: service.OpLogin, Device: "SEP\xff" + strings.Repeat("D", 5000), User: "u\x00",
		Text: strings.Repeat("t", 10_000), Start: time.Now(), Status: 200}
	recs := history.RecordsOf(e)
	if len(recs) != 1 {
		t.Fatalf("%d records", len(recs))
	}
	r := recs[0]
	if len(r.Device) > service.MaxNameBytes || len(r.Text) > service.MaxTextBytes || r.User != "u\uFFFD" ||
		!strings.HasPrefix(r.Device, "SEP\uFFFD") {
		t.Errorf("record not storable: device %d bytes, text %d bytes, user %q", len(r.Device), len(r.Text), r.User)
	}
}

// logoutuser is kept as one row per device it acted on.
func TestRecordsOfLogoutUser(t *testing.T) {
	e := service.Event{ID: "r", Op: service.OpLogoutUser, User: "alice", Cluster: "EU", Code: 1002, Start: time.Now(),
		Devices: []service.DeviceResult{{Device: "SEP1", Cluster: "EU", Code: 0, Text: "Logout successful"},
			{Device: "SEP2", Cluster: "US", Code: 25, Text: "not logged in"},
			{Device: "", Cluster: "AP", Code: 1002, Text: "cluster unreachable"}}}
	recs := history.RecordsOf(e)
	want := []struct {
		dev, cluster, class string
		code                int
	}{{"SEP1", "EU", "success", 0}, {"SEP2", "US", "cucm_error", 25}, {"", "AP", "unavailable", 1002}}
	if len(recs) != len(want) {
		t.Fatalf("%d records, want %d", len(recs), len(want))
	}
	for i, w := range want {
		r := recs[i]
		if r.Device != w.dev || r.Cluster != w.cluster || r.Class != w.class || r.Code != w.code || r.User != "alice" || r.ID != "r" {
			t.Errorf("record %d = %+v, want %+v", i, r, w)
		}
	}
	e.Devices = nil
	if recs := history.RecordsOf(e); len(recs) != 1 || recs[0].Device != "" {
		t.Errorf("no device: %+v, want the one row", recs)
	}
}
