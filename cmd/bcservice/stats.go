package main

import (
	"github.com/emconnector/emconnector/service/emclient"
	"github.com/emconnector/emconnector/service/metrics"
)

// The registry is every cluster client's Observer.
var _ emclient.Observer = (*metrics.Metrics)(nil)

// statsOf lets the metrics read a cluster client's load and breaker states
// at scrape time; metrics has its own types so that it need not know
// emclient.
func statsOf(c *emclient.Client) metrics.StatsSource {
	return metrics.StatsFunc(func() metrics.ClusterStats {
		s := c.Stats()
		out := metrics.ClusterStats{Cluster: s.Cluster, InFlight: s.InFlight, Queued: s.Queued, MaxConcurrent: s.MaxConcurrent,
			QueuedScheduled: s.ScheduledQueued, InteractiveWaits: s.Waits[0], ScheduledWaits: s.Waits[1]}
		for _, n := range s.Nodes {
			out.Nodes = append(out.Nodes, metrics.NodeStats{Node: n.Node, Breaker: n.Breaker})
		}
		return out
	})
}
