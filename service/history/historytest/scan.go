package historytest

import (
	"cmp"
	"context"
	"slices"

	"github.com/emconnector/emconnector/service/history"
)

// ScanSessions implements history.SessionScanner (a RollupStore is one):
// the rows of sc oldest first, with the columns the SQL stores return.
// fn runs without the mutex held.
func (m *Memory) ScanSessions(ctx context.Context, sc history.SessionScan, fn func(history.Record) error) error {
	ops := history.SessionOps()
	from, to := sc.From.UnixMilli(), sc.To.UnixMilli()
	m.mu.Lock()
	var out []history.Record
	for _, r := range m.rows {
		ms := r.Time.UnixMilli()
		if ms < from || ms >= to || !slices.Contains(ops, r.Op) ||
			(sc.Cluster != "" && r.Cluster != sc.Cluster) || (sc.Device != "" && r.Device != sc.Device) {
			continue
		}
		out = append(out, history.Record{Seq: r.Seq, Time: r.Time, Op: r.Op, Device: r.Device, User: r.User,
			Cluster: r.Cluster, Class: r.Class, Until: r.Until})
	}
	m.mu.Unlock()
	slices.SortFunc(out, func(a, b history.Record) int {
		return cmp.Or(a.Time.Compare(b.Time), cmp.Compare(a.Seq, b.Seq))
	})
	for _, r := range out {
		if err := ctx.Err(); err != nil {
			return err
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}
