package dashboard

import (
	"context"
	"net/http"
	"slices"
	"time"

	"github.com/emconnector/emconnector/service/health"
	"github.com/emconnector/emconnector/service/history"
)

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
	Coord    *Coordination
	Clusters []clusterView
	Glance   glanceView
	Version  string
	Uptime   time.Duration
	Writer   *history.Stats
	// ScopeError is why the cluster parameter was refused.
	ScopeError string
	// RefreshSeconds is how often status.js fetches the page.
	RefreshSeconds int
}

func (d *Dashboard) status(w http.ResponseWriter, r *http.Request) {
	now := d.opts.Now()
	v := statusView{Version: d.opts.Version, Uptime: now.Sub(d.opts.Started).Truncate(time.Second),
		RefreshSeconds: int(d.opts.StatusRefresh / time.Second)}
	v.Clusters = d.clusters(r.Context())
	if d.opts.Coordination != nil {
		c := d.opts.Coordination()
		v.Coord = &c
	}
	if d.opts.Writer != nil {
		s := d.opts.Writer()
		v.Writer = &s
	}
	known := make([]string, 0, len(v.Clusters))
	for _, c := range v.Clusters {
		known = append(known, c.Stats.Cluster)
	}
	scope, status := r.URL.Query().Get("cluster"), http.StatusOK
	if !validScope(scope, known, d.opts.Recent, now) {
		v.ScopeError = "cluster: not a cluster of this service; the charts show every cluster"
		scope, status = "", http.StatusBadRequest
	}
	v.Glance = glance(d.opts.Recent, now, scope, known)
	d.render(w, r, status, "status.html", v)
}

// validScope reports whether scope names a cluster the page knows: one
// configured, or one of the day's rows.
func validScope(scope string, known []string, r *Recent, now time.Time) bool {
	if scope == "" || slices.Contains(known, scope) {
		return true
	}
	if len(scope) > maxFilterLen {
		return false
	}
	day := r.series.window(now, windows[len(windows)-1].N, windows[len(windows)-1].Step)
	return slices.Contains(clusterNames(nil, day), scope)
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

func formatPercent(n, of int) string {
	p := float64(n) * 100 / float64(of)
	return strconvFloat(p) + " %"
}
