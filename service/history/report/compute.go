package report

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/emconnector/emconnector/service"
	"github.com/emconnector/emconnector/service/history"
)

// builder accumulates a report from rows given oldest first.
type builder struct {
	f     Filter
	now   time.Time
	spans []span
	out   []Group
	users []map[string]bool
	devs  []map[string]bool
	// lengths are the lengths of the sessions begun in each group.
	lengths   [][]time.Duration
	sessions  []history.Session
	hb        history.SessionBuilder
	universe  map[string]string // device → cluster
	lastLogin map[string]time.Time
}

// Compute makes the report of f from the history rows given oldest first
// (Run reads them from a store): they must cover [f.From − Lookback, f.To) (or from Since, if earlier) for
// the sessions open at the start to be seen. now is the instant an open
// session counts up to; hours, when not nil, measure utilisation.
func Compute(f Filter, rows []history.Record, now time.Time, hours *BusinessHours) Report {
	b := newBuilder(f, now)
	for _, r := range rows {
		b.add(r)
	}
	return b.finish(hours)
}

func newBuilder(f Filter, now time.Time) *builder {
	b := &builder{f: f, now: now, spans: groupSpans(f.From, f.To, f.Group, f.Zone),
		universe: map[string]string{}, lastLogin: map[string]time.Time{}}
	n := len(b.spans)
	b.out, b.users, b.devs, b.lengths = make([]Group, n), make([]map[string]bool, n), make([]map[string]bool, n),
		make([][]time.Duration, n)
	for i, s := range b.spans {
		b.out[i] = Group{Start: s.Start.In(f.Zone), End: s.End.In(f.Zone)}
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
	if !b.matches(r.Device, r.Cluster, r.User) {
		return
	}
	if r.Device != "" {
		b.universe[r.Device] = r.Cluster
	}
	if r.Op != string(service.OpLogin) {
		return
	}
	ok := history.EffectOf(r) == history.StartsLogin
	if ok {
		b.lastLogin[r.Device] = r.Time
	}
	i := groupOf(b.spans, r.Time)
	if i < 0 {
		return
	}
	if !ok {
		b.out[i].Failures++
		return
	}
	b.out[i].Logins++
	b.users[i][r.User] = true
	b.devs[i][r.Device] = true
}

func (b *builder) finish(hours *BusinessHours) Report {
	for _, s := range b.hb.Open(b.now) {
		if !b.matches(s.Device, s.Cluster, s.User) {
			continue
		}
		if s.Open {
			// not ended within the range: it counts up to the range's end,
			// or up to now when the range ends later
			s.End = earlier(b.now, b.f.To)
			s.Length = max(0, s.End.Sub(s.Start))
		} // else CUCM ended it (a login made with a duration)
		b.sessions = append(b.sessions, s)
	}
	f := b.f
	rep := Report{From: f.From.In(f.Zone), To: f.To.In(f.Zone), Zone: f.Zone.String(), Group: f.Group,
		Now: b.now.In(f.Zone), Since: f.Since.In(f.Zone), Groups: b.out}
	if hours != nil {
		rep.BusinessHours = hours.String()
	}
	clipped := b.clip()
	b.sweep(clipped)
	for i := range b.out {
		b.out[i].Users, b.out[i].Devices = len(b.users[i]), len(b.devs[i])
		b.out[i].MedianSessionSeconds = median(b.lengths[i])
	}
	rep.Devices = b.deviceUse(clipped, hours)
	rep.MostUsed = rep.Devices[:min(TopN, len(rep.Devices))]
	least := slices.Clone(rep.Devices)
	slices.SortStableFunc(least, func(x, y DeviceUse) int {
		return cmp.Or(cmp.Compare(x.loggedIn, y.loggedIn), cmp.Compare(x.Device, y.Device))
	})
	rep.LeastUsed = least[:min(TopN, len(least))]
	rep.Idle = b.idle()
	return rep
}

// clipped is a session's part within the range.
type clipped struct {
	device     string
	start, end time.Time
}

// clip cuts the sessions to the range (and to now) and files the lengths
// of those begun in it by group.
func (b *builder) clip() []clipped {
	var out []clipped
	for _, s := range b.sessions {
		if i := groupOf(b.spans, s.Start); i >= 0 {
			b.lengths[i] = append(b.lengths[i], s.Length)
		}
		c := clipped{device: s.Device, start: later(s.Start, b.f.From), end: earlier(earlier(s.End, b.f.To), b.now)}
		if c.start.Before(c.end) {
			out = append(out, c)
		}
	}
	return out
}

// sweep counts the sessions open through each group: its peak and the
// time summed over the sessions (ends come before starts at one instant,
// so that a forced login replacing a session does not count both).
func (b *builder) sweep(cs []clipped) {
	type event struct {
		at    time.Time
		delta int
	}
	ev := make([]event, 0, 2*len(cs))
	for _, c := range cs {
		ev = append(ev, event{c.start, 1}, event{c.end, -1})
	}
	slices.SortFunc(ev, func(x, y event) int { return cmp.Or(x.at.Compare(y.at), cmp.Compare(x.delta, y.delta)) })
	cur, k := 0, 0
	for i, g := range b.spans {
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
		b.out[i].PeakConcurrent, b.out[i].LoggedInSeconds = peak, int64(area/time.Second)
	}
}

// deviceUse is every device's use, the most used first.
func (b *builder) deviceUse(cs []clipped, hours *BusinessHours) []DeviceUse {
	total := b.f.To.Sub(b.f.From)
	var windows []span
	if hours != nil {
		windows = hours.windows(b.f.From, b.f.To, b.f.Zone)
		total = 0
		for _, w := range windows {
			total += w.End.Sub(w.Start)
		}
	}
	in, measured := map[string]time.Duration{}, map[string]time.Duration{}
	for _, c := range cs {
		in[c.device] += c.end.Sub(c.start)
		if hours == nil {
			measured[c.device] += c.end.Sub(c.start)
		} else {
			measured[c.device] += overlap(windows, c.start, c.end)
		}
	}
	sessions := map[string]int{}
	for _, s := range b.sessions {
		if groupOf(b.spans, s.Start) >= 0 {
			sessions[s.Device]++
		}
	}
	out := make([]DeviceUse, 0, len(b.universe))
	for dev, cluster := range b.universe {
		u := DeviceUse{Device: dev, Cluster: cluster, Sessions: sessions[dev], LoggedInSeconds: int64(in[dev] / time.Second),
			loggedIn: in[dev]}
		if total > 0 {
			u.Utilisation = math.Round(float64(measured[dev])/float64(total)*1e4) / 1e4
		}
		out = append(out, u)
	}
	slices.SortFunc(out, func(x, y DeviceUse) int {
		return cmp.Or(cmp.Compare(y.loggedIn, x.loggedIn), cmp.Compare(x.Device, y.Device))
	})
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

// idle lists the devices without a login since f.Since, by name.
func (b *builder) idle() []IdleDevice {
	out := []IdleDevice{}
	for dev, cluster := range b.universe {
		last, ok := b.lastLogin[dev]
		if ok && !last.Before(b.f.Since) {
			continue
		}
		d := IdleDevice{Device: dev, Cluster: cluster}
		if ok {
			t := last.In(b.f.Zone)
			d.LastLogin = &t
		}
		out = append(out, d)
	}
	slices.SortFunc(out, func(x, y IdleDevice) int { return cmp.Compare(x.Device, y.Device) })
	return out
}

// median is the median of ds in seconds (the mean of the middle two of an
// even count), to the millisecond; 0 for none.
func median(ds []time.Duration) float64 {
	if len(ds) == 0 {
		return 0
	}
	slices.Sort(ds)
	m := ds[len(ds)/2]
	if len(ds)%2 == 0 {
		m = (ds[len(ds)/2-1] + m) / 2
	}
	return float64(m.Milliseconds()) / 1000
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
