package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestHistoryKeys(t *testing.T) {
	base := "clusters: [{code: EU, nodes: [\"http://127.0.0.1:1/x\"]}]\n"
	tests := []struct {
		name, yaml       string
		wantKey, wantMsg string // "" = valid
		kind, target     string
		retention        time.Duration
		queue            int
	}{
		{"absent: off", "", "", "", "", "", DefaultHistoryRetention, DefaultHistoryQueueSize},
		{"sqlite", "history: {dsn: \"sqlite:/var/lib/bc/h.db\"}", "", "", HistorySQLite, "/var/lib/bc/h.db", 2160 * time.Hour, 10000},
		{"sqlite URL form", "history: {dsn: \"sqlite:///var/lib/bc/h.db\", retention: 1h, queueSize: 5}", "", "", HistorySQLite, "/var/lib/bc/h.db", time.Hour, 5},
		{"postgres", "history: {dsn: \"postgres://bc:pw@db:5432/bc\", retention: 720h}", "", "", HistoryPostgres, "postgres://bc:pw@db:5432/bc", 720 * time.Hour, 10000},
		{"postgresql", "history: {dsn: \"postgresql://db/bc\"}", "", "", HistoryPostgres, "postgresql://db/bc", DefaultHistoryRetention, 10000},
		{"other scheme", "history: {dsn: \"mysql://u:topsecret@db/bc\"}", "history.dsn", "sqlite: or postgres://", "", "", 0, 0},
		{"sqlite without path", "history: {dsn: \"sqlite:\"}", "history.dsn", "needs a file path", "", "", 0, 0},
		{"postgres without host", "history: {dsn: \"postgres:///bc?password=topsecret\"}", "history.dsn", "not a valid postgres:// URL", "", "", 0, 0},
		{"postgres unparsable", "history: {dsn: \"postgres://u:topsecret@db:%zz/bc\"}", "history.dsn", "not a valid", "", "", 0, 0},
		{"short retention", "history: {dsn: \"sqlite:/h.db\", retention: 59m}", "history.retention", "at least 1h", "", "", 0, 0},
		{"flush 0", "history: {dsn: \"sqlite:/h.db\", flushTimeout: 0s}", "history.flushTimeout", "must be positive", "", "", 0, 0},
		{"queue 0", "history: {dsn: \"sqlite:/h.db\", queueSize: 0}", "history.queueSize", "1..1000000", "", "", 0, 0},
		{"rollups every 0", "history: {dsn: \"sqlite:/h.db\", rollupEvery: 0s}", "history.rollupEvery", "between 1s and 1h", "", "", 0, 0},
		{"rollups every day", "history: {dsn: \"sqlite:/h.db\", rollupEvery: 24h}", "history.rollupEvery", "between 1s and 1h", "", "", 0, 0},
		{"off ignores the rest", "history: {retention: 1m}", "", "", "", "", time.Minute, 10000},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, "c.yaml")
			if err := os.WriteFile(path, []byte(tt.yaml+"\n"+base), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg, err := Load(path, Overrides{})
			if tt.wantKey != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantKey+" (line 1): ") || !strings.Contains(err.Error(), tt.wantMsg) {
					t.Fatalf("got %v, want %s (line 1): …%s", err, tt.wantKey, tt.wantMsg)
				}
				if strings.Contains(err.Error(), "topsecret") {
					t.Errorf("error leaks the DSN's password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			kind, target := cfg.History.Store()
			if kind != tt.kind || target != tt.target || cfg.History.Enabled() != (tt.kind != "") ||
				cfg.History.Retention != tt.retention || cfg.History.QueueSize != tt.queue {
				t.Errorf("history %+v: store %q %q", cfg.History, kind, target)
			}
		})
	}
}
