package rollup

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/emconnector/emconnector/service/history"
	"github.com/emconnector/emconnector/service/history/report"
)

func TestSetRoundTrip(t *testing.T) {
	for _, tc := range []struct {
		name string
		ids  []int64
		enc  byte
	}{
		{"empty", nil, setList},
		{"sparse: a list", []int64{5, 90000, 7}, setList},
		{"dense: a bitmap", func() []int64 {
			var ids []int64
			for i := int64(1); i < 3000; i += 2 {
				ids = append(ids, i)
			}
			return ids
		}(), setBitmap},
	} {
		b := encodeSet(slices.Clone(tc.ids))
		if b[0] != tc.enc {
			t.Errorf("%s: encoded as %d", tc.name, b[0])
		}
		var bs bitset
		if err := decodeSetInto(b, &bs); err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if bs.count() != len(tc.ids) {
			t.Errorf("%s: %d ids back, want %d", tc.name, bs.count(), len(tc.ids))
		}
		for _, id := range tc.ids {
			if !bs.has(id) {
				t.Errorf("%s: lost %d", tc.name, id)
			}
		}
	}
}

func TestBlobsRoundTrip(t *testing.T) {
	l := report.Lengths{}
	l.Add(4_800_000, 3)
	l.Add(12, 1)
	var back report.Lengths
	if err := decodeLengths(encodeLengths(l), &back); err != nil || len(back) != 2 || back[4_800_000] != 3 || back[12] != 1 {
		t.Errorf("lengths: %v, %v", back, err)
	}
	t0 := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	open := []history.Session{{Device: "SEP1", Cluster: "EU", User: "ä", Start: t0, Open: true},
		{Device: "SEP2", Cluster: "", User: "", Start: t0, Until: t0.Add(time.Hour), Open: true}}
	if got, err := decodeOpen(encodeOpen(open)); err != nil || !slices.Equal(got, open) {
		t.Errorf("open sessions: %v, %v", got, err)
	}
	d := &dayData{Base: counters{Rows: 3, LoggedMs: 10, LastRow: 99}}
	d.Hours[2] = counters{Rows: 1, Sessions: 1, LoggedMs: 5, LastLogin: 120, LastRow: 120}
	d.Hours[23] = counters{LoggedMs: 7}
	es, err := entries([]history.RollupDay{{Data: encodeDays(map[dayKey]*dayData{{"SEP1", "EU"}: d})}})
	if err != nil || len(es) != 1 || es[0].key != (dayKey{"SEP1", "EU"}) {
		t.Fatalf("entries: %v, %v", es, err)
	}
	for _, k := range []int{0, 2, 3, 24} {
		if c, err := sumTo(es[0].raw, k); err != nil || c != d.at(k) {
			t.Errorf("sumTo(%d) = %+v, %v; want %+v", k, c, err, d.at(k))
		}
	}
}

// Corrupt blobs (a damaged database) are errors, never a panic or a huge
// allocation.
func TestCorruptBlobs(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for range 2000 {
		b := make([]byte, r.IntN(40))
		for i := range b {
			b[i] = byte(r.IntN(256))
		}
		var bs bitset
		_ = decodeSetInto(b, &bs)
		var l report.Lengths
		_ = decodeLengths(b, &l)
		_, _ = decodeOpen(b)
		if es, err := entries([]history.RollupDay{{Data: b}}); err == nil {
			for _, e := range es {
				_, _ = sumTo(e.raw, 24)
			}
		}
		if len(bs) > maxID/64 {
			t.Fatalf("a %d-byte blob made a %d-word set", len(b), len(bs))
		}
	}
}
