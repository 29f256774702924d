package rollup

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"time"

	"github.com/emconnector/emconnector/service/history"
	"github.com/emconnector/emconnector/service/history/report"
)

// A day's figures per scope are also kept whole, for the days of UTC and
// of the reports' zone (Job.Zones), as rows of the hours' table whose
// scope is dayScope(zone, scope) and whose hour is the day's start: a
// report in one of those zones reads a group's whole days as one row each
// rather than 23 to 25 (a 90-day report by day reads some 90 rows rather
// than 2,160). Cluster codes and zone names hold no colon, so the scopes
// do not meet.
func dayScope(zone *time.Location, scope string) string { return "day:" + zone.String() + ":" + scope }

func isDayScope(scope string) bool { return strings.HasPrefix(scope, "day:") }

// localDay is the day of zone holding t: [start, end), 23 to 25 hours.
func localDay(t time.Time, zone *time.Location) (start, end time.Time) {
	l := t.In(zone)
	start = time.Date(l.Year(), l.Month(), l.Day(), 0, 0, 0, 0, zone)
	return start, time.Date(l.Year(), l.Month(), l.Day()+1, 0, 0, 0, 0, zone)
}

// dayRows are the rows of the days (of each zone) that end within the
// batch, merged from their hours: those stored before the batch, those the
// batch changed (updated, keyed by scope and hour) and its own.
func (j *job) dayRows(ctx context.Context, rs history.RollupStore, updated map[scopeHour]history.RollupHour) ([]history.RollupHour, error) {
	scopes := map[string]bool{"": true}
	for k := range j.days {
		scopes[k.Cluster] = true
	}
	for k := range updated {
		if !isDayScope(k.scope) {
			scopes[k.scope] = true
		}
	}
	var out []history.RollupHour
	for _, zone := range j.zones {
		for t := j.from; t.Before(j.to); t = t.Add(time.Hour) {
			start, end := localDay(t, zone)
			if !end.Equal(t.Add(time.Hour)) { // the day does not end with this hour
				continue
			}
			for sc := range scopes {
				r, ok, err := j.dayRow(ctx, rs, updated, zone, sc, start, end)
				if err != nil {
					return nil, err
				}
				if ok {
					out = append(out, r)
				}
			}
		}
	}
	return out, nil
}

// dayRow merges the hours of scope in [start, end).
func (j *job) dayRow(ctx context.Context, rs history.RollupStore, updated map[scopeHour]history.RollupHour, zone *time.Location,
	sc string, start, end time.Time) (history.RollupHour, bool, error) {
	hours := map[int64]history.RollupHour{}
	if start.Before(j.from) {
		rows, err := rs.RollupHours(ctx, sc, start.UnixMilli(), j.from.UnixMilli())
		if err != nil {
			return history.RollupHour{}, false, err
		}
		for _, r := range rows {
			hours[r.Hour] = r
		}
	}
	for k, r := range updated {
		if k.scope == sc && k.hour >= start.UnixMilli() && k.hour < end.UnixMilli() {
			hours[k.hour] = r
		}
	}
	if len(hours) == 0 {
		return history.RollupHour{}, false, nil
	}
	r, err := mergeHours(dayScope(zone, sc), start.UnixMilli(), hours)
	return r, err == nil, err
}

// mergeHours is the row of scope at start holding every row of rows.
func mergeHours(scope string, start int64, rows map[int64]history.RollupHour) (history.RollupHour, error) {
	out := history.RollupHour{Scope: scope, Hour: start}
	var users, devices bitset
	var lengths report.Lengths
	for _, r := range rows {
		out.Logins += r.Logins
		out.Failures += r.Failures
		out.Peak = max(out.Peak, r.Peak)
		out.LoggedMs += r.LoggedMs
		if err := decodeSetInto(r.Users, &users); err != nil {
			return out, err
		}
		if err := decodeSetInto(r.Devices, &devices); err != nil {
			return out, err
		}
		if err := decodeLengths(r.Lengths, &lengths); err != nil {
			return out, err
		}
	}
	out.Users, out.Devices, out.Lengths = encodeSet(users.ids()), encodeSet(devices.ids()), encodeLengths(lengths)
	return out, nil
}

// olderDays adds to the rows of whole days (of each zone) that ended
// before the batch the lengths added to their hours (j.old).
func (j *job) olderDays(ctx context.Context, rs history.RollupStore) ([]history.RollupHour, error) {
	add := map[scopeHour]report.Lengths{}
	for k, l := range j.old {
		for _, zone := range j.zones {
			start, end := localDay(time.UnixMilli(k.hour), zone)
			if end.After(j.from) {
				continue // built in this batch, or later, from the hours
			}
			dk := scopeHour{dayScope(zone, k.scope), start.UnixMilli()}
			m := add[dk]
			for q, n := range l {
				m.Add(q, n)
			}
			add[dk] = m
		}
	}
	var out []history.RollupHour
	for k, l := range add {
		rows, err := rs.RollupHours(ctx, k.scope, k.hour, k.hour+1)
		if err != nil {
			return nil, err
		}
		if len(rows) == 0 {
			continue // a day the rollups began within, or purged: its hours serve
		}
		r := rows[0] // l is add's own
		if err := decodeLengths(r.Lengths, &l); err != nil {
			return nil, err
		}
		r.Lengths = encodeLengths(l)
		out = append(out, r)
	}
	return out, nil
}

// ids lists the IDs of a set, in order.
func (b bitset) ids() []int64 {
	var out []int64
	for w, word := range b {
		for word != 0 {
			i := int64(w*64) + int64(trailingZeros(word))
			out = append(out, i)
			word &= word - 1
		}
	}
	return out
}

// covering reads the rows of [from, to) of the report's scope: the day
// rows (of the report's zone) of the whole days that lie within one
// group, and the hour rows of the rest, oldest first.
func (g *gather) covering(ctx context.Context, rs history.RollupStore, from, to time.Time) ([]history.RollupHour, error) {
	days, err := rs.RollupHours(ctx, dayScope(g.f.Zone, g.f.Cluster), from.UnixMilli(), to.UnixMilli())
	if err != nil {
		return nil, err
	}
	var out []history.RollupHour
	covered := map[int64]time.Time{} // a day's start → its end
	for _, r := range days {
		start, end := localDay(time.UnixMilli(r.Hour), g.f.Zone)
		if start.UnixMilli() != r.Hour || start.Before(from) || end.After(to) ||
			report.GroupOf(g.spans, start) != report.GroupOf(g.spans, end.Add(-time.Millisecond)) {
			continue
		}
		covered[r.Hour] = end
		out = append(out, r)
	}
	// the hours outside the covered days, as few reads as intervals
	for a := from; a.Before(to); {
		if end, ok := covered[a.UnixMilli()]; ok {
			a = end
			continue
		}
		b := a
		for b.Before(to) {
			if _, ok := covered[b.UnixMilli()]; ok {
				break
			}
			b = b.Add(time.Hour)
		}
		rows, err := rs.RollupHours(ctx, g.f.Cluster, a.UnixMilli(), b.UnixMilli())
		if err != nil {
			return nil, err
		}
		out = append(out, rows...)
		a = b
	}
	slices.SortFunc(out, func(x, y history.RollupHour) int { return cmp.Compare(x.Hour, y.Hour) })
	return out, nil
}
