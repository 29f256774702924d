// Package rolluptest holds the property every store of the usage
// reports' rollups must keep (service/history/rollup): a report served by
// the rollups equals the report computed from the rows, on random
// histories.
package rolluptest

import (
	"context"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/emconnector/emconnector/service/history"
	"github.com/emconnector/emconnector/service/history/report"
	"github.com/emconnector/emconnector/service/history/report/reporttest"
	"github.com/emconnector/emconnector/service/history/rollup"
)

// zones whose offsets are whole hours: the rollups serve them (with DST
// changes within the random histories' span).
var wholeHourZones = []string{"UTC", "Europe/Paris", "America/New_York", "Australia/Sydney"}

// servableFilter is a random filter the rollups serve: whole hours, no
// user, no device pattern.
func servableFilter(r *rand.Rand, start time.Time, span time.Duration) report.Filter {
	zone, _ := time.LoadLocation(wholeHourZones[r.IntN(len(wholeHourZones))])
	from := start.Add(time.Duration(r.Int64N(int64(span)))).Truncate(time.Hour)
	to := from.Add(time.Duration(1+r.Int64N(5*24)) * time.Hour)
	f := report.Filter{From: from, To: to, Since: from.Add(-time.Duration(r.Int64N(48)) * time.Hour),
		Group: []report.Grouping{report.Hour, report.Day, report.Week}[r.IntN(3)], Zone: zone}
	if f.Group != report.Hour { // group boundaries in the zone
		f.From = time.Date(from.In(zone).Year(), from.In(zone).Month(), from.In(zone).Day(), 0, 0, 0, 0, zone)
	}
	if r.IntN(3) == 0 {
		f.Cluster = []string{"EU", "US"}[r.IntN(2)]
	}
	return f
}

// Property checks that on random histories written to stores from open,
// the rollups brought up to random instants (in one go or hour by hour),
// every report they serve (rollup.Run, whatever now is: the tail above
// the watermark is read from the rows) equals the report computed from
// the rows in memory (report.Compute).
func Property(t *testing.T, open func(t *testing.T) history.Store) {
	paris, _ := time.LoadLocation("Europe/Paris")
	newYork, _ := time.LoadLocation("America/New_York")
	ctx := context.Background()
	start := time.Date(2026, 10, 23, 0, 0, 0, 0, time.UTC)
	const span = 12 * 24 * time.Hour
	served, busy := 0, 0
	for h := range 16 {
		r := rand.New(rand.NewPCG(uint64(h), 21))
		rows := reporttest.History(r, 150+r.IntN(350))
		store := open(t)
		s := rollup.Of(ctx, store)
		if s == nil {
			t.Fatalf("%T keeps no rollups", store)
		}
		if err := store.Insert(ctx, rows); err != nil {
			t.Fatal(err)
		}
		job := start.Add(time.Duration(r.Int64N(int64(span))))
		steps := []time.Time{job.Add(-time.Duration(r.Int64N(int64(96 * time.Hour)))), job}
		if h%4 == 0 { // hour by hour, as a running service does
			steps = nil
			for at := job.Add(-72 * time.Hour); at.Before(job); at = at.Add(time.Hour) {
				steps = append(steps, at)
			}
			steps = append(steps, job)
		}
		for _, at := range steps {
			// whole days of UTC (always), Paris and New York: Sydney's days come from hours
			if _, err := rollup.Advance(ctx, s, at, paris, newYork); err != nil {
				t.Fatalf("history %d: advance to %v: %v", h, at, err)
			}
		}
		for i := range 30 {
			f := servableFilter(r, start, span)
			now := job.Add(time.Duration(r.Int64N(int64(90 * time.Minute)))) // within rollup.MaxLag
			want := report.Compute(f, reporttest.InWindow(rows, f, now), now, nil)
			st, _ := s.RollupState(ctx)
			got, err := rollup.Run(ctx, store, f, now, nil)
			if err != nil {
				t.Fatalf("history %d, filter %d: %v", h, i, err)
			}
			if got.RollupsUntil == nil || !got.RollupsUntil.Equal(time.UnixMilli(st.Watermark)) {
				t.Fatalf("history %d, filter %d: rollupsUntil %v, watermark %d", h, i, got.RollupsUntil, st.Watermark)
			}
			got.RollupsUntil = nil
			if a, b := reporttest.JSON(t, got), reporttest.JSON(t, want); a != b {
				t.Fatalf("history %d, filter %d (%+v, watermark %v, now %v):\nrollups %s\nrows    %s", h, i, f,
					time.UnixMilli(st.Watermark).UTC(), now, a, b)
			}
			served++
			if len(want.Devices) > 0 && want.Devices[0].LoggedInSeconds > 0 {
				busy++
			}
		}
		_ = store.Close()
	}
	if busy < served/3 {
		t.Errorf("only %d of %d reports had a session", busy, served)
	}
}
