package rollup

import (
	"context"
	"testing"
	"time"

	"github.com/emconnector/emconnector/service/history"
	"github.com/emconnector/emconnector/service/history/historytest"
	"github.com/emconnector/emconnector/service/history/report"
)

func login(at time.Time, dev, user string) history.Record {
	return history.Record{Time: at, Op: "login", Device: dev, User: user, Cluster: "EU", Class: "success"}
}

// Advance does each settled hour once, starts over when the rollups are
// stale, and Run then serves a report from them.
func TestAdvance(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 12, 1, 8, 0, 0, 0, time.UTC)
	s := historytest.NewMemory()
	if err := s.Insert(ctx, []history.Record{login(t0.Add(10*time.Minute), "SEP1", "alice"),
		login(t0.Add(70*time.Minute), "SEP2", "bob")}); err != nil {
		t.Fatal(err)
	}
	now := t0.Add(26*time.Hour + 10*time.Minute)
	steps := []struct {
		name      string
		prepare   func()
		batches   int
		watermark time.Time
	}{
		{"first run: the day of the oldest row, then the next up to now − Settle", func() {}, 2, t0.Add(26 * time.Hour)},
		{"nothing new has settled", func() {}, 0, t0.Add(26 * time.Hour)},
		{"a row older than the watermark: rebuilt from the oldest row", func() {
			if err := s.Insert(ctx, []history.Record{login(t0.Add(2*time.Hour), "SEP3", "carol")}); err != nil {
				t.Fatal(err)
			}
		}, 2, t0.Add(26 * time.Hour)},
	}
	for _, st := range steps {
		st.prepare()
		n, err := Advance(ctx, s, now)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		state, _ := s.RollupState(ctx)
		if n != st.batches || state.Watermark != st.watermark.UnixMilli() || state.Stale {
			t.Errorf("%s: %d batches, watermark %v, stale %v", st.name, n, time.UnixMilli(state.Watermark).UTC(), state.Stale)
		}
	}
	f := report.Filter{From: t0, To: t0.Add(24 * time.Hour), Since: t0, Group: report.Day, Zone: time.UTC}
	rep, err := Run(ctx, s, f, now, nil)
	if err != nil {
		t.Fatal(err)
	}
	if g := rep.Groups[0]; g.Logins != 3 || g.PeakConcurrent != 3 || g.Users != 3 {
		t.Errorf("report from the rollups: %+v", g)
	}
}

func TestServable(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC)
	kolkata, _ := time.LoadLocation("Asia/Kolkata")
	paris, _ := time.LoadLocation("Europe/Paris")
	hours, _ := report.ParseBusinessHours("Mon-Fri 08:00-18:00")
	base := report.Filter{From: t0, To: t0.Add(48 * time.Hour), Since: t0, Group: report.Day, Zone: time.UTC}
	for _, tc := range []struct {
		name  string
		mod   func(*report.Filter)
		hours *report.BusinessHours
		want  bool
	}{
		{"whole UTC days", func(*report.Filter) {}, nil, true},
		{"a cluster", func(f *report.Filter) { f.Cluster = "EU" }, nil, true},
		{"days in Paris", func(f *report.Filter) { f.Zone = paris; f.From = t0.Add(-time.Hour) }, nil, true},
		{"a user", func(f *report.Filter) { f.User = "alice" }, nil, false},
		{"a device pattern", func(f *report.Filter) { f.Device = "SEP*" }, nil, false},
		{"business hours", func(f *report.Filter) {}, &hours, false},
		{"days in Kolkata (+05:30)", func(f *report.Filter) { f.Zone = kolkata }, nil, false},
		{"from not on an hour", func(f *report.Filter) { f.From = t0.Add(time.Minute) }, nil, false},
		{"since not on an hour", func(f *report.Filter) { f.Since = t0.Add(-time.Second) }, nil, false},
	} {
		f := base
		tc.mod(&f)
		if got := Servable(f, tc.hours); got != tc.want {
			t.Errorf("%s: Servable = %v", tc.name, got)
		}
	}
}
