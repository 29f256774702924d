package service

import (
	"path"
	"slices"
	"strings"
	"time"
)

// Sweep is one configured sweep (cmd/bcservice/README.md, "Sweeps"): at
// Hour:Minute:Second on Days in Location, log out every EM login on
// Clusters whose device name matches Devices and that is older than
// MinLoginAge.
type Sweep struct {
	Name                 string
	Hour, Minute, Second int
	// Days are the weekdays it runs on (in Location); empty means never
	// by schedule (runsweep only).
	Days     []time.Weekday
	Location *time.Location
	// Clusters are cluster codes; empty means every cluster.
	Clusters []string
	// Devices is a glob on the device name (path.Match: * ? [..]),
	// compared case-insensitively like CUCM's device names.
	Devices string
	// ClearCallHistory resets each device after its logout; false follows
	// the cluster's clearCallHistory setting.
	ClearCallHistory bool
	MinLoginAge      time.Duration
}

// Actor is the history's actor of the sweep's actions: "sweep:<name>".
func (s Sweep) Actor() string { return "sweep:" + s.Name }

// Matches reports whether device's name matches the sweep's glob, in any
// case.
func (s Sweep) Matches(device string) bool {
	ok, err := path.Match(strings.ToUpper(s.Devices), strings.ToUpper(device))
	return err == nil && ok
}

// ListPattern is the AXL listPhone name pattern (SQL LIKE) that finds at
// least every device the glob matches: * becomes %, ? becomes _, and a
// character class [..] ends the literal part with a %. The glob then
// decides (Matches), so a LIKE wildcard such as _ in a device name only
// widens the listing, never the sweep.
func (s Sweep) ListPattern() string {
	var b strings.Builder
	for i := 0; i < len(s.Devices); i++ {
		switch c := s.Devices[i]; c {
		case '*':
			b.WriteByte('%')
		case '?':
			b.WriteByte('_')
		case '[':
			b.WriteByte('%')
			return b.String()
		case '\\':
			if i+1 < len(s.Devices) {
				i++
				b.WriteByte(s.Devices[i])
			}
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// runsOn reports whether the sweep runs on weekday d.
func (s Sweep) runsOn(d time.Weekday) bool { return slices.Contains(s.Days, d) }

// Next is the first scheduled run strictly after t, or the zero time when
// the sweep has no days. A time of day that a daylight-saving change skips
// (a gap) runs when the clocks jump, at the first instant after the gap; a
// time that happens twice (an overlap) runs once, at its first occurrence.
func (s Sweep) Next(t time.Time) time.Time {
	if len(s.Days) == 0 {
		return time.Time{}
	}
	loc := s.Location
	if loc == nil {
		loc = time.UTC
	}
	local := t.In(loc)
	for d := -1; d <= 8; d++ {
		y, m, day := local.Date()
		date := time.Date(y, m, day+d, 12, 0, 0, 0, loc)
		if !s.runsOn(date.Weekday()) {
			continue
		}
		if run := s.runOn(date); run.After(t) {
			return run
		}
	}
	return time.Time{}
}

// runOn is the run on the local date of noon: the first instant whose local
// wall clock reads the sweep's time of day or later (the gap and overlap
// rules of Next). Offsets change by at most a few hours, so the first
// instant lies within three hours of what time.Date picks. The steps keep
// the seconds of the time of day, and clocks change on whole minutes, so
// the first step at or past the wall clock is exact.
func (s Sweep) runOn(noon time.Time) time.Time {
	y, m, d := noon.Date()
	loc := noon.Location()
	want := time.Date(y, m, d, s.Hour, s.Minute, s.Second, 0, time.UTC) // the wall clock, as UTC
	guess := time.Date(y, m, d, s.Hour, s.Minute, s.Second, 0, loc)
	for at := guess.Add(-3 * time.Hour).Truncate(time.Second); !at.After(guess.Add(3 * time.Hour)); at = at.Add(time.Minute) {
		if !wall(at).Before(want) {
			return at
		}
	}
	return guess
}

// wall is t's local wall clock as a UTC time, so wall clocks compare.
func wall(t time.Time) time.Time {
	y, m, d := t.Date()
	return time.Date(y, m, d, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), time.UTC)
}
