package rollup

import (
	"context"
	"maps"
	"slices"
	"time"

	"github.com/emconnector/emconnector/service"
	"github.com/emconnector/emconnector/service/history"
	"github.com/emconnector/emconnector/service/history/report"
)

// hourAgg is one scope's figures of one hour while a batch computes them.
type hourAgg struct {
	logins, failures, peak, loggedMs int64
	users, devices                   map[int64]bool
	lengths                          report.Lengths
}

type scopeHour struct {
	scope string
	hour  int64 // unix ms
}

// job computes one batch: the hours [from, to) of one UTC day.
type job struct {
	from, to time.Time
	// zones are those whose days are kept whole (dayrows.go)
	zones []*time.Location
	agg   map[scopeHour]*hourAgg
	// old holds the lengths of sessions begun before the batch and ended
	// in it, by their start hour: added to those hours' rows.
	old      map[scopeHour]report.Lengths
	days     map[dayKey]*dayData
	names    map[string]map[string]int64
	nextID   map[string]int64
	newNames []history.RollupName
	open     []history.Session
}

func newJob(ctx context.Context, rs history.RollupStore, from, to time.Time, zones []*time.Location) (*job, error) {
	j := &job{from: from, to: to, zones: zones, agg: map[scopeHour]*hourAgg{}, old: map[scopeHour]report.Lengths{},
		names:  map[string]map[string]int64{},
		nextID: map[string]int64{}}
	for _, kind := range []string{history.NameUser, history.NameDevice} {
		m, err := rs.RollupNames(ctx, kind)
		if err != nil {
			return nil, err
		}
		j.names[kind] = m
		for _, id := range m {
			j.nextID[kind] = max(j.nextID[kind], id)
		}
	}
	day := midnight(from)
	carry := from.Equal(day) // a new day: every device's row carries over
	load := day
	if carry {
		load = day.Add(-24 * time.Hour)
	}
	rows, err := rs.RollupDays(ctx, load.UnixMilli())
	if err != nil {
		return nil, err
	}
	if j.days, err = snapshot(rows); err != nil {
		return nil, err
	}
	if carry {
		for k, d := range j.days {
			j.days[k] = &dayData{Base: d.at(24)}
		}
	}
	return j, nil
}

// run feeds the batch's rows (oldest first) after the sessions open at
// its start.
func (j *job) run(open []history.Session, rows []history.Record) {
	var closed []history.Session
	b := history.SessionBuilder{Ended: func(s history.Session) { closed = append(closed, s) }}
	for _, s := range open {
		b.Resume(s)
	}
	for _, r := range rows {
		b.Add(r)
		j.row(r)
	}
	for _, s := range b.Open(j.to) {
		if s.Open {
			j.open = append(j.open, s)
		} else { // CUCM ended it (a login made with a duration)
			closed = append(closed, s)
		}
	}
	for _, s := range closed {
		j.length(s)
	}
	j.sweep(closed)
}

// scopes are the rollups a row or session of cluster counts in.
func scopes(cluster string) []string {
	if cluster == "" {
		return []string{""}
	}
	return []string{"", cluster}
}

func (j *job) hour(scope string, t time.Time) *hourAgg {
	k := scopeHour{scope, t.Truncate(time.Hour).UnixMilli()}
	a := j.agg[k]
	if a == nil {
		a = &hourAgg{users: map[int64]bool{}, devices: map[int64]bool{}}
		j.agg[k] = a
	}
	return a
}

func (j *job) day(k dayKey) *dayData {
	d := j.days[k]
	if d == nil {
		d = &dayData{}
		j.days[k] = d
	}
	return d
}

func (j *job) id(kind, name string) int64 {
	if id, ok := j.names[kind][name]; ok {
		return id
	}
	j.nextID[kind]++
	id := j.nextID[kind]
	j.names[kind][name] = id
	j.newNames = append(j.newNames, history.RollupName{Kind: kind, ID: id, Name: name})
	return id
}

func (j *job) row(r history.Record) {
	k := int(r.Time.Sub(midnight(j.from)) / time.Hour)
	var d *dayData
	if r.Device != "" {
		d = j.day(dayKey{r.Device, r.Cluster})
		d.Hours[k].Rows++
		d.Hours[k].LastRow = max(d.Hours[k].LastRow, r.Time.UnixMilli())
	}
	if r.Op != string(service.OpLogin) {
		return
	}
	ok := history.EffectOf(r) == history.StartsLogin
	for _, sc := range scopes(r.Cluster) {
		a := j.hour(sc, r.Time)
		if !ok {
			a.failures++
			continue
		}
		a.logins++
		a.users[j.id(history.NameUser, r.User)] = true
		a.devices[j.id(history.NameDevice, r.Device)] = true
	}
	if ok {
		d.Hours[k].Sessions++
		d.Hours[k].LastLogin = max(d.Hours[k].LastLogin, r.Time.UnixMilli())
	}
}

