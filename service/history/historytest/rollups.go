package historytest

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"

	"github.com/emconnector/emconnector/service/history"
)

// Memory is a history.RollupStore too, with the SQL stores' semantics
// (RollupContract checks both), so that the rollup job and the reports'
// rollup path are tested without a database.
var _ history.RollupStore = (*Memory)(nil)

// rollupData is Memory's rollups, guarded by Memory.mu.
type rollupData struct {
	state history.RollupState
	hours map[hourKey]history.RollupHour
	days  map[dayKey]history.RollupDay
	// names[kind][name] is the name's ID; ids[kind] the IDs taken.
	names map[string]map[string]int64
	ids   map[string]map[int64]bool
}

type hourKey struct {
	scope string
	hour  int64
}

type dayKey struct {
	device, cluster string
	day             int64
}

// markStale marks the rollups stale when rows hold one older than the
// watermark; m.mu is held (Insert's critical section).
func (m *Memory) markStale(rows []history.Record) {
	w := m.rollups.state.Watermark
	if w <= 0 {
		return
	}
	for _, r := range rows {
		if r.Time.UnixMilli() < w {
			m.rollups.state.Stale = true
			return
		}
	}
}

// RollupState implements history.RollupStore.
func (m *Memory) RollupState(ctx context.Context) (history.RollupState, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	st := m.rollups.state
	st.Open = bytes.Clone(st.Open)
	return st, ctx.Err()
}

// RollupNames implements history.RollupStore.
func (m *Memory) RollupNames(ctx context.Context, kind string) (map[string]int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := maps.Clone(m.rollups.names[kind])
	if out == nil {
		out = map[string]int64{}
	}
	return out, ctx.Err()
}

// RollupNameIDs implements history.RollupStore.
func (m *Memory) RollupNameIDs(ctx context.Context, kind string, names []string) (map[string]int64, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := map[string]int64{}
	for _, n := range names {
		if id, ok := m.rollups.names[kind][n]; ok {
			out[n] = id
		}
	}
	return out, ctx.Err()
}

// RollupHours implements history.RollupStore.
func (m *Memory) RollupHours(ctx context.Context, scope string, from, to int64) ([]history.RollupHour, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []history.RollupHour
	for k, h := range m.rollups.hours {
		if k.scope == scope && k.hour >= from && k.hour < to {
			out = append(out, cloneHour(h))
		}
	}
	slices.SortFunc(out, func(a, b history.RollupHour) int { return cmp.Compare(a.Hour, b.Hour) })
	return out, ctx.Err()
}

// RollupDays implements history.RollupStore: by device, then cluster.
func (m *Memory) RollupDays(ctx context.Context, day int64) ([]history.RollupDay, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []history.RollupDay
	for k, d := range m.rollups.days {
		if k.day == day {
			d.Data = bytes.Clone(d.Data)
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(a, b history.RollupDay) int {
		return cmp.Or(cmp.Compare(a.Device, b.Device), cmp.Compare(a.Cluster, b.Cluster))
	})
	return out, ctx.Err()
}

// ApplyRollup implements history.RollupStore: the checks and the writes
// hold the mutex, as the SQL stores' hold the state row's lock.
func (m *Memory) ApplyRollup(ctx context.Context, b history.RollupBatch) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	r := &m.rollups
	if r.state.Watermark != b.From || r.state.Stale || m.sessionRows(b.From, b.To) != b.Rows {
		return history.ErrRollupMoved
	}
	if err := r.checkNames(b.Names); err != nil {
		return err
	}
	r.init()
	for _, h := range b.Hours {
		r.hours[hourKey{h.Scope, h.Hour}] = cloneHour(h)
	}
	for _, d := range b.Days {
		d.Data = bytes.Clone(d.Data)
		r.days[dayKey{d.Device, d.Cluster, d.Day}] = d
	}
	for _, n := range b.Names {
		if r.names[n.Kind] == nil {
			r.names[n.Kind], r.ids[n.Kind] = map[string]int64{}, map[int64]bool{}
		}
		r.names[n.Kind][n.Name] = n.ID
		r.ids[n.Kind][n.ID] = true
	}
	r.state.Watermark, r.state.Open = b.To, bytes.Clone(b.Open)
	return nil
}

// sessionRows counts the rows of SessionOps in [from, to); from 0 is from
// the beginning. m.mu is held.
func (m *Memory) sessionRows(from, to int64) int64 {
	ops := history.SessionOps()
	var n int64
	for _, row := range m.rows {
		ms := row.Time.UnixMilli()
		if (from == 0 || ms >= from) && ms < to && slices.Contains(ops, row.Op) {
			n++
		}
	}
	return n
}

// checkNames refuses names whose (kind, name) or (kind, ID) is taken,
// already or twice in the batch, as the SQL stores' keys do.
func (r *rollupData) checkNames(names []history.RollupName) error {
	type kn struct{ kind, name string }
	type ki struct {
		kind string
		id   int64
	}
	seenName, seenID := map[kn]bool{}, map[ki]bool{}
	for _, n := range names {
		_, taken := r.names[n.Kind][n.Name]
		if taken || seenName[kn{n.Kind, n.Name}] {
			return fmt.Errorf("historytest: rollup name %s %q is interned already", n.Kind, n.Name)
		}
		if r.ids[n.Kind][n.ID] || seenID[ki{n.Kind, n.ID}] {
			return fmt.Errorf("historytest: rollup name ID %s %d is taken", n.Kind, n.ID)
		}
		seenName[kn{n.Kind, n.Name}], seenID[ki{n.Kind, n.ID}] = true, true
	}
	return nil
}

func (r *rollupData) init() {
	if r.hours == nil {
		r.hours = map[hourKey]history.RollupHour{}
		r.days = map[dayKey]history.RollupDay{}
		r.names = map[string]map[string]int64{}
		r.ids = map[string]map[int64]bool{}
	}
}

// ResetRollups implements history.RollupStore.
func (m *Memory) ResetRollups(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.rollups = rollupData{}
	return nil
}

// PurgeRollups implements history.RollupStore.
func (m *Memory) PurgeRollups(ctx context.Context, before int64) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	maps.DeleteFunc(m.rollups.hours, func(k hourKey, _ history.RollupHour) bool { return k.hour < before })
	maps.DeleteFunc(m.rollups.days, func(k dayKey, _ history.RollupDay) bool { return k.day+dayMS <= before })
	return nil
}

const dayMS = 24 * 60 * 60 * 1000

func cloneHour(h history.RollupHour) history.RollupHour {
	h.Users, h.Devices, h.Lengths = bytes.Clone(h.Users), bytes.Clone(h.Devices), bytes.Clone(h.Lengths)
	return h
}
