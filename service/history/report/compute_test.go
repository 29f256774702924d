package report

import (
	"testing"
	"time"

	"github.com/emconnector/emconnector/service/history"
)

var utc = time.UTC

func at(h, m int) time.Time { return time.Date(2026, 12, 1, h, m, 0, 0, utc) }

func row(t time.Time, op, dev, user, class string) history.Record {
	return history.Record{Time: t, Op: op, Device: dev, User: user, Cluster: "c1", Class: class}
}

// scripted is the history of the feature spec: three users on three
// phones overlapping, a failure, a logout, a forced replacement, a
// logoutuser and a session still open.
func scripted() []history.Record {
	return []history.Record{
		row(at(8, 0), "login", "SEP1", "alice", "success"),
		row(at(8, 5), "login", "SEP4", "eve", "cucm_error"),
		row(at(8, 10), "login", "SEP2", "bob", "success"),
		row(at(8, 20), "login", "SEP3", "carol", "success"),
		row(at(8, 30), "loggedinuser", "SEP3", "carol", "success"),
		row(at(9, 0), "logout", "SEP1", "", "success"),
		row(at(9, 30), "login", "SEP2", "dave", "success"),
		row(at(10, 0), "logoutuser", "SEP3", "carol", "success"),
	}
}

func TestComputeScripted(t *testing.T) {
	f := Filter{From: at(8, 0), To: at(12, 0), Since: at(8, 0), Group: Hour, Zone: utc}
	rep := Compute(f, scripted(), at(11, 0), nil)
	want := []Group{
		{Logins: 3, Failures: 1, Users: 3, Devices: 3, PeakConcurrent: 3, LoggedInSeconds: 150 * 60, MedianSessionSeconds: 80 * 60},
		{Logins: 1, Users: 1, Devices: 1, PeakConcurrent: 2, LoggedInSeconds: 120 * 60, MedianSessionSeconds: 90 * 60},
		{PeakConcurrent: 1, LoggedInSeconds: 60 * 60},
		{},
	}
	if len(rep.Groups) != len(want) {
		t.Fatalf("%d groups, want %d", len(rep.Groups), len(want))
	}
	for i, w := range want {
		g := rep.Groups[i]
		w.Start, w.End = at(8+i, 0), at(9+i, 0)
		if g != w {
			t.Errorf("group %d = %+v\nwant %+v", i, g, w)
		}
	}
	wantDev := []DeviceUse{{"SEP2", "c1", 2, 170 * 60, 0.7083, 170 * time.Minute}, {"SEP3", "c1", 1, 100 * 60, 0.4167, 100 * time.Minute},
		{"SEP1", "c1", 1, 60 * 60, 0.25, time.Hour}, {"SEP4", "c1", 0, 0, 0, 0}}
	if len(rep.Devices) != len(wantDev) {
		t.Fatalf("devices %+v", rep.Devices)
	}
	for i, w := range wantDev {
		if rep.Devices[i] != w {
			t.Errorf("device %d = %+v, want %+v", i, rep.Devices[i], w)
		}
	}
	if rep.LeastUsed[0].Device != "SEP4" || rep.MostUsed[0].Device != "SEP2" {
		t.Errorf("least %+v most %+v", rep.LeastUsed, rep.MostUsed)
	}
	if len(rep.Idle) != 1 || rep.Idle[0].Device != "SEP4" || rep.Idle[0].LastLogin != nil {
		t.Errorf("idle %+v", rep.Idle)
	}
}

func TestComputeFilters(t *testing.T) {
	base := Filter{From: at(8, 0), To: at(12, 0), Since: at(8, 0), Group: Day, Zone: utc}
	tests := []struct {
		name             string
		mod              func(*Filter)
		logins, failures int
		seconds          int64
		devices          int
	}{
		{"all", func(*Filter) {}, 4, 1, 330 * 60, 4},
		// alice's session ends with a logout row that names no user
		{"user", func(f *Filter) { f.User = "alice" }, 1, 0, 60 * 60, 1},
		{"device pattern", func(f *Filter) { f.Device = "SEP[23]" }, 3, 0, 270 * 60, 2},
		{"other cluster", func(f *Filter) { f.Cluster = "c2" }, 0, 0, 0, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := base
			tc.mod(&f)
			rep := Compute(f, scripted(), at(11, 0), nil)
			g := rep.Groups[0]
			if g.Logins != tc.logins || g.Failures != tc.failures || g.LoggedInSeconds != tc.seconds || len(rep.Devices) != tc.devices {
				t.Errorf("got %+v, %d devices", g, len(rep.Devices))
			}
		})
	}
}

