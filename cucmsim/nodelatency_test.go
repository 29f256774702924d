package cucmsim

import (
	"testing"
	"time"
)

func TestLatencyEWMA(t *testing.T) {
	tests := []struct {
		name    string
		samples []time.Duration
		want    float64 // ms
	}{
		{"no request", nil, 0},
		{"first request", []time.Duration{8 * time.Millisecond}, 8},
		{"moves an eighth towards the newest", []time.Duration{8 * time.Millisecond, 16 * time.Millisecond}, 9},
		{"steady", []time.Duration{2 * time.Millisecond, 2 * time.Millisecond, 2 * time.Millisecond}, 2},
	}
	for _, tc := range tests {
		var l latencyEWMA
		for _, s := range tc.samples {
			l.observe(s)
		}
		if got := l.millis(); got != tc.want {
			t.Errorf("%s: %v ms, want %v", tc.name, got, tc.want)
		}
	}
}
