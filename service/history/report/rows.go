package report

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/emconnector/emconnector/service/history"
)

// Window is the span of history rows a report of f reads: from Lookback
// before the range (or before Since, if earlier) to its end.
func Window(f Filter) (from, to time.Time) {
	return earlier(f.From, f.Since).Add(-Lookback), f.To
}

// Read reads the rows a report of f needs from store, oldest first, at
// most MaxRows of them. The cluster, and a device pattern without a
// wildcard, narrow the read; the user cannot (a logout row names no user).
func Read(ctx context.Context, store history.Store, f Filter) ([]history.Record, error) {
	from, to := Window(f)
	q := history.Query{From: from, To: to, Cluster: f.Cluster, Device: f.literalDevice(), Limit: history.MaxLimit}
	var rows []history.Record
	for {
		p, err := store.Query(ctx, q)
		if err != nil {
			return nil, err
		}
		rows = append(rows, p.Rows...)
		if len(rows) > MaxRows {
			return nil, bad("from", "the report would read more than %d history rows: choose a shorter range, a cluster or a device", MaxRows)
		}
		if p.Next == "" {
			break
		}
		q.Cursor = p.Next
	}
	slices.Reverse(rows)
	return rows, nil
}

// Run reads the rows of f from store and computes its report.
func Run(ctx context.Context, store history.Store, f Filter, now time.Time, hours *BusinessHours) (Report, error) {
	if err := f.Validate(); err != nil {
		return Report{}, err
	}
	rows, err := Read(ctx, store, f)
	if err != nil {
		return Report{}, fmt.Errorf("report: %w", err)
	}
	return Compute(f, rows, now, hours), nil
}
