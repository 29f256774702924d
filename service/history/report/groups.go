package report

import (
	"sort"
	"time"
)

// floor is the start of the group of g holding t, in loc.
func floor(t time.Time, g Grouping, loc *time.Location) time.Time {
	lt := t.In(loc)
	switch g {
	case Hour:
		return t.Add(-time.Duration(lt.Minute())*time.Minute - time.Duration(lt.Second())*time.Second -
			time.Duration(lt.Nanosecond()))
	case Week:
		back := (int(lt.Weekday()) + 6) % 7 // days since Monday
		return time.Date(lt.Year(), lt.Month(), lt.Day()-back, 0, 0, 0, 0, loc)
	}
	return time.Date(lt.Year(), lt.Month(), lt.Day(), 0, 0, 0, 0, loc)
}

// next is the start of the group after the one starting at b. Calendar
// arithmetic in loc makes a day 23 or 25 hours long across a DST change.
func next(b time.Time, g Grouping, loc *time.Location) time.Time {
	var n time.Time
	switch g {
	case Hour:
		n = floor(b.Add(time.Hour), Hour, loc)
	case Week:
		lt := b.In(loc)
		n = time.Date(lt.Year(), lt.Month(), lt.Day()+7, 0, 0, 0, 0, loc)
	default:
		lt := b.In(loc)
		n = time.Date(lt.Year(), lt.Month(), lt.Day()+1, 0, 0, 0, 0, loc)
	}
	if !n.After(b) { // a zone whose offset moved by less than the step
		n = b.Add(time.Hour)
	}
	return n
}

// span is a half-open interval [Start, End).
type span struct{ Start, End time.Time }

// groupSpans cuts [from, to) at the group boundaries in loc: the first and
// the last group may be partial.
func groupSpans(from, to time.Time, g Grouping, loc *time.Location) []span {
	var out []span
	for b := floor(from, g, loc); b.Before(to); {
		n := next(b, g, loc)
		s := span{Start: b, End: n}
		if s.Start.Before(from) {
			s.Start = from
		}
		if s.End.After(to) {
			s.End = to
		}
		if s.Start.Before(s.End) {
			out = append(out, s)
		}
		b = n
	}
	return out
}

// groupOf is the index of the span holding t, or -1.
func groupOf(spans []span, t time.Time) int {
	i := sort.Search(len(spans), func(i int) bool { return spans[i].End.After(t) })
	if i == len(spans) || t.Before(spans[i].Start) {
		return -1
	}
	return i
}