// A session begun before the range counts from the range's start; the
// range's end cuts its time but not its length: bob's session, still open
// at 15:00, is 5 h 30 min long for the median.
func TestComputeSessionsAcrossTheRange(t *testing.T) {
	rows := []history.Record{
		row(at(6, 0), "login", "SEP1", "alice", "success"),
		row(at(9, 0), "logout", "SEP1", "", "success"),
		row(at(9, 30), "login", "SEP1", "bob", "success"),
	}
	f := Filter{From: at(8, 0), To: at(10, 0), Since: at(8, 0), Group: Hour, Zone: utc}
	rep := Compute(f, rows, at(15, 0), nil)
	if g := rep.Groups[0]; g.LoggedInSeconds != 3600 || g.PeakConcurrent != 1 || g.Logins != 0 || g.MedianSessionSeconds != 0 {
		t.Errorf("first hour %+v", g)
	}
	if g := rep.Groups[1]; g.LoggedInSeconds != 1800 || g.MedianSessionSeconds != 19800 {
		t.Errorf("second hour %+v", g)
	}
}

func TestComputeDST(t *testing.T) {
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	local := func(d, h int) time.Time { return time.Date(2026, 3, d, h, 0, 0, 0, paris) }
	rows := []history.Record{
		row(local(28, 22), "login", "SEP1", "alice", "success"),
		row(local(30, 1), "logout", "SEP1", "", "success"),
	}
	f := Filter{From: local(28, 0), To: local(31, 0), Since: local(28, 0), Group: Day, Zone: paris}
	rep := Compute(f, rows, local(31, 0), nil)
	want := []int64{2 * 3600, 23 * 3600, 3600}
	for i, w := range want {
		if g := rep.Groups[i]; g.LoggedInSeconds != w || g.PeakConcurrent != 1 {
			t.Errorf("day %d: %+v, want %d s", i, g, w)
		}
	}
	f.Group, f.From, f.To = Hour, local(29, 0), local(30, 0)
	if n := len(Compute(f, rows, local(31, 0), nil).Groups); n != 23 {
		t.Errorf("%d hours on the day clocks go forward, want 23", n)
	}
	f.From, f.To = time.Date(2026, 10, 25, 0, 0, 0, 0, paris), time.Date(2026, 10, 26, 0, 0, 0, 0, paris)
	if n := len(Compute(f, nil, f.To, nil).Groups); n != 25 {
		t.Errorf("%d hours on the day clocks go back, want 25", n)
	}
}

func TestGroupBoundaries(t *testing.T) {
	kolkata, _ := time.LoadLocation("Asia/Kolkata")
	spans := groupSpans(at(0, 0), at(3, 0), Hour, kolkata)
	// IST is UTC+5:30: the hours begin at half past in UTC
	if len(spans) != 4 || !spans[1].Start.Equal(at(0, 30)) || !spans[0].Start.Equal(at(0, 0)) {
		t.Errorf("hours in Asia/Kolkata: %v", spans)
	}
	// 2026-12-01 is a Tuesday: the first week is cut at the range's start
	// and the next begins on Monday the 7th
	weeks := groupSpans(at(0, 0), at(0, 0).AddDate(0, 0, 14), Week, utc)
	if len(weeks) != 3 || !weeks[1].Start.Equal(time.Date(2026, 12, 7, 0, 0, 0, 0, utc)) {
		t.Errorf("weeks: %v", weeks)
	}
}

