package metrics

import "github.com/prometheus/client_golang/prometheus"

// Metric names of the coordination between replicas (cmd/bcservice/README.md, "Replicas").
const (
	CoordinationShared    = "bcservice_coordination_shared"
	CoordinationFallbacks = "bcservice_coordination_fallbacks_total"
	CoordinationWaits     = "bcservice_coordination_waits_total"
	CoordinationReplicas  = "bcservice_coordination_replicas"
)

// CoordinationStats is what the coordination reports at scrape time.
type CoordinationStats struct {
	Shared           bool
	Fallbacks, Waits int64
	Replicas         int
}

// WatchCoordination registers the coordination's gauges and counters, read
// from stats at scrape time. Call it once, only when the coordination is on.
func (m *Metrics) WatchCoordination(stats func() CoordinationStats) {
	m.reg.MustRegister(&coordinationCollector{
		stats:     stats,
		shared:    prometheus.NewDesc(CoordinationShared, "1 while the limits are shared with the other replicas through PostgreSQL, 0 while this replica works on its own limits.", nil, nil),
		fallbacks: prometheus.NewDesc(CoordinationFallbacks, "Switches to this replica's own limits because PostgreSQL could not be reached.", nil, nil),
		waits:     prometheus.NewDesc(CoordinationWaits, "Times a login or logout found its device or every shared slot taken and waited.", nil, nil),
		replicas:  prometheus.NewDesc(CoordinationReplicas, "Replicas connected to the coordination at the last check, this one included.", nil, nil),
	})
}

type coordinationCollector struct {
	stats                              func() CoordinationStats
	shared, fallbacks, waits, replicas *prometheus.Desc
}

// Describe implements prometheus.Collector.
func (c *coordinationCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.shared
	ch <- c.fallbacks
	ch <- c.waits
	ch <- c.replicas
}

// Collect implements prometheus.Collector.
func (c *coordinationCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.stats()
	shared := 0.0
	if s.Shared {
		shared = 1
	}
	ch <- prometheus.MustNewConstMetric(c.shared, prometheus.GaugeValue, shared)
	ch <- prometheus.MustNewConstMetric(c.fallbacks, prometheus.CounterValue, float64(s.Fallbacks))
	ch <- prometheus.MustNewConstMetric(c.waits, prometheus.CounterValue, float64(s.Waits))
	ch <- prometheus.MustNewConstMetric(c.replicas, prometheus.GaugeValue, float64(s.Replicas))
}
