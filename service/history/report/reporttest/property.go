// Package reporttest holds the property every history store must keep
// for the usage reports (service/history/report): a report computed from
// the store's rows equals the one computed from the same rows in memory,
// whichever way the store hands them out, on random histories.
package reporttest

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/emconnector/emconnector/service/history"
	"github.com/emconnector/emconnector/service/history/report"
)

// Histories and filters tried per store.
const (
	histories = 12
	filters   = 25
)

// start is two days before the end of summer time in Europe (2026-10-25)
// and a week before the United States' (2026-11-01).
var start = time.Date(2026, 10, 23, 0, 0, 0, 0, time.UTC)

// span is how long a random history lasts.
const span = 12 * 24 * time.Hour

var zones = []string{"UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"}

// History is a random history of n rows, oldest first, at millisecond
// precision: logins (some failing, some forced onto a busy phone, some
// with a duration), logouts, logoutusers and queries on a few phones of
// two clusters.
func History(r *rand.Rand, n int) []history.Record {
	var rows []history.Record
	at := start
	for i := range n {
		at = at.Add(time.Duration(r.Int64N(int64(90 * time.Minute)))).Truncate(time.Millisecond)
		dev := fmt.Sprintf("SEP%02d", r.IntN(8))
		cluster := []string{"EU", "US"}[r.IntN(8)/6]
		row := history.Record{Time: at, ID: fmt.Sprintf("r%d", i), Device: dev, User: fmt.Sprintf("u%d", r.IntN(6)),
			Cluster: cluster, Class: "success"}
		switch k := r.IntN(10); {
		case k < 5:
			row.Op = "login"
			if r.IntN(5) == 0 {
				row.Class = "cucm_error"
			} else if r.IntN(4) == 0 {
				row.Until = at.Add(time.Duration(1+r.IntN(600)) * time.Minute).Truncate(time.Second)
			}
		case k < 7:
			row.Op, row.User = "logout", ""
		case k < 8:
			row.Op = "logoutuser"
			if r.IntN(4) == 0 {
				row.Class = "cucm_error"
			}
		default:
			row.Op = "loggedinuser"
		}
		rows = append(rows, row)
		if r.IntN(20) == 0 { // rows of one millisecond
			twin := row
			twin.ID, twin.Device, twin.Op, twin.Until = row.ID+"b", fmt.Sprintf("SEP%02d", r.IntN(8)), "login", time.Time{}
			rows = append(rows, twin)
		}
	}
	return rows
}

// Filter is a random filter over the random histories' span.
func Filter(r *rand.Rand) report.Filter {
	zone, _ := time.LoadLocation(zones[r.IntN(len(zones))])
	from := start.Add(time.Duration(r.Int64N(int64(span)))).Truncate(time.Minute)
	to := from.Add(time.Duration(1 + r.Int64N(int64(5*24*time.Hour)))).Truncate(time.Second)
	f := report.Filter{From: from, To: to, Since: from.Add(-time.Duration(r.Int64N(int64(48 * time.Hour)))),
		Group: []report.Grouping{report.Hour, report.Day, report.Week}[r.IntN(3)], Zone: zone}
	switch r.IntN(6) {
	case 0:
		f.Cluster = "EU"
	case 1:
		f.Device = "SEP0[0-3]"
	case 2:
		f.User = "u1"
	case 3:
		f.Device = "SEP05"
	}
	return f
}

// pagedOnly hides a store's ScanSessions: Run then pages through Query.
type pagedOnly struct{ history.Store }

// Property checks, on random histories written to stores from open, that
// report.Run on the store, streamed or paged, equals report.Compute on the
// rows in memory, for random filters, clocks and business hours.
func Property(t *testing.T, open func(t *testing.T) history.Store) {
	ctx := context.Background()
	hours, _ := report.ParseBusinessHours("Mon-Fri 08:00-18:00")
	busy := 0 // reports with a session: the property is not vacuous
	for h := range histories {
		r := rand.New(rand.NewPCG(uint64(h), 20))
		rows := History(r, 150+r.IntN(250))
		s := open(t)
		if err := s.Insert(ctx, rows); err != nil {
			t.Fatal(err)
		}
		for i := range filters {
			f := Filter(r)
			now := f.From.Add(time.Duration(r.Int64N(int64(6 * 24 * time.Hour))))
			bh := []*report.BusinessHours{nil, &hours}[r.IntN(2)]
			want := report.Compute(f, InWindow(rows, f, now), now, bh)
			for _, store := range []history.Store{s, pagedOnly{s}} {
				got, err := report.Run(ctx, store, f, now, bh)
				if err != nil {
					t.Fatalf("history %d, filter %d: %v", h, i, err)
				}
				if a, b := JSON(t, got), JSON(t, want); a != b {
					t.Fatalf("history %d, filter %d (%+v, now %v, %T):\nfrom the store %s\nin memory      %s", h, i, f, now, store, a, b)
				}
			}
			if len(want.Devices) > 0 && want.Devices[0].LoggedInSeconds > 0 {
				busy++
			}
		}
		_ = s.Close()
	}
	if busy < histories*filters/3 {
		t.Errorf("only %d of %d reports had a session", busy, histories*filters)
	}
}

// InWindow is what Run reads: the rows of Window(f, now), oldest first as a
// store orders them (time, then insertion).
func InWindow(rows []history.Record, f report.Filter, now time.Time) []history.Record {
	from, to := report.Window(f, now)
	var out []history.Record
	for _, r := range rows {
		if !r.Time.Before(from) && r.Time.Before(to) {
			out = append(out, r)
		}
	}
	slices.SortStableFunc(out, func(a, b history.Record) int { return a.Time.Compare(b.Time) })
	return out
}

// JSON is r as the API answers it: two reports are the same when their
// JSON is.
func JSON(t *testing.T, r report.Report) string {
	b, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
