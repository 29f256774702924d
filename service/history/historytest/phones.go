package historytest

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/emconnector/emconnector/service/history"
)

// LastPhoneChanges implements history.PhoneChanges.
func (m *Memory) LastPhoneChanges(_ context.Context, ops []string, before time.Time) ([]history.Record, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	newest := map[string]history.Record{}
	for _, r := range m.rows {
		if r.Device == "" || r.Class != "success" || !slices.Contains(ops, r.Op) || r.Time.UnixMilli() >= before.UnixMilli() {
			continue
		}
		if o, ok := newest[r.Device]; !ok || cmp.Or(r.Time.Compare(o.Time), cmp.Compare(r.Seq, o.Seq)) > 0 {
			newest[r.Device] = r
		}
	}
	out := make([]history.Record, 0, len(newest))
	for _, r := range newest {
		out = append(out, r)
	}
	return out, nil
}
