package rollup

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/emconnector/emconnector/service/history"
)

// Settle is how old an hour's end must be before the job materialises
// it: the rows of the requests under way then have been written by then
// (a request ends within its timeout; the writer flushes within seconds).
// A row written later than that marks the rollups stale (RollupStore).
const Settle = 5 * time.Minute

// withUTC is zones with UTC, each once.
func withUTC(zones []*time.Location) []*time.Location {
	out := []*time.Location{time.UTC}
	for _, z := range zones {
		if z != nil && !slices.ContainsFunc(out, func(o *time.Location) bool { return o.String() == z.String() }) {
			out = append(out, z)
		}
	}
	return out
}

// Advance materialises the hours that have settled by now, one UTC day
// (or what is left of it) a transaction, until the rollups reach
// floor(now − Settle) or ctx ends. Stale rollups are deleted first and
// rebuilt from the oldest row. The days of UTC and of zones are also
// kept whole (dayrows.go). It returns the batches applied; a batch
// another replica applied first is not an error (the next run goes on
// from there).
func Advance(ctx context.Context, rs history.RollupStore, now time.Time, zones ...*time.Location) (int, error) {
	zones = withUTC(zones)
	target := now.Add(-Settle).UTC().Truncate(time.Hour)
	n := 0
	for {
		st, err := rs.RollupState(ctx)
		if err != nil {
			return n, err
		}
		if st.Stale {
			if err := rs.ResetRollups(ctx); err != nil {
				return n, err
			}
			continue
		}
		b, err := nextBatch(ctx, rs, st, target, zones)
		if err != nil || b == nil {
			return n, err
		}
		switch err := rs.ApplyRollup(ctx, *b); {
		case errors.Is(err, history.ErrRollupMoved):
			return n, nil
		case err != nil:
			return n, err
		}
		n++
	}
}

// errFirst stops the scan for the oldest row.
var errFirst = errors.New("first row")

// start is where the first batch begins: the hour of the oldest row, or
// zero without rows.
func start(ctx context.Context, rs history.RollupStore, before time.Time) (time.Time, error) {
	var first time.Time
	err := rs.ScanSessions(ctx, history.SessionScan{From: time.UnixMilli(0), To: before}, func(r history.Record) error {
		first = r.Time
		return errFirst
	})
	if err != nil && !errors.Is(err, errFirst) {
		return time.Time{}, err
	}
	return first.UTC().Truncate(time.Hour), nil
}

// nextBatch computes the batch after st up to target at most (nil when
// there is none to do).
func nextBatch(ctx context.Context, rs history.RollupStore, st history.RollupState, target time.Time, zones []*time.Location) (*history.RollupBatch, error) {
	from := time.UnixMilli(st.Watermark).UTC()
	if st.Watermark == 0 {
		first, err := start(ctx, rs, target)
		if err != nil || first.IsZero() {
			return nil, err
		}
		from = first
	}
	to := earlier(target, midnight(from).Add(24*time.Hour))
	if !from.Before(to) {
		return nil, nil
	}
	open, err := decodeOpen(st.Open)
	if err != nil {
		return nil, err
	}
	var rows []history.Record
	err = rs.ScanSessions(ctx, history.SessionScan{From: from, To: to}, func(r history.Record) error {
		rows = append(rows, r)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("rollup: reading rows: %w", err)
	}
	j, err := newJob(ctx, rs, from, to, zones)
	if err != nil {
		return nil, err
	}
	j.run(open, rows)
	b, err := j.batch(ctx, rs)
	if err != nil {
		return nil, err
	}
	b.From, b.Rows = st.Watermark, int64(len(rows))
	return b, nil
}
