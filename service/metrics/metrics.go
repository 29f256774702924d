// Package metrics holds the service's Prometheus metrics on a registry of
// its own (never the global default one, so tests and several services in
// one process do not collide). Labels are small fixed sets: operation,
// code, outcome, cluster and node; never a device, user or PIN (those would
// grow without bound and some are secret).
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/emconnector/emconnector/service"
)

// Metric names (cmd/bcservice/README.md, "Metrics", lists them with their labels).
const (
	RequestsTotal     = "bcservice_requests_total"
	RequestDuration   = "bcservice_request_duration_seconds"
	CUCMCallsTotal    = "bcservice_cucm_calls_total"
	CUCMCallDuration  = "bcservice_cucm_call_duration_seconds"
	BreakerState      = "bcservice_cucm_breaker_state"
	InFlight          = "bcservice_cucm_inflight_requests"
	Queued            = "bcservice_cucm_queued_requests"
	QueuedScheduled   = "bcservice_cucm_queued_scheduled_requests"
	LaneWaitsTotal    = "bcservice_cucm_lane_waits_total"
	ConcurrencyLimit  = "bcservice_cucm_concurrency_limit"
	AccessDeniedTotal = "bcservice_access_denied_total"
	BuildInfo         = "bcservice_build_info"
)

// Metrics is the registry and the service's instruments.
type Metrics struct {
	reg       *prometheus.Registry
	requests  *prometheus.CounterVec
	duration  *prometheus.HistogramVec
	calls     *prometheus.CounterVec
	callTime  *prometheus.HistogramVec
	denied    prometheus.Counter
	buildInfo *prometheus.GaugeVec
}

// ClusterStats is a snapshot of one cluster client's load and node health.
type ClusterStats struct {
	Cluster string
	// InFlight login/logout requests hold a concurrency slot; Queued wait
	// for one.
	InFlight, Queued int
	// MaxConcurrent is the configured limit.
	MaxConcurrent int
	// QueuedScheduled of the Queued are scheduled work (bookings, sweeps);
	// InteractiveWaits and ScheduledWaits count the requests of each lane
	// that had to queue.
	QueuedScheduled                  int
	InteractiveWaits, ScheduledWaits int64
	Nodes                            []NodeStats
}

// NodeStats is one node's breaker state.
type NodeStats struct {
	// Node is host:port of the node URL.
	Node string
	// Breaker is closed, open or half-open.
	Breaker string
}

// StatsSource is a cluster client whose load and breaker states are read
// at scrape time.
type StatsSource interface {
	Stats() ClusterStats
}

// StatsFunc adapts a function to a StatsSource.
type StatsFunc func() ClusterStats

// Stats calls f.
func (f StatsFunc) Stats() ClusterStats { return f() }

// New builds the registry with the service's metrics and the Go runtime and
// process collectors. Watch adds the cluster clients.
func New(version string) *Metrics {
	m := &Metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: RequestsTotal,
			Help: "API requests answered, by operation, result code and outcome class.",
		}, []string{"op", "code", "outcome"}),
		duration: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    RequestDuration,
			Help:    "Time to answer an API request, by operation.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30},
		}, []string{"op"}),
		calls: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: CUCMCallsTotal,
			Help: "HTTP attempts to CUCM nodes, by cluster, node (host:port), operation and outcome.",
		}, []string{"cluster", "node", "op", "outcome"}),
		callTime: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    CUCMCallDuration,
			Help:    "Duration of one HTTP attempt to a CUCM node, by cluster and node.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10},
		}, []string{"cluster", "node"}),
		denied: prometheus.NewCounter(prometheus.CounterOpts{
			Name: AccessDeniedTotal,
			Help: "Requests refused by the access lists (code 1015).",
		}),
		buildInfo: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: BuildInfo,
			Help: "Always 1; the version label is the build version of bcservice (getversioninfo reports the API version, 1.4).",
		}, []string{"version"}),
	}
	m.buildInfo.WithLabelValues(version).Set(1)
	m.reg.MustRegister(m.requests, m.duration, m.calls, m.callTime, m.denied, m.buildInfo,
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
	)
	return m
}

