package report

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// BusinessHours are the hours a device's utilisation is measured against
// (reports.businessHours): the same hours on each of some weekdays, in the
// report's time zone.
type BusinessHours struct {
	Days [7]bool // by time.Weekday
	// Start and End are offsets from midnight, Start < End.
	Start, End time.Duration
	text       string
}

// String is the configured text.
func (b BusinessHours) String() string { return b.text }

var weekdays = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// ParseBusinessHours reads "Mon-Fri 08:00-18:00": days (a day, a range
// of days, or a comma-separated list of them) and a time range within a
// day.
func ParseBusinessHours(s string) (BusinessHours, error) {
	b := BusinessHours{text: s}
	days, hours, ok := strings.Cut(strings.TrimSpace(s), " ")
	if !ok {
		return b, errors.New(`must be days and hours, such as "Mon-Fri 08:00-18:00"`)
	}
	for part := range strings.SplitSeq(days, ",") {
		first, last, isRange := strings.Cut(part, "-")
		if !isRange {
			last = first
		}
		i, j := dayIndex(first), dayIndex(last)
		if i < 0 || j < 0 {
			return b, fmt.Errorf("%q: days are Mon Tue Wed Thu Fri Sat Sun", part)
		}
		for d := i; ; d = (d + 1) % 7 {
			b.Days[d] = true
			if d == j {
				break
			}
		}
	}
	start, end, ok := strings.Cut(strings.TrimSpace(hours), "-")
	var err1, err2 error
	b.Start, err1 = clock(start)
	b.End, err2 = clock(end)
	if !ok || err1 != nil || err2 != nil || b.Start >= b.End {
		return b, fmt.Errorf("%q: hours are HH:MM-HH:MM, the start before the end (24:00 ends the day)", hours)
	}
	return b, nil
}

func dayIndex(s string) int {
	for i, d := range weekdays {
		if strings.EqualFold(strings.TrimSpace(s), d) {
			return i
		}
	}
	return -1
}

func clock(s string) (time.Duration, error) {
	if s == "24:00" {
		return 24 * time.Hour, nil
	}
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, err
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, nil
}

// windows are the business hours within [from, to) in loc, oldest first.
// The hours are wall-clock times: on a DST day they last an hour more or
// less.
func (b BusinessHours) windows(from, to time.Time, loc *time.Location) []span {
	var out []span
	for d := floor(from, Day, loc); d.Before(to); d = next(d, Day, loc) {
		lt := d.In(loc)
		if !b.Days[lt.Weekday()] {
			continue
		}
		at := func(off time.Duration) time.Time {
			return time.Date(lt.Year(), lt.Month(), lt.Day(), int(off/time.Hour), int(off%time.Hour/time.Minute), 0, 0, loc)
		}
		w := span{Start: at(b.Start), End: at(b.End)}
		if w.Start.Before(from) {
			w.Start = from
		}
		if w.End.After(to) {
			w.End = to
		}
		if w.Start.Before(w.End) {
			out = append(out, w)
		}
	}
	return out
}
