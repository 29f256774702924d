package service

import (
	"testing"
	"time"
)

func TestSweepNext(t *testing.T) {
	ams, err := time.LoadLocation("Europe/Amsterdam")
	if err != nil {
		t.Skip("no tz database:", err)
	}
	every := []time.Weekday{time.Sunday, time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday, time.Saturday}
	utc := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	tests := []struct {
		name        string
		h, m, s     int
		days        []time.Weekday
		loc         *time.Location
		after, want string
	}{
		{"later today (winter, UTC+1)", 23, 0, 0, every, ams, "2026-12-06T12:00:00Z", "2026-12-06T22:00:00Z"},
		{"exactly at the run: the next one", 23, 0, 0, every, ams, "2026-12-06T22:00:00Z", "2026-12-07T22:00:00Z"},
		{"tomorrow", 7, 30, 0, every, ams, "2026-12-06T12:00:00Z", "2026-12-07T06:30:00Z"},
		{"summer, UTC+2", 23, 0, 0, every, ams, "2026-07-01T12:00:00Z", "2026-07-01T21:00:00Z"},
		{"weekdays only: friday evening to monday", 23, 0, 0, []time.Weekday{time.Monday, time.Tuesday, time.Wednesday, time.Thursday, time.Friday}, ams, "2026-12-04T22:30:00Z", "2026-12-07T22:00:00Z"},
		{"one day a week", 6, 0, 0, []time.Weekday{time.Wednesday}, time.UTC, "2026-12-03T06:00:00Z", "2026-12-09T06:00:00Z"},
		{"gap: 02:30 does not exist, runs when the clocks jump", 2, 30, 0, every, ams, "2026-03-28T12:00:00Z", "2026-03-29T01:00:00Z"},
		{"gap day, after the jump: next day", 2, 30, 0, every, ams, "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z"},
		{"overlap: 02:30 twice, the first", 2, 30, 0, every, ams, "2026-10-24T12:00:00Z", "2026-10-25T00:30:00Z"},
		{"overlap: not again at the second", 2, 30, 0, every, ams, "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z"},
		{"seconds", 10, 0, 15, every, time.UTC, "2026-12-06T10:00:00Z", "2026-12-06T10:00:15Z"},
		{"just before midnight in the zone, date differs from UTC", 0, 30, 0, every, ams, "2026-12-06T23:10:00Z", "2026-12-06T23:30:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sw := Sweep{Hour: tt.h, Minute: tt.m, Second: tt.s, Days: tt.days, Location: tt.loc}
			if got := sw.Next(utc(tt.after)); !got.Equal(utc(tt.want)) {
				t.Errorf("Next(%s) = %s, want %s", tt.after, got.UTC().Format(time.RFC3339), tt.want)
			}
		})
	}
	if got := (Sweep{Hour: 1}).Next(time.Now()); !got.IsZero() {
		t.Errorf("no days: %s, want never", got)
	}
}

func TestSweepSelection(t *testing.T) {
	tests := []struct {
		glob, pattern string
		match         []string
		miss          []string
	}{
		{"SEPHD*", "SEPHD%", []string{"SEPHD0001", "sephd0001", "SEPHD"}, []string{"SEPXX0001", "XSEPHD1"}},
		{"SEP??01", "SEP__01", []string{"SEPAB01"}, []string{"SEPA01", "SEPABC01"}},
		{"SEP[AB]*", "SEP%", []string{"SEPA1", "SEPB"}, []string{"SEPC1"}},
		{"*", "%", []string{"ANY", "test_secure"}, nil},
		{"ROOM_1*", "ROOM_1%", []string{"ROOM_12"}, []string{"ROOMX12"}},
		{`A\*B`, "A*B", []string{"A*B"}, []string{"AxB"}},
	}
	for _, tt := range tests {
		sw := Sweep{Devices: tt.glob}
		if got := sw.ListPattern(); got != tt.pattern {
			t.Errorf("%s: pattern %q, want %q", tt.glob, got, tt.pattern)
		}
		for _, d := range tt.match {
			if !sw.Matches(d) {
				t.Errorf("%s does not match %s", tt.glob, d)
			}
		}
		for _, d := range tt.miss {
			if sw.Matches(d) {
				t.Errorf("%s matches %s", tt.glob, d)
			}
		}
	}
}
