package rollup

import (
	"context"
	"errors"
	"maps"
	"math/bits"
	"slices"
	"sync"
	"time"

	"github.com/emconnector/emconnector/service/history"
	"github.com/emconnector/emconnector/service/history/report"
)

// bitset holds interned IDs.
type bitset []uint64

func (b *bitset) set(id int64) {
	for int(id/64) >= len(*b) {
		*b = append(*b, 0)
	}
	(*b)[id/64] |= 1 << (id % 64)
}

func (b bitset) has(id int64) bool { return int(id/64) < len(b) && b[id/64]&(1<<(id%64)) != 0 }

func (b bitset) count() int {
	n := 0
	for _, w := range b {
		n += bits.OnesCount64(w)
	}
	return n
}

// keyFig is one device's figures in one cluster over the report.
type keyFig struct {
	rows, sessions     int64
	logged             time.Duration
	lastLogin, lastRow int64 // unix ms, 0 for none
}

// gather collects a report's Parts from the rollups below the watermark
// and from the rows above it (the tail).
type gather struct {
	f                   report.Filter
	now, w              time.Time
	spans               []report.Span
	groups              []report.GroupPart
	userBits, devBits   []bitset
	tailUsers, tailDevs []map[string]bool
	keys                map[dayKey]*keyFig
}

// fromRollups is the report of f from the rollups at state st.
func fromRollups(ctx context.Context, rs history.RollupStore, st history.RollupState, f report.Filter, now time.Time) (report.Report, error) {
	g := &gather{f: f, now: now, w: time.UnixMilli(st.Watermark).UTC(), spans: report.Spans(f), keys: map[dayKey]*keyFig{}}
	n := len(g.spans)
	g.groups, g.userBits, g.devBits = make([]report.GroupPart, n), make([]bitset, n), make([]bitset, n)
	g.tailUsers, g.tailDevs = make([]map[string]bool, n), make([]map[string]bool, n)
	for i := range n {
		g.tailUsers[i], g.tailDevs[i] = map[string]bool{}, map[string]bool{}
	}
	open, err := decodeOpen(st.Open)
	if err != nil {
		return report.Report{}, err
	}
	if err := g.tail(ctx, rs, open); err != nil {
		return report.Report{}, err
	}
	// The devices' snapshots and the hours touch apart fields (the keys;
	// the groups): two reads at once, on the cores a report may use (two
	// reports run at a time).
	var wg sync.WaitGroup
	errs := make([]error, 2)
	wg.Go(func() { errs[0] = g.days(ctx, rs) })
	wg.Go(func() { errs[1] = g.hours(ctx, rs, g.f.From, g.below()) })
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return report.Report{}, err
	}
	if err := g.distinct(ctx, rs); err != nil {
		return report.Report{}, err
	}
	rep := report.Assemble(f, now, nil, report.Parts{Groups: g.groups, Devices: g.devices()})
	w := g.w.In(f.Zone)
	rep.RollupsUntil = &w
	return rep, nil
}

// below is where the rollups' part of the range ends.
func (g *gather) below() time.Time { return earlier(g.f.To, g.w) }

// hours adds the scope's rows of [from, to), the range below the
// watermark: whole UTC days within a group as one row, hours otherwise
// (covering). The session lengths of a group's rows go into one
// Histogram with the tail's lengths of the group, for its median, a group
// at a time.
func (g *gather) hours(ctx context.Context, rs history.RollupStore, from, to time.Time) error {
	if !from.Before(to) {
		return nil
	}
	rows, err := g.covering(ctx, rs, from, to)
	if err != nil {
		return err
	}
	var h report.Histogram
	open := -1 // the group whose lengths h holds
	closeGroup := func() {
		if open >= 0 {
			p := &g.groups[open]
			p.Median, p.Lengths = h.Median(), nil
			h.Reset()
		}
	}
	for _, r := range rows {
		i := report.GroupOf(g.spans, time.UnixMilli(r.Hour))
		if i < 0 {
			continue
		}
		p := &g.groups[i]
		if i != open {
			closeGroup()
			open = i
			h.AddLengths(p.Lengths)
		}
		p.Logins += int(r.Logins)
		p.Failures += int(r.Failures)
		p.Peak = max(p.Peak, int(r.Peak))
		p.Logged += time.Duration(r.LoggedMs) * time.Millisecond
		if err := decodeSetInto(r.Users, &g.userBits[i]); err != nil {
			return err
		}
		if err := decodeSetInto(r.Devices, &g.devBits[i]); err != nil {
			return err
		}
		if err := eachLength(r.Lengths, h.AddCell); err != nil {
			return err
		}
	}
	closeGroup()
	return nil
}

