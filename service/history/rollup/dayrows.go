package rollup

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/emconnector/emconnector/service/history"
	"github.com/emconnector/emconnector/service/history/report"
)

// A UTC day's figures per scope are also kept whole, as a row of the
// hours' table whose scope is dayScope(scope) and whose hour is the day's
// midnight: a report reads a group's whole UTC days as one row each
// rather than 24 (a 90-day report by day in UTC reads some 90 rows
// rather than 2,160). Cluster codes hold no colon, so the scopes do not
// meet.
func dayScope(scope string) string { return "day:" + scope }

func isDayScope(scope string) bool { return strings.HasPrefix(scope, "day:") }

const day = 24 * time.Hour

// dayRows are the rows of the UTC day the batch completes (when it ends at
// midnight), merged from its hours: those stored before the batch, those
// the batch changed (updated, keyed by scope and hour) and its own.
func (j *job) dayRows(ctx context.Context, rs history.RollupStore, updated map[scopeHour]history.RollupHour) ([]history.RollupHour, error) {
	d := midnight(j.from)
	if !j.to.Equal(d.Add(day)) {
		return nil, nil
	}
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
	for sc := range scopes {
		hours := map[int64]history.RollupHour{}
		if j.from.After(d) {
			rows, err := rs.RollupHours(ctx, sc, d.UnixMilli(), j.from.UnixMilli())
			if err != nil {
				return nil, err
			}
			for _, r := range rows {
				hours[r.Hour] = r
			}
		}
		for k, r := range updated {
			if k.scope == sc && k.hour >= d.UnixMilli() {
				hours[k.hour] = r
			}
		}
		if len(hours) == 0 {
			continue
		}
		r, err := mergeHours(dayScope(sc), d.UnixMilli(), hours)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, nil
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

// olderDays adds to the rows of whole days before the batch the lengths
// added to their hours (j.old).
func (j *job) olderDays(ctx context.Context, rs history.RollupStore) ([]history.RollupHour, error) {
	add := map[scopeHour]report.Lengths{}
	for k, l := range j.old {
		d := midnight(time.UnixMilli(k.hour).UTC())
		if !d.Add(day).After(midnight(j.from)) {
			dk := scopeHour{dayScope(k.scope), d.UnixMilli()}
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
// rows of the whole UTC days that lie within one group, and the hour rows
// of the rest, oldest first.
func (g *gather) covering(ctx context.Context, rs history.RollupStore, from, to time.Time) ([]history.RollupHour, error) {
	days, err := rs.RollupHours(ctx, dayScope(g.f.Cluster), from.UnixMilli(), to.UnixMilli())
	if err != nil {
		return nil, err
	}
	var out []history.RollupHour
	covered := map[int64]bool{}
	for _, r := range days {
		d := time.UnixMilli(r.Hour)
		end := d.Add(day)
		if d.Before(from) || end.After(to) || report.GroupOf(g.spans, d) != report.GroupOf(g.spans, end.Add(-time.Millisecond)) {
			continue
		}
		covered[r.Hour] = true
		out = append(out, r)
	}
	// the hours outside the covered days, as few reads as intervals
	for a := from; a.Before(to); {
		if covered[a.UnixMilli()] {
			a = a.Add(day)
			continue
		}
		b := a
		for b.Before(to) && !covered[b.UnixMilli()] {
			b = b.Add(time.Hour)
		}
		rows, err := rs.RollupHours(ctx, g.f.Cluster, a.UnixMilli(), b.UnixMilli())
		if err != nil {
			return nil, err
		}
		out = append(out, rows...)
		a = b
	}
	slices.SortFunc(out, func(x, y history.RollupHour) int { return int(x.Hour - y.Hour) })
	return out, nil
}
