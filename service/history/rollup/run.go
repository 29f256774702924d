package rollup

import (
	"context"
	"errors"
	"time"

	"github.com/emconnector/emconnector/service/history"
	"github.com/emconnector/emconnector/service/history/report"
)

// MaxLag is how far behind now the watermark may be for a report to use
// the rollups: the rows after it are read (the tail), and a job that has
// fallen further behind (a rebuild under way, a database that was down)
// would make that read as long as the rows' way.
const MaxLag = 3 * time.Hour

// Run computes the report of f as report.Run does, from the rollups when
// the store keeps them, they are current (not stale, within MaxLag of
// now) and they can serve f (Servable); from the rows otherwise.
func Run(ctx context.Context, store history.Store, f report.Filter, now time.Time, hours *report.BusinessHours) (report.Report, error) {
	if err := f.Validate(); err != nil {
		return report.Report{}, err
	}
	rs := Of(ctx, store)
	if rs == nil || !Servable(f, hours) {
		return report.Run(ctx, store, f, now, hours)
	}
	st, err := rs.RollupState(ctx)
	if err != nil || st.Stale || st.Watermark == 0 || now.Sub(time.UnixMilli(st.Watermark)) > MaxLag {
		return report.Run(ctx, store, f, now, hours)
	}
	rep, err := fromRollups(ctx, rs, st, f, now)
	if errors.Is(err, errCorrupt) {
		return report.Run(ctx, store, f, now, hours)
	}
	return rep, err
}

// Of is store's rollups, or nil when it keeps none or cannot be opened
// (history.RollupsOf).
func Of(ctx context.Context, store history.Store) history.RollupStore {
	rs, err := history.RollupsOf(ctx, store)
	if err != nil {
		return nil
	}
	return rs
}

// Servable reports whether the rollups can serve f: no user, no device
// pattern and no business hours (the rollups keep none of these), and
// every group boundary, the range's ends and since on whole UTC hours (a
// zone whose offset is not whole hours, such as Asia/Kolkata, is served
// from the rows).
func Servable(f report.Filter, hours *report.BusinessHours) bool {
	if f.User != "" || f.Device != "" || hours != nil || !onHour(f.Since) {
		return false
	}
	for _, s := range report.Spans(f) {
		if !onHour(s.Start) || !onHour(s.End) {
			return false
		}
	}
	return true
}

func onHour(t time.Time) bool {
	return t.UnixMilli()%int64(time.Hour/time.Millisecond) == 0 && t.Nanosecond()%1e6 == 0
}
