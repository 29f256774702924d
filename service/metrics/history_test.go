package metrics

import (
	"strings"
	"testing"
	"time"
)

func TestWatchHistory(t *testing.T) {
	tests := []struct {
		name  string
		stats HistoryStats
		want  []string
	}{
		{"never committed", HistoryStats{}, []string{HistoryDroppedTotal + " 0", HistoryRejectedTotal + " 0", HistoryQueueDepth + " 0", HistoryLastCommit + " 0"}},
		{"dropping and rejecting", HistoryStats{Dropped: 12, Rejected: 3, Depth: 5, LastCommit: time.UnixMilli(1767225600500)},
			[]string{HistoryDroppedTotal + " 12", HistoryRejectedTotal + " 3", HistoryQueueDepth + " 5", HistoryLastCommit + " 1.7672256005e+09"}},
	}
	for _, tc := range tests {
		m := New("1.4.0")
		m.WatchHistory(func() HistoryStats { return tc.stats })
		body := scrape(t, m)
		for _, want := range tc.want {
			if !strings.Contains(body, want) {
				t.Errorf("%s: /metrics lacks %q", tc.name, want)
			}
		}
	}
}
