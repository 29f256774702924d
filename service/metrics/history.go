package metrics

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metric names of the request history's writer.
const (
	HistoryDroppedTotal  = "bcservice_history_dropped_total"
	HistoryRejectedTotal = "bcservice_history_rejected_total"
	HistoryQueueDepth    = "bcservice_history_queue_depth"
	HistoryLastCommit    = "bcservice_history_last_commit_timestamp_seconds"
)

// HistoryStats is the history writer's state at scrape time.
type HistoryStats struct {
	// Dropped counts rows lost (queue full, or not flushed at shutdown).
	Dropped uint64
	// Rejected counts rows the database refused on their own and that
	// were skipped (the rows around them were written).
	Rejected uint64
	// Depth is the rows waiting to be written.
	Depth int
	// LastCommit is when a batch was last committed; zero if never.
	LastCommit time.Time
}

// WatchHistory registers the history writer's counters, read from stats
// at scrape time. Call it once, only when the history is on.
func (m *Metrics) WatchHistory(stats func() HistoryStats) {
	m.reg.MustRegister(&historyCollector{
		stats:    stats,
		rejected: prometheus.NewDesc(HistoryRejectedTotal, "Request-history rows the database refused on their own (a value it cannot store) and that were skipped; the rows around them were written.", nil, nil),
		dropped:  prometheus.NewDesc(HistoryDroppedTotal, "Request-history rows dropped: queue full while the database was slow or away, or not written at shutdown.", nil, nil),
		depth:    prometheus.NewDesc(HistoryQueueDepth, "Request-history rows waiting to be written.", nil, nil),
		commit:   prometheus.NewDesc(HistoryLastCommit, "Unix time of the last committed request-history batch (0: none yet).", nil, nil),
	})
}

type historyCollector struct {
	stats                            func() HistoryStats
	dropped, rejected, depth, commit *prometheus.Desc
}

// Describe implements prometheus.Collector.
func (c *historyCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.dropped
	ch <- c.rejected
	ch <- c.depth
	ch <- c.commit
}

// Collect implements prometheus.Collector.
func (c *historyCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.stats()
	var last float64
	if !s.LastCommit.IsZero() {
		last = float64(s.LastCommit.UnixMilli()) / 1000
	}
	ch <- prometheus.MustNewConstMetric(c.dropped, prometheus.CounterValue, float64(s.Dropped))
	ch <- prometheus.MustNewConstMetric(c.rejected, prometheus.CounterValue, float64(s.Rejected))
	ch <- prometheus.MustNewConstMetric(c.depth, prometheus.GaugeValue, float64(s.Depth))
	ch <- prometheus.MustNewConstMetric(c.commit, prometheus.GaugeValue, last)
}
