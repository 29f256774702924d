package metrics

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/emconnector/emconnector/service"
)

// Metric names of the device-location cache.
const (
	DeviceCacheHits    = "bcservice_device_cache_hits_total"
	DeviceCacheMisses  = "bcservice_device_cache_misses_total"
	DeviceCacheEntries = "bcservice_device_cache_entries"
)

// WatchLocations registers the device-location cache's counters, read
// from stats at scrape time. Call it once.
func (m *Metrics) WatchLocations(stats func() service.LocationStats) {
	m.reg.MustRegister(&locationCollector{
		stats:   stats,
		hits:    prometheus.NewDesc(DeviceCacheHits, "Requests without a cluster code whose device's cluster was remembered from an earlier search.", nil, nil),
		misses:  prometheus.NewDesc(DeviceCacheMisses, "Requests without a cluster code whose device had to be searched in every cluster.", nil, nil),
		entries: prometheus.NewDesc(DeviceCacheEntries, "Devices whose cluster is remembered.", nil, nil),
	})
}

type locationCollector struct {
	stats                 func() service.LocationStats
	hits, misses, entries *prometheus.Desc
}

// Describe implements prometheus.Collector.
func (c *locationCollector) Describe(ch chan<- *prometheus.Desc) {
	ch <- c.hits
	ch <- c.misses
	ch <- c.entries
}

// Collect implements prometheus.Collector.
func (c *locationCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.stats()
	ch <- prometheus.MustNewConstMetric(c.hits, prometheus.CounterValue, float64(s.Hits))
	ch <- prometheus.MustNewConstMetric(c.misses, prometheus.CounterValue, float64(s.Misses))
	ch <- prometheus.MustNewConstMetric(c.entries, prometheus.GaugeValue, float64(s.Size))
}
