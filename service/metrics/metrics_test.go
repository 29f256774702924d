package metrics

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/emconnector/emconnector/service"
)

func TestConsumeEvents(t *testing.T) {
	m := New("1.4.0")
	results := []service.Result{
		{Op: service.OpLogin, Device: "SEP1", User: "U1", Code: 0},
		{Op: service.OpLogin, Device: "SEP2", User: "U2", Code: 0},
		{Op: service.OpLogin, Device: "SEP1", User: "U1", Code: 18, FromCUCM: true},
		{Code: service.CodeAccessDenied},
	}
	for _, r := range results {
		m.Consume(service.Event{Op: r.Op, Device: r.Device, User: r.User, Code: r.Code, Class: r.Class(), Duration: 10 * time.Millisecond})
	}
	body := scrape(t, m)
	for _, want := range []string{
		`bcservice_requests_total{code="0",op="login",outcome="success"} 2`,
		`bcservice_requests_total{code="18",op="login",outcome="cucm_error"} 1`,
		`bcservice_requests_total{code="1015",op="none",outcome="rejected"} 1`,
		`bcservice_access_denied_total 1`,
		`bcservice_request_duration_seconds_count{op="login"} 3`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
	for _, secret := range []string{"SEP1", "U1", "U2"} {
		if strings.Contains(body, secret) {
			t.Errorf("/metrics contains %q: devices and users must not be labels", secret)
		}
	}
}

func TestClientCollector(t *testing.T) {
	m := New("1.4.0")
	m.Watch(StatsFunc(func() ClusterStats {
		return ClusterStats{Cluster: "EU", InFlight: 3, Queued: 7, MaxConcurrent: 5, QueuedScheduled: 4, InteractiveWaits: 11, ScheduledWaits: 40,
			Nodes: []NodeStats{{Node: "eu-pub:8443", Breaker: "open"}, {Node: "eu-sub:8443", Breaker: "closed"}}}
	}))
	m.CUCMCall("EU", "eu-pub:8443", "login", "timeout", time.Second)
	body := scrape(t, m)
	for _, want := range []string{
		`bcservice_cucm_inflight_requests{cluster="EU"} 3`,
		`bcservice_cucm_queued_requests{cluster="EU"} 7`,
		`bcservice_cucm_concurrency_limit{cluster="EU"} 5`,
		`bcservice_cucm_queued_scheduled_requests{cluster="EU"} 4`,
		`bcservice_cucm_lane_waits_total{cluster="EU",lane="interactive"} 11`,
		`bcservice_cucm_lane_waits_total{cluster="EU",lane="scheduled"} 40`,
		`bcservice_cucm_breaker_state{cluster="EU",node="eu-pub:8443"} 2`,
		`bcservice_cucm_breaker_state{cluster="EU",node="eu-sub:8443"} 0`,
		`bcservice_cucm_calls_total{cluster="EU",node="eu-pub:8443",op="login",outcome="timeout"} 1`,
		`bcservice_build_info{version="1.4.0"} 1`,
	} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}

func scrape(t *testing.T, m *Metrics) string {
	t.Helper()
	rec := httptest.NewRecorder()
	m.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	b, err := io.ReadAll(rec.Body)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestWatchLocations(t *testing.T) {
	m := New("1.4.0")
	m.WatchLocations(func() service.LocationStats { return service.LocationStats{Hits: 7, Misses: 3, Size: 2} })
	body := scrape(t, m)
	for _, want := range []string{"bcservice_device_cache_hits_total 7", "bcservice_device_cache_misses_total 3", "bcservice_device_cache_entries 2"} {
		if !strings.Contains(body, want) {
			t.Errorf("/metrics lacks %q", want)
		}
	}
}
