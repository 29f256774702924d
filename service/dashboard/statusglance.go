package dashboard

import (
	"fmt"
	"net/url"
	"slices"
	"time"
)

// maxPhonesListed bounds the devices listed under a cluster's count of
// phones logged in now.
const maxPhonesListed = 100

// maxChangesListed bounds the breaker changes listed under the charts.
const maxChangesListed = 50

// windowSpec is one time window of the status page.
type windowSpec struct {
	ID, Title string
	N         int
	Step      time.Duration
	TickEvery int
}

var windows = []windowSpec{
	{"last-hour", "Last 60 minutes (one bar a minute)", 60, time.Minute, 10},
	{"last-day", "Last 24 hours (one bar every 15 minutes)", 96, 15 * time.Minute, 8},
}

// outcomeCount is one outcome's count in a window, with its link.
type outcomeCount struct {
	Class string
	Count int
	Href  string
}

// windowView is one window's charts and counts.
type windowView struct {
	ID, Title  string
	From, To   time.Time
	Stack      stackChart
	Latency    []latencyChart
	Outcomes   []outcomeCount
	Total      int
	TotalHref  string
	Busy       int
	BusyHref   string
	Retried    int
	ErrorRate  string
	Percentile map[string]percentiles // by cluster
}

// percentiles are a cluster's p50 and p95 in a window, with its count and
// the link to its history.
type percentiles struct {
	P50, P95 string
	Count    int
	Href     string
	Logins   int
}

// clusterGlance is a cluster's row of the phones and durations table.
type clusterGlance struct {
	Cluster     string
	ScopeHref   string
	Windows     []percentiles
	PhonesNow   []openPhone
	PhonesMore  int
	LoginsHour  int
	LoginsHref  string
	PhonesCount int
}

// scopeLink switches the charts to one cluster or all.
type scopeLink struct {
	Name, Href string
	Current    bool
}

// glanceView is the "Status at a glance" part of the status page.
type glanceView struct {
	Scope         string
	Scopes        []scopeLink
	Windows       []windowView
	Clusters      []clusterGlance
	Changes       []StateChange
	Started       time.Time
	Backfilled    bool
	BackfillError string
	PhonesLoaded  bool
}

// glance builds the view of r at now for scope ("" for every cluster);
// known are the configured clusters, in their order.
func glance(r *Recent, now time.Time, scope string, known []string) glanceView {
	v := glanceView{Scope: scope, Started: r.started}
	v.Backfilled, v.BackfillError = r.backfillState()
	bss := make([][]bucket, len(windows))
	for i, w := range windows {
		bss[i] = r.series.window(now, w.N, w.Step)
	}
	day := bss[len(bss)-1]
	changes := r.states.since(day[0].Start) // the longest window's
	for i, w := range windows {
		v.Windows = append(v.Windows, newWindowView(w, bss[i], scope, changes))
	}
	names := clusterNames(known, day)
	v.Scopes = append(v.Scopes, scopeLink{Name: "all clusters", Href: "/", Current: scope == ""})
	for _, n := range names {
		v.Scopes = append(v.Scopes, scopeLink{Name: n, Href: "/?" + url.Values{"cluster": {n}}.Encode(), Current: n == scope})
	}
	phones, loaded := r.phones.open()
	v.PhonesLoaded = loaded
	for _, n := range names {
		v.Clusters = append(v.Clusters, newClusterGlance(n, v.Windows, phones[n]))
	}
	for i, w := range windows {
		for _, n := range names {
			if scope == "" || scope == n {
				v.Windows[i].Latency = append(v.Windows[i].Latency, newLatencyChart("Duration of "+n+", "+w.Title, bss[i], n, changes, w.TickEvery))
			}
		}
	}
	slices.Reverse(changes)
	v.Changes = changes[:min(len(changes), maxChangesListed)]
	return v
}

// clusterNames are the configured clusters, then any other the day's rows
// name (a cluster removed from the configuration), never "".
func clusterNames(known []string, day []bucket) []string {
	out := slices.Clone(known)
	var extra []string
	for i := range day {
		for n := range day[i].ByCluster {
			if n != "" && !slices.Contains(out, n) && !slices.Contains(extra, n) {
				extra = append(extra, n)
			}
		}
	}
	slices.Sort(extra)
	return append(out, extra...)
}

func newWindowView(w windowSpec, bs []bucket, scope string, changes []StateChange) windowView {
	from, to := bs[0].Start, bs[len(bs)-1].Start.Add(w.Step)
	v := windowView{ID: w.ID, Title: w.Title, From: from, To: to, Percentile: map[string]percentiles{}}
	v.Stack = newStackChart("Requests per bar by outcome, "+w.Title, bs, scope, changes, w.TickEvery)
	var sum counts
	byCluster := map[string]*counts{}
	for i := range bs {
		sum.merge(scopeOf(&bs[i], scope))
		for n, c := range bs[i].ByCluster {
			if byCluster[n] == nil {
				byCluster[n] = &counts{}
			}
			byCluster[n].merge(c)
		}
	}
	for ci, class := range classes {
		v.Outcomes = append(v.Outcomes, outcomeCount{Class: class, Count: sum.ByClass[ci],
			Href: historyLink(scope, from, to, url.Values{"outcome": {class}})})
	}
	v.Total, v.TotalHref = sum.Total(), historyLink(scope, from, to, nil)
	v.Busy, v.BusyHref = sum.Busy, historyLink(scope, from, to, url.Values{"code": {"26"}})
	v.Retried = sum.Retried
	if v.Total > 0 {
		v.ErrorRate = formatPercent(v.Total-sum.ByClass[0], v.Total)
	}
	for n, c := range byCluster {
		v.Percentile[n] = percentilesOf(c, historyLink(n, from, to, nil))
	}
	return v
}

func percentilesOf(c *counts, href string) percentiles {
	p := percentiles{Count: c.Total(), Href: href, P50: "–", P95: "–", Logins: c.Logins}
	if d, ok := c.percentile(0.50); ok {
		p.P50 = fmt.Sprintf("≤ %d ms", d.Milliseconds())
	}
	if d, ok := c.percentile(0.95); ok {
		p.P95 = fmt.Sprintf("≤ %d ms", d.Milliseconds())
	}
	return p
}

func newClusterGlance(name string, ws []windowView, phones []openPhone) clusterGlance {
	g := clusterGlance{Cluster: name, ScopeHref: "/?" + url.Values{"cluster": {name}}.Encode(), PhonesCount: len(phones)}
	for _, w := range ws {
		p, ok := w.Percentile[name]
		if !ok {
			p = percentiles{P50: "–", P95: "–", Href: historyLink(name, w.From, w.To, nil)}
		}
		g.Windows = append(g.Windows, p)
	}
	if len(ws) > 0 {
		g.LoginsHour = ws[0].Percentile[name].Logins
		g.LoginsHref = historyLink(name, ws[0].From, ws[0].To, url.Values{"op": {"login"}, "outcome": {"success"}})
	}
	g.PhonesNow = phones[:min(len(phones), maxPhonesListed)]
	g.PhonesMore = len(phones) - len(g.PhonesNow)
	return g
}
