package dashboard

import (
	"context"
	"net/http"
	"time"

	"github.com/emconnector/emconnector/service/health"
	"github.com/emconnector/emconnector/service/history"
)

// statusPages bounds the rows the last-hour chart reads (pages of
// history.MaxLimit); beyond it the counts are marked as partial.
const statusPages = 20

// ClusterStats is what the status page shows of a cluster's CUCM client:
// its requests in flight and queued against its limits, and each node's
// breaker. cmd/bcservice fills it from emclient.Client.Stats.
type ClusterStats struct {
	Cluster                 string
	InFlight, Queued        int
	MaxConcurrent, MaxQueue int
	Nodes                   []NodeStats
}

// NodeStats is one CUCM node's breaker state (closed, open, half-open).
type NodeStats struct {
	Node, Breaker string
}

type clusterView struct {
	Stats            ClusterStats
	Reachable, Nodes int
	Ready, Checked   bool
}

// Health is the class of the reachable-nodes cell: ok with every node,
// degraded with some (ready, but without a spare), bad with none.
func (c clusterView) Health() string {
	switch {
	case !c.Ready:
		return "bad"
	case c.Reachable < c.Nodes:
		return "degraded"
	}
	return "ok"
}

// bar is one bar of the last-hour SVG chart, laid out here so that the
// template only prints numbers.
type bar struct {
	Class        string
	Count        int
	Y, Width, TY int
}

// Coordination is what the status page shows of the coordination between
// replicas (cmd/bcservice/README.md, "Replicas").
type Coordination struct {
	// Shared is true while the limits are shared through PostgreSQL.
	Shared bool
	// Since is when the current state began; Reason why the coordination
	// is down.
	Since  time.Time
	Reason string
	// Replicas connected at the last check, this one included.
	Replicas  int
	Fallbacks int64
}

type statusView struct {
	Coord     *Coordination
	Clusters  []clusterView
	Bars      []bar
	Total     int
	Partial   bool
	ErrorRate string
	Version   string
	Uptime    time.Duration
	Writer    *history.Stats
	ChartH    int
	HistError string
}

func (d *Dashboard) status(w http.ResponseWriter, r *http.Request) {
	now := d.opts.Now()
	v := statusView{Version: d.opts.Version, Uptime: now.Sub(d.opts.Started).Truncate(time.Second)}
	v.Clusters = d.clusters(r.Context())
	if d.opts.Coordination != nil {
		c := d.opts.Coordination()
		v.Coord = &c
	}
	if d.opts.Writer != nil {
		s := d.opts.Writer()
		v.Writer = &s
	}
	counts, partial, err := d.lastHour(r.Context(), now)
	if err != nil {
		d.log.Warn("dashboard: history query failed", "error", err)
		v.HistError = "the request history is not available"
	}
	v.Partial = partial
	v.Bars, v.Total = bars(counts)
	v.ChartH = len(v.Bars)*24 + 4
	if v.Total > 0 {
		bad := v.Total - counts["success"]
		v.ErrorRate = formatPercent(bad, v.Total)
	}
	d.render(w, r, http.StatusOK, "status.html", v)
}

func (d *Dashboard) clusters(ctx context.Context) []clusterView {
	var rep health.Report
	if d.opts.Health != nil {
		rep = d.opts.Health(ctx)
	}
	byCode := map[string]health.ClusterReport{}
	for _, c := range rep.Clusters {
		byCode[c.Code] = c
	}
	var out []clusterView
	if d.opts.Clusters == nil {
		return nil
	}
	for _, s := range d.opts.Clusters() {
		c, ok := byCode[s.Cluster]
		out = append(out, clusterView{Stats: s, Reachable: c.Reachable, Nodes: c.Nodes, Ready: c.Ready, Checked: ok})
	}
	return out
}

// lastHour counts the requests of the hour before now by outcome class.
func (d *Dashboard) lastHour(ctx context.Context, now time.Time) (map[string]int, bool, error) {
	counts := map[string]int{}
	q := history.Query{From: now.Add(-time.Hour), Limit: history.MaxLimit}
	for range statusPages {
		p, err := d.opts.Store.Query(ctx, q)
		if err != nil {
			return counts, false, err
		}
		for _, r := range p.Rows {
			counts[r.Class]++
		}
		if p.Next == "" {
			return counts, false, nil
		}
		q.Cursor = p.Next
	}
	return counts, true, nil
}

// bars lays out one bar per class, in the classes' order, scaled to the
// largest (300 units wide).
func bars(counts map[string]int) ([]bar, int) {
	total, most := 0, 0
	for _, n := range counts {
		total += n
		most = max(most, n)
	}
	out := make([]bar, 0, len(classes))
	for i, c := range classes {
		n := counts[c]
		width := 0
		if most > 0 {
			width = n * 300 / most
		}
		out = append(out, bar{Class: c, Count: n, Y: i*24 + 2, Width: width, TY: i*24 + 17})
	}
	return out, total
}

func formatPercent(n, of int) string {
	p := float64(n) * 100 / float64(of)
	return strconvFloat(p) + " %"
}
