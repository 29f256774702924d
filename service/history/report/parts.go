package report

import (
	"cmp"
	"math"
	"slices"
	"time"
)

// Parts are a report's figures before they are put together: the rows
// (Compute) and the rollups (package service/history/rollup) gather them
// in their own ways, and Assemble makes the same report of both.
type Parts struct {
	// Groups follow Spans(f): one for each group of the report.
	Groups []GroupPart
	// Devices holds the devices of the history in the filter's window.
	Devices map[string]*DevicePart
	// Measured is each device's logged-in time within the business hours
	// (nil without them: its logged-in time is measured).
	Measured map[string]time.Duration
}

// GroupPart is one group's figures.
type GroupPart struct {
	Logins, Failures, Users, Devices, Peak int
	// Logged is the sessions' time within the group.
	Logged time.Duration
	// Lengths count the sessions begun in the group by quantised length
	// (Quantise); nil for none, or when the gatherer computed Median
	// itself (a Histogram: the rollups).
	Lengths Lengths
	// Median is the median in seconds when Lengths is nil.
	Median float64
}

// Lengths counts sessions by quantised length.
type Lengths map[int64]int64

// Add counts n sessions of quantised length q.
func (l *Lengths) Add(q, n int64) {
	if *l == nil {
		*l = Lengths{}
	}
	(*l)[q] += n
}

// DevicePart is one device's figures over the range.
type DevicePart struct {
	// Cluster is the cluster of the device's last row in the filter.
	Cluster string
	// Sessions counts the sessions begun in the range; Logged is their
	// time within it.
	Sessions int
	Logged   time.Duration
	// LastLogin is the last successful login read (zero for none).
	LastLogin time.Time
}

// Span is a group's interval [Start, End).
type Span = span

// Spans are the groups of f: [From, To) cut at the group boundaries in the
// zone, the first and last possibly partial.
func Spans(f Filter) []Span { return groupSpans(f.From, f.To, f.Group, f.Zone) }

// GroupOf is the index of the span holding t, or -1.
func GroupOf(spans []Span, t time.Time) int { return groupOf(spans, t) }

// Assemble puts p together into the report of f: groups, device use (with
// the business hours' total when hours is not nil), the most and least
// used devices and the idle ones.
func Assemble(f Filter, now time.Time, hours *BusinessHours, p Parts) Report {
	rep := Report{From: f.From.In(f.Zone), To: f.To.In(f.Zone), Zone: f.Zone.String(), Group: f.Group,
		Now: now.In(f.Zone), Since: f.Since.In(f.Zone)}
	if hours != nil {
		rep.BusinessHours = hours.String()
	}
	spans := Spans(f)
	rep.Groups = make([]Group, len(spans))
	for i, s := range spans {
		g := p.Groups[i]
		rep.Groups[i] = Group{Start: s.Start.In(f.Zone), End: s.End.In(f.Zone), Logins: g.Logins, Failures: g.Failures,
			Users: g.Users, Devices: g.Devices, PeakConcurrent: g.Peak, LoggedInSeconds: int64(g.Logged / time.Second),
			MedianSessionSeconds: g.Median}
		if g.Lengths != nil {
			rep.Groups[i].MedianSessionSeconds = median(g.Lengths)
		}
	}
	rep.Devices = deviceUse(f, hours, p)
	rep.MostUsed = rep.Devices[:min(TopN, len(rep.Devices))]
	rep.LeastUsed = leastUsed(rep.Devices, TopN)
	rep.Idle = idle(f, p.Devices)
	return rep
}

// leastUsed is the n least used of devs (sorted the most used first, ties
// by name), ties by name: the runs of equal time from the end, each in
// its order (a sort of thousands of devices for ten of them costs more
// than the rest of a report from the rollups).
func leastUsed(devs []DeviceUse, n int) []DeviceUse {
	out := make([]DeviceUse, 0, min(n, len(devs)))
	for i := len(devs) - 1; i >= 0 && len(out) < n; {
		j := i
		for j > 0 && devs[j-1].loggedIn == devs[i].loggedIn {
			j--
		}
		out = append(out, devs[j:min(i+1, j+n-len(out))]...)
		i = j - 1
	}
	return out
}

// deviceUse is every device's use, the most used first.
func deviceUse(f Filter, hours *BusinessHours, p Parts) []DeviceUse {
	total := f.To.Sub(f.From)
	if hours != nil {
		total = 0
		for _, w := range hours.windows(f.From, f.To, f.Zone) {
			total += w.End.Sub(w.Start)
		}
	}
	out := make([]DeviceUse, 0, len(p.Devices))
	for dev, d := range p.Devices {
		u := DeviceUse{Device: dev, Cluster: d.Cluster, Sessions: d.Sessions, LoggedInSeconds: int64(d.Logged / time.Second),
			loggedIn: d.Logged}
		measured := d.Logged
		if p.Measured != nil {
			measured = p.Measured[dev]
		}
		if total > 0 {
			u.Utilisation = math.Round(float64(measured)/float64(total)*1e4) / 1e4
		}
		out = append(out, u)
	}
	slices.SortFunc(out, func(x, y DeviceUse) int {
		return cmp.Or(cmp.Compare(y.loggedIn, x.loggedIn), cmp.Compare(x.Device, y.Device))
	})
	return out
}

// idle lists the devices without a login since f.Since, by name.
func idle(f Filter, devices map[string]*DevicePart) []IdleDevice {
	out := []IdleDevice{}
	for dev, d := range devices {
		if !d.LastLogin.IsZero() && !d.LastLogin.Before(f.Since) {
			continue
		}
		i := IdleDevice{Device: dev, Cluster: d.Cluster}
		if !d.LastLogin.IsZero() {
			t := d.LastLogin.In(f.Zone)
			i.LastLogin = &t
		}
		out = append(out, i)
	}
	slices.SortFunc(out, func(x, y IdleDevice) int { return cmp.Compare(x.Device, y.Device) })
	return out
}

// Quantise is a session length as the medians count it: whole
// milliseconds kept to three significant digits (an 80-minute session
// stays 4,800 s; 4,784,128 ms becomes 4,780 s: rounded down by less than
// 1 %), so that the rollups keep a few hundred distinct lengths an hour
// rather than one a session.
func Quantise(d time.Duration) int64 {
	ms := max(0, d.Milliseconds())
	unit := int64(1)
	for ms/unit >= 1000 {
		unit *= 10
	}
	return ms / unit * unit
}

// median is the median of the lengths in seconds (the mean of the
// middle two of an even count), to the millisecond; 0 for none.
func median(l Lengths) float64 {
	var n int64
	keys := make([]int64, 0, len(l))
	for q, c := range l {
		keys = append(keys, q)
		n += c
	}
	if n == 0 {
		return 0
	}
	slices.Sort(keys)
	return medianOf(n, func(rank int64) int64 {
		for _, q := range keys {
			if rank < l[q] {
				return q
			}
			rank -= l[q]
		}
		return keys[len(keys)-1]
	})
}

// medianOf is the median of n lengths (n > 0) in seconds, nth giving the
// length at a 0-based rank: the middle one, or the mean of the middle two.
func medianOf(n int64, nth func(rank int64) int64) float64 {
	m := nth(n / 2)
	if n%2 == 0 {
		m = (nth(n/2-1) + m) / 2
	}
	return float64(m) / 1000
}