func TestBusinessHours(t *testing.T) {
	bh, err := ParseBusinessHours("Mon-Fri 08:00-18:00")
	if err != nil {
		t.Fatal(err)
	}
	// Tuesday 2026-12-01 09:00-11:00 of a range of two days (Tue, Wed):
	// 2 h of 20 business hours
	rows := []history.Record{
		row(at(7, 0), "login", "SEP1", "alice", "success"),
		row(at(11, 0), "logout", "SEP1", "", "success"),
	}
	f := Filter{From: at(0, 0), To: at(0, 0).AddDate(0, 0, 2), Since: at(0, 0), Group: Day, Zone: utc}
	rep := Compute(f, rows, f.To, &bh)
	if u := rep.Devices[0]; u.Utilisation != 0.15 || u.LoggedInSeconds != 4*3600 || rep.BusinessHours != "Mon-Fri 08:00-18:00" {
		t.Errorf("device use %+v (%q)", u, rep.BusinessHours)
	}
	for _, s := range []string{"", "Mon-Fri", "Mon-Fri 18:00-08:00", "Xyz 08:00-09:00", "Mon 8-9", "Mon 08:00-25:00"} {
		if _, err := ParseBusinessHours(s); err == nil {
			t.Errorf("%q accepted", s)
		}
	}
	for _, s := range []string{"Sat,Sun 00:00-24:00", "Fri-Mon 09:30-17:45", "mon 08:00-12:00"} {
		if _, err := ParseBusinessHours(s); err != nil {
			t.Errorf("%q: %v", s, err)
		}
	}
}

// A login made with a duration ends where CUCM ends it.
func TestComputeLoginWithADuration(t *testing.T) {
	r := row(at(8, 0), "login", "SEP1", "alice", "success")
	r.Until = at(8, 45)
	f := Filter{From: at(8, 0), To: at(10, 0), Since: at(8, 0), Group: Hour, Zone: utc}
	rep := Compute(f, []history.Record{r}, at(9, 30), nil)
	if g := rep.Groups[0]; g.LoggedInSeconds != 45*60 || g.MedianSessionSeconds != 45*60 || rep.Groups[1].LoggedInSeconds != 0 {
		t.Errorf("groups %+v", rep.Groups)
	}
}

// Groups tile the range without a gap or an overlap, whatever the zone's
// changes: Lord Howe moves its clocks by half an hour.
func TestGroupsTileTheRange(t *testing.T) {
	for _, name := range []string{"Australia/Lord_Howe", "Europe/Paris", "America/Santiago", "Asia/Kolkata"} {
		loc, err := time.LoadLocation(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range []Grouping{Hour, Day, Week} {
			from := time.Date(2026, 3, 20, 0, 17, 0, 0, time.UTC)
			to := from.AddDate(0, 7, 0)
			if g == Hour {
				to = from.AddDate(0, 0, 90)
			}
			spans := groupSpans(from, to, g, loc)
			if !spans[0].Start.Equal(from) || !spans[len(spans)-1].End.Equal(to) {
				t.Errorf("%s %s: %v … %v", name, g, spans[0], spans[len(spans)-1])
			}
			for i, s := range spans {
				if i > 0 && !s.Start.Equal(spans[i-1].End) || !s.Start.Before(s.End) {
					t.Fatalf("%s %s: span %d %v after %v", name, g, i, s, spans[max(i-1, 0)])
				}
				if i > 0 && i < len(spans)-1 && g != Hour && s.Start.In(loc).Hour() != 0 && name != "America/Santiago" {
					t.Errorf("%s %s: group %d starts at %v", name, g, i, s.Start.In(loc))
				}
			}
		}
	}
}

func TestQuantise(t *testing.T) {
	for _, tc := range []struct {
		in   time.Duration
		want int64
	}{
		{-time.Second, 0}, {0, 0}, {999 * time.Millisecond, 999}, {1234 * time.Millisecond, 1230},
		{80 * time.Minute, 4_800_000}, {4_784_128 * time.Millisecond, 4_780_000},
		{time.Duration(1 << 62), 4_610_000_000_000},
	} {
		if got := Quantise(tc.in); got != tc.want {
			t.Errorf("Quantise(%v) = %d, want %d", tc.in, got, tc.want)
		}
	}
}