// Watch registers a collector that reads the sources' load and breaker
// states at scrape time (so there is no second copy of that state). Call it
// once, after the clients exist (they report to m as their Observer).
func (m *Metrics) Watch(sources ...StatsSource) {
	m.reg.MustRegister(newClientCollector(sources))
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// Consume counts one answered API request (a service.Consumer of the
// request's Event).
func (m *Metrics) Consume(e service.Event) {
	op := string(e.Op)
	if op == "" {
		op = "none"
	}
	m.requests.WithLabelValues(op, strconv.Itoa(e.Code), string(e.Class)).Inc()
	m.duration.WithLabelValues(op).Observe(e.Duration.Seconds())
	if e.Code == service.CodeAccessDenied {
		m.denied.Inc()
	}
}

var _ service.Consumer = (*Metrics)(nil)

// CUCMCall counts one HTTP attempt to a CUCM node (the cluster clients'
// Observer).
func (m *Metrics) CUCMCall(cluster, node, op, outcome string, d time.Duration) {
	m.calls.WithLabelValues(cluster, node, op, outcome).Inc()
	m.callTime.WithLabelValues(cluster, node).Observe(d.Seconds())
}

// breakerValue maps a breaker state to the gauge value.
func breakerValue(state string) float64 {
	switch state {
	case "open":
		return 2
	case "half-open":
		return 1
	}
	return 0
}

// clientCollector reads the clients' Stats at scrape time.
type clientCollector struct {
	sources                          []StatsSource
	breaker, inflight, queued, limit *prometheus.Desc
	queuedScheduled, laneWaits       *prometheus.Desc
}

func newClientCollector(sources []StatsSource) *clientCollector {
	return &clientCollector{
		sources: sources,
		breaker: prometheus.NewDesc(BreakerState,
			"Circuit breaker state per CUCM node: 0 closed, 1 half-open, 2 open.", []string{"cluster", "node"}, nil),
		inflight: prometheus.NewDesc(InFlight,
			"Login/logout requests holding a concurrency slot towards the cluster.", []string{"cluster"}, nil),
		queued: prometheus.NewDesc(Queued,
			"Login/logout requests waiting for a concurrency slot towards the cluster.", []string{"cluster"}, nil),
		limit: prometheus.NewDesc(ConcurrencyLimit,
			"Configured maxConcurrentRequests of the cluster.", []string{"cluster"}, nil),
		queuedScheduled: prometheus.NewDesc(QueuedScheduled,
			"Of the queued requests, those of scheduled work (bookings, sweeps), which yield the next free slot to people.", []string{"cluster"}, nil),
		laneWaits: prometheus.NewDesc(LaneWaitsTotal,
			"Login/logout requests that had to wait for a concurrency slot, by lane (interactive, scheduled).", []string{"cluster", "lane"}, nil),
	}
}

// Describe implements prometheus.Collector.
func (c *clientCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.breaker
	ch <- c.inflight
	ch <- c.queued
	ch <- c.limit
	ch <- c.queuedScheduled
	ch <- c.laneWaits
}

// Collect implements prometheus.Collector.
func (c *clientCollector) Collect(ch chan<- prometheus.Metric) {
	for _, src := range c.sources {
		s := src.Stats()
		ch <- prometheus.MustNewConstMetric(c.inflight, prometheus.GaugeValue, float64(s.InFlight), s.Cluster)
		ch <- prometheus.MustNewConstMetric(c.queued, prometheus.GaugeValue, float64(s.Queued), s.Cluster)
		ch <- prometheus.MustNewConstMetric(c.limit, prometheus.GaugeValue, float64(s.MaxConcurrent), s.Cluster)
		ch <- prometheus.MustNewConstMetric(c.queuedScheduled, prometheus.GaugeValue, float64(s.QueuedScheduled), s.Cluster)
		ch <- prometheus.MustNewConstMetric(c.laneWaits, prometheus.CounterValue, float64(s.InteractiveWaits), s.Cluster, "interactive")
		ch <- prometheus.MustNewConstMetric(c.laneWaits, prometheus.CounterValue, float64(s.ScheduledWaits), s.Cluster, "scheduled")
		for _, n := range s.Nodes {
			ch <- prometheus.MustNewConstMetric(c.breaker, prometheus.GaugeValue, breakerValue(n.Breaker), s.Cluster, n.Node)
		}
	}
}
