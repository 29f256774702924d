package metrics

import (
	"strings"
	"testing"
)

func TestWatchCoordination(t *testing.T) {
	tests := []struct {
		name  string
		stats CoordinationStats
		want  []string
	}{
		{"shared", CoordinationStats{Shared: true, Waits: 7, Replicas: 3},
			[]string{CoordinationShared + " 1", CoordinationFallbacks + " 0", CoordinationWaits + " 7", CoordinationReplicas + " 3"}},
		{"local after two outages", CoordinationStats{Fallbacks: 2},
			[]string{CoordinationShared + " 0", CoordinationFallbacks + " 2", CoordinationReplicas + " 0"}},
	}
	for _, tc := range tests {
		m := New("1.4.0")
		m.WatchCoordination(func() CoordinationStats { return tc.stats })
		body := scrape(t, m)
		for _, want := range tc.want {
			if !strings.Contains(body, want) {
				t.Errorf("%s: /metrics lacks %q", tc.name, want)
			}
		}
	}
}