// days adds each device's figures below the watermark: whether it has a
// row in the window (report.Lookback before from or since: its last row
// before the range's end is in it), and its sessions and time within the
// range (the snapshot at the end less the one at from).
func (g *gather) days(ctx context.Context, rs history.RollupStore) error {
	z := earlier(g.f.From, g.f.Since).Add(-report.Lookback).UnixMilli()
	b := g.below()
	if !g.f.From.Before(b) { // only the window's rows below: the last of each
		return g.each(ctx, rs, b, func(k dayKey, c counters) { g.last(k, c, z) })
	}
	err := g.each(ctx, rs, b, func(k dayKey, c counters) {
		fig := g.last(k, c, z)
		fig.sessions += c.Sessions
		fig.logged += time.Duration(c.LoggedMs) * time.Millisecond
	})
	if err != nil {
		return err
	}
	return g.each(ctx, rs, g.f.From, func(k dayKey, c counters) {
		if fig := g.keys[k]; fig != nil {
			fig.sessions -= c.Sessions
			fig.logged -= time.Duration(c.LoggedMs) * time.Millisecond
		}
	})
}

// last notes a device's last row and login before the range's end; a row
// at or after z puts it in the report.
func (g *gather) last(k dayKey, c counters, z int64) *keyFig {
	fig := g.key(k) // the tail's rows, read first, are later
	fig.lastRow = max(fig.lastRow, c.LastRow)
	if c.LastRow >= z && c.LastRow != 0 {
		fig.rows++
	}
	if c.LastLogin >= z {
		fig.lastLogin = max(fig.lastLogin, c.LastLogin)
	}
	return fig
}

// each calls fn with every device's figures (of the filter's cluster) up
// to the whole hour t, from the snapshot of t's day.
func (g *gather) each(ctx context.Context, rs history.RollupStore, t time.Time, fn func(dayKey, counters)) error {
	day, k := dayAndHour(t)
	rows, err := rs.RollupDays(ctx, day.UnixMilli())
	if err != nil {
		return err
	}
	es, err := entries(rows)
	if err != nil {
		return err
	}
	for _, e := range es {
		if g.f.Cluster != "" && e.key.Cluster != g.f.Cluster {
			continue
		}
		c, err := sumTo(e.raw, k)
		if err != nil {
			return err
		}
		fn(e.key, c)
	}
	return nil
}

func (g *gather) key(k dayKey) *keyFig {
	fig := g.keys[k]
	if fig == nil {
		fig = &keyFig{}
		g.keys[k] = fig
	}
	return fig
}

// devices puts each device's keys together: a device is in the report
// when it has a row in the window; its cluster is its last row's. A key
// without a row in the window is a session begun before it, which the
// rows' way does not see either.
func (g *gather) devices() map[string]*report.DevicePart {
	out := map[string]*report.DevicePart{}
	last := map[string]int64{}
	for k, fig := range g.keys {
		if fig.rows <= 0 {
			continue
		}
		d := out[k.Device]
		if d == nil {
			d = &report.DevicePart{}
			out[k.Device] = d
		}
		if fig.lastRow >= last[k.Device] {
			last[k.Device], d.Cluster = fig.lastRow, k.Cluster
		}
		d.Sessions += int(fig.sessions)
		d.Logged += fig.logged
		if fig.lastLogin != 0 && fig.lastLogin > msOrZero(d.LastLogin) {
			d.LastLogin = time.UnixMilli(fig.lastLogin).UTC()
		}
	}
	return out
}

// distinct counts each group's users and devices: the rollups' IDs and
// the tail's names (interned or not yet).
func (g *gather) distinct(ctx context.Context, rs history.RollupStore) error {
	for _, side := range []struct {
		kind  string
		bits  []bitset
		names []map[string]bool
		set   func(i, n int)
	}{
		{history.NameUser, g.userBits, g.tailUsers, func(i, n int) { g.groups[i].Users = n }},
		{history.NameDevice, g.devBits, g.tailDevs, func(i, n int) { g.groups[i].Devices = n }},
	} {
		all := map[string]bool{}
		for _, m := range side.names {
			for name := range m {
				all[name] = true
			}
		}
		ids := map[string]int64{}
		if len(all) > 0 {
			var err error
			if ids, err = rs.RollupNameIDs(ctx, side.kind, slices.Collect(maps.Keys(all))); err != nil {
				return err
			}
		}
		for i := range g.spans {
			n := side.bits[i].count()
			for name := range side.names[i] {
				if id, ok := ids[name]; !ok || !side.bits[i].has(id) {
					n++
				}
			}
			side.set(i, n)
		}
	}
	return nil
}
