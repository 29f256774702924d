package report

import (
	"cmp"
	"slices"
	"time"

	"github.com/emconnector/emconnector/service"
	"github.com/emconnector/emconnector/service/history"
)

// builder gathers a report's Parts from rows given oldest first.
type builder struct {
	f        Filter
	now      time.Time
	spans    []span
	parts    Parts
	users    []map[string]bool
	devs     []map[string]bool
	sessions []history.Session
	hb       history.SessionBuilder
}

// Compute makes the report of f from the history rows given oldest first
// (Run reads them from a store): they must cover Window(f, now) for the
// sessions open at the start to be seen and those begun in the range to
// be seen whole. now is the instant an open session counts up to; hours,
// when not nil, measure utilisation.
func Compute(f Filter, rows []history.Record, now time.Time, hours *BusinessHours) Report {
	b := newBuilder(f, now)
	for _, r := range rows {
		b.add(r)
	}
	return b.finish(hours)
}

func newBuilder(f Filter, now time.Time) *builder {
	b := &builder{f: f, now: now, spans: Spans(f), parts: Parts{Devices: map[string]*DevicePart{}}}
	n := len(b.spans)
	b.parts.Groups, b.users, b.devs = make([]GroupPart, n), make([]map[string]bool, n), make([]map[string]bool, n)
	for i := range b.spans {
		b.users[i], b.devs[i] = map[string]bool{}, map[string]bool{}
	}
	b.hb.Ended = func(s history.Session) {
		if b.matches(s.Device, s.Cluster, s.User) {
			b.sessions = append(b.sessions, s)
		}
	}
	return b
}

// matches applies the filter's cluster, device pattern and user.
func (b *builder) matches(device, cluster, user string) bool {
	f := b.f
	return (f.Cluster == "" || cluster == f.Cluster) && (f.User == "" || user == f.User) && f.matchDevice(device)
}

func (b *builder) add(r history.Record) {
	if _, ok := history.PhoneEffects[service.Op(r.Op)]; !ok {
		return // what Run reads (history.SessionOps): a query changes no phone
	}
	b.hb.Add(r)
	// rows after the range only end sessions begun in it
	if !r.Time.Before(b.f.To) || !b.matches(r.Device, r.Cluster, r.User) {
		return
	}
	if r.Device != "" {
		d := b.parts.Devices[r.Device]
		if d == nil {
			d = &DevicePart{}
			b.parts.Devices[r.Device] = d
		}
		d.Cluster = r.Cluster
	}
	if r.Op != string(service.OpLogin) {
		return
	}
	ok := history.EffectOf(r) == history.StartsLogin
	if ok {
		b.parts.Devices[r.Device].LastLogin = r.Time
	}
	i := groupOf(b.spans, r.Time)
	if i < 0 {
		return
	}
	if !ok {
		b.parts.Groups[i].Failures++
		return
	}
	b.parts.Groups[i].Logins++
	b.users[i][r.User] = true
	b.devs[i][r.Device] = true
}

func (b *builder) finish(hours *BusinessHours) Report {
	for _, s := range b.hb.Open(b.now) {
		if !b.matches(s.Device, s.Cluster, s.User) {
			continue
		}
		if s.Open { // counts up to now
			s.End = b.now
			s.Length = max(0, s.End.Sub(s.Start))
		} // else CUCM ended it (a login made with a duration)
		b.sessions = append(b.sessions, s)
	}
	clipped := b.clip()
	b.sweep(clipped)
	for i := range b.parts.Groups {
		b.parts.Groups[i].Users, b.parts.Groups[i].Devices = len(b.users[i]), len(b.devs[i])
	}
	if hours != nil {
		b.parts.Measured = measure(clipped, hours.windows(b.f.From, b.f.To, b.f.Zone))
	}
	return Assemble(b.f, b.now, hours, b.parts)
}

// Clipped is a session's part within a range.
type Clipped struct {
	Device     string
	Start, End time.Time
}

// clip cuts the sessions to the range (and to now), files the lengths of
// those begun in it by group and counts them and their time by device.
func (b *builder) clip() []Clipped {
	var out []Clipped
	for _, s := range b.sessions {
		if i := groupOf(b.spans, s.Start); i >= 0 {
			b.parts.Groups[i].Lengths.Add(Quantise(s.Length), 1)
			if d := b.parts.Devices[s.Device]; d != nil {
				d.Sessions++
			}
		}
		c := Clipped{Device: s.Device, Start: later(s.Start, b.f.From), End: earlier(earlier(s.End, b.f.To), b.now)}
		if c.Start.Before(c.End) {
			out = append(out, c)
			if d := b.parts.Devices[s.Device]; d != nil {
				d.Logged += c.End.Sub(c.Start)
			}
		}
	}
	return out
}

// sweep counts the sessions open through each group: its peak and the
// time summed over the sessions.
func (b *builder) sweep(cs []Clipped) {
	peaks, areas := Sweep(cs, b.spans)
	for i := range b.spans {
		b.parts.Groups[i].Peak, b.parts.Groups[i].Logged = peaks[i], areas[i]
	}
}

// Sweep is, for each of spans (in order, apart), the most of cs open at
// one instant and their time summed within it. Ends come before starts at
// one instant, so that a forced login replacing a session does not count
// both.
func Sweep(cs []Clipped, spans []Span) (peaks []int, areas []time.Duration) {
	type event struct {
		at    time.Time
		delta int
	}
	ev := make([]event, 0, 2*len(cs))
	for _, c := range cs {
		ev = append(ev, event{c.Start, 1}, event{c.End, -1})
	}
	slices.SortFunc(ev, func(x, y event) int { return cmp.Or(x.at.Compare(y.at), cmp.Compare(x.delta, y.delta)) })
	peaks, areas = make([]int, len(spans)), make([]time.Duration, len(spans))
	cur, k := 0, 0
	for i, g := range spans {
		for k < len(ev) && !ev[k].at.After(g.Start) {
			cur += ev[k].delta
			k++
		}
		peak, last, area := cur, g.Start, time.Duration(0)
		for k < len(ev) && ev[k].at.Before(g.End) {
			area += time.Duration(cur) * ev[k].at.Sub(last)
			last, cur = ev[k].at, cur+ev[k].delta
			peak = max(peak, cur)
			k++
		}
		area += time.Duration(cur) * g.End.Sub(last)
		peaks[i], areas[i] = peak, area
	}
	return peaks, areas
}

// measure is each device's time of cs within the windows.
func measure(cs []Clipped, windows []span) map[string]time.Duration {
	out := map[string]time.Duration{}
	for _, c := range cs {
		out[c.Device] += overlap(windows, c.Start, c.End)
	}
	return out
}

// overlap is the time of [start, end) within the windows (sorted, apart).
func overlap(windows []span, start, end time.Time) time.Duration {
	var d time.Duration
	i, _ := slices.BinarySearchFunc(windows, start, func(w span, t time.Time) int {
		if !w.End.After(t) {
			return -1
		}
		return 1
	})
	for ; i < len(windows) && windows[i].Start.Before(end); i++ {
		if s, e := later(windows[i].Start, start), earlier(windows[i].End, end); s.Before(e) {
			d += e.Sub(s)
		}
	}
	return d
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
