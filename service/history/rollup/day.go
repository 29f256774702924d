package rollup

import (
	"encoding/binary"
	"time"

	"github.com/emconnector/emconnector/service/history"
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

// dayData is one device's figures in one cluster for one UTC day: since
// the rollups began, up to the day's start (Base), and within each hour
// of the day. Every device known by a day is in that day's snapshot (the
// job carries the figures over), so that a report reads at most three
// snapshots rather than every day of its range.
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

// encodeDays writes a day's snapshot: every device's figures, in one blob
// (one row a day: a report reads three rows, not three times every
// device's).
func encodeDays(days map[dayKey]*dayData) []byte {
	out := binary.AppendUvarint(nil, uint64(len(days)))
	for k, d := range days {
		for _, t := range []string{k.Device, k.Cluster} {
			out = binary.AppendUvarint(out, uint64(len(t)))
			out = append(out, t...)
		}
		b := d.encode()
		out = binary.AppendUvarint(out, uint64(len(b)))
		out = append(out, b...)
	}
	return out
}

// snapshot decodes the rows of a day (one, or none before the first),
// every device's figures whole (the job changes them).
func snapshot(rows []history.RollupDay) (map[dayKey]*dayData, error) {
	es, err := entries(rows)
	if err != nil {
		return nil, err
	}
	out := make(map[dayKey]*dayData, len(es))
	for _, e := range es {
		if out[e.key], err = decodeDay(e.raw); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// entry is one device's encoded figures in a snapshot (a view into it).
type entry struct {
	key dayKey
	raw []byte
}

// entries splits a snapshot without decoding the figures: a report needs
// each device's sums up to one hour, not its whole day.
func entries(rows []history.RollupDay) ([]entry, error) {
	if len(rows) == 0 {
		return nil, nil
	}
	r := reader{b: rows[0].Data}
	n := r.uvarint()
	if n > uint64(len(r.b)) {
		return nil, errCorrupt
	}
	out := make([]entry, 0, n)
	for range n {
		e := entry{key: dayKey{Device: r.text(), Cluster: r.text()}}
		size := r.uvarint()
		if r.err != nil || size > uint64(len(r.b)) {
			return nil, errCorrupt
		}
		e.raw, r.b = r.b[:size], r.b[size:]
		out = append(out, e)
	}
	return out, nil
}

// sumTo is an encoded dayData's figures up to the start of hour k.
func sumTo(raw []byte, k int) (counters, error) {
	r := reader{b: raw}
	c := readCounters(&r)
	for r.err == nil && len(r.b) > 0 {
		h := int(r.uvarint())
		v := readCounters(&r)
		if h < 1 || h > 24 {
			return c, errCorrupt
		}
		if h <= k {
			c = c.plus(v)
		}
	}
	return c, r.err
}