// length files an ended session's length under its start hour.
func (j *job) length(s history.Session) {
	q := report.Quantise(s.Length)
	for _, sc := range scopes(s.Cluster) {
		if !s.Start.Before(j.from) {
			j.hour(sc, s.Start).lengths.Add(q, 1)
			continue
		}
		k := scopeHour{sc, s.Start.Truncate(time.Hour).UnixMilli()}
		l := j.old[k]
		l.Add(q, 1)
		j.old[k] = l
	}
}

// sweep adds the sessions' time and peak to each scope's hours and their
// time to their devices' rows; ended are the sessions that ended in the
// batch, j.open those still open at its end.
func (j *job) sweep(ended []history.Session) {
	var spans []report.Span
	for t := j.from; t.Before(j.to); t = t.Add(time.Hour) {
		spans = append(spans, report.Span{Start: t, End: t.Add(time.Hour)})
	}
	byScope := map[string][]report.Clipped{}
	add := func(s history.Session, end time.Time) {
		c := report.Clipped{Device: s.Device, Start: later(s.Start, j.from), End: end}
		if !c.Start.Before(c.End) {
			return
		}
		for _, sc := range scopes(s.Cluster) {
			byScope[sc] = append(byScope[sc], c)
		}
		d := j.day(dayKey{s.Device, s.Cluster})
		for _, sp := range spans {
			if s, e := later(sp.Start, c.Start), earlier(sp.End, c.End); s.Before(e) {
				d.Hours[int(sp.Start.Sub(midnight(j.from))/time.Hour)].LoggedMs += e.Sub(s).Milliseconds()
			}
		}
	}
	for _, s := range ended {
		add(s, s.End)
	}
	for _, s := range j.open {
		add(s, j.to)
	}
	for sc, cs := range byScope {
		peaks, areas := report.Sweep(cs, spans)
		for i, sp := range spans {
			if peaks[i] != 0 || areas[i] != 0 {
				a := j.hour(sc, sp.Start)
				a.peak, a.loggedMs = int64(peaks[i]), areas[i].Milliseconds()
			}
		}
	}
}

// batch is what the job writes: its hours, the older hours whose lengths
// changed, the devices' rows, the new names and the open sessions.
func (j *job) batch(ctx context.Context, rs history.RollupStore) (*history.RollupBatch, error) {
	b := &history.RollupBatch{To: j.to.UnixMilli(), Names: j.newNames, Open: encodeOpen(j.open)}
	for k, a := range j.agg {
		b.Hours = append(b.Hours, history.RollupHour{Scope: k.scope, Hour: k.hour, Logins: a.logins,
			Failures: a.failures, Peak: a.peak, LoggedMs: a.loggedMs, Users: encodeSet(slices.Collect(maps.Keys(a.users))),
			Devices: encodeSet(slices.Collect(maps.Keys(a.devices))), Lengths: encodeLengths(a.lengths)})
	}
	older, err := j.older(ctx, rs)
	if err != nil {
		return nil, err
	}
	b.Hours = append(b.Hours, older...)
	olderDays, err := j.olderDays(ctx, rs)
	if err != nil {
		return nil, err
	}
	b.Hours = append(b.Hours, olderDays...)
	updated := map[scopeHour]history.RollupHour{}
	for _, r := range b.Hours {
		updated[scopeHour{r.Scope, r.Hour}] = r
	}
	days, err := j.dayRows(ctx, rs, updated)
	if err != nil {
		return nil, err
	}
	b.Hours = append(b.Hours, days...)
	// the day's snapshot: one row, with no device or cluster of its own
	b.Days = []history.RollupDay{{Day: midnight(j.from).UnixMilli(), Data: encodeDays(j.days)}}
	return b, nil
}

// older reads the rows of the hours in j.old and adds the lengths.
func (j *job) older(ctx context.Context, rs history.RollupStore) ([]history.RollupHour, error) {
	first := map[string]int64{}
	for k := range j.old {
		if f, ok := first[k.scope]; !ok || k.hour < f {
			first[k.scope] = k.hour
		}
	}
	var out []history.RollupHour
	for sc, f := range first {
		rows, err := rs.RollupHours(ctx, sc, f, j.from.UnixMilli())
		if err != nil {
			return nil, err
		}
		stored := map[int64]history.RollupHour{}
		for _, r := range rows {
			stored[r.Hour] = r
		}
		for k, l := range j.old {
			if k.scope != sc {
				continue
			}
			r, ok := stored[k.hour]
			if !ok {
				r = history.RollupHour{Scope: sc, Hour: k.hour, Users: encodeSet(nil), Devices: encodeSet(nil)}
			}
			merged := report.Lengths{} // j.old's own stays as it is: olderDays adds it to the days
			for q, n := range l {
				merged.Add(q, n)
			}
			if err := decodeLengths(r.Lengths, &merged); err != nil {
				return nil, err
			}
			r.Lengths = encodeLengths(merged)
			out = append(out, r)
		}
	}
	return out, nil
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

func earlier(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}
