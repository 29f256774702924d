package rollup

import (
	"encoding/binary"
	"time"
)

// counters are one device's figures in one cluster: counts and logged-in
// milliseconds (summed), and the times (unix ms) of its last login and
// last row (0 for none).
type counters struct {
	Rows, Sessions, LoggedMs, LastLogin, LastRow int64
}

func (c counters) plus(d counters) counters {
	return counters{Rows: c.Rows + d.Rows, Sessions: c.Sessions + d.Sessions, LoggedMs: c.LoggedMs + d.LoggedMs,
		LastLogin: max(c.LastLogin, d.LastLogin), LastRow: max(c.LastRow, d.LastRow)}
}

// dayData is one device's row of one UTC day: its figures since the
// rollups began, up to the day's start (Base), and within each hour of
// the day. Every device known by a day has a row that day (the job
// carries the figures over), so that a report reads three days' rows
// rather than every day of its range.
type dayData struct {
	Base  counters
	Hours [24]counters
}

// at is the figures up to the start of hour k (0 to 24) of the day.
func (d *dayData) at(k int) counters {
	c := d.Base
	for _, h := range d.Hours[:k] {
		c = c.plus(h)
	}
	return c
}

func (d *dayData) encode() []byte {
	out := appendCounters(nil, d.Base)
	for k, h := range d.Hours {
		if h != (counters{}) {
			out = binary.AppendUvarint(out, uint64(k+1))
			out = appendCounters(out, h)
		}
	}
	return out
}

func appendCounters(out []byte, c counters) []byte {
	for _, v := range []int64{c.Rows, c.Sessions, c.LoggedMs, c.LastLogin, c.LastRow} {
		out = binary.AppendVarint(out, v)
	}
	return out
}

func decodeDay(b []byte) (*dayData, error) {
	r := reader{b: b}
	d := &dayData{Base: readCounters(&r)}
	for r.err == nil && len(r.b) > 0 {
		k := r.uvarint()
		if k < 1 || k > 24 {
			return nil, errCorrupt
		}
		d.Hours[k-1] = readCounters(&r)
	}
	return d, r.err
}

func readCounters(r *reader) counters {
	return counters{Rows: r.varint(), Sessions: r.varint(), LoggedMs: r.varint(), LastLogin: r.varint(), LastRow: r.varint()}
}

// dayKey names a device's row in a cluster.
type dayKey struct{ Device, Cluster string }

// midnight is the start of t's UTC day.
func midnight(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// dayAndHour locate a whole hour t in the rows: the day whose row holds
// the figures up to t and the hour index (1 to 24) they run through.
func dayAndHour(t time.Time) (time.Time, int) {
	t = t.UTC()
	d := midnight(t.Add(-time.Millisecond))
	return d, int(t.Sub(d) / time.Hour)
}
