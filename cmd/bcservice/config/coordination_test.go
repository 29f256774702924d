package config

import (
	"strings"
	"testing"
)

func TestCoordinationKey(t *testing.T) {
	base := "clusters: [{code: EU, nodes: [\"http://127.0.0.1:1/x\"]}]\n"
	pg := "history: {dsn: \"postgres://bc:topsecret@db/bc\"}\n"
	tests := []struct {
		name, yaml string
		want       string // the mode, or "" when refused
		wantMsg    string
	}{
		{"absent: local", "", CoordinationLocal, ""},
		{"off", "coordination: off", CoordinationLocal, ""},
		{"local", "coordination: local", CoordinationLocal, ""},
		{"postgres with a postgres history", "coordination: postgres\n" + pg, CoordinationPostgres, ""},
		{"any case", "coordination: PostgreS\n" + pg, CoordinationPostgres, ""},
		{"postgres without history", "coordination: postgres", "", "postgres needs history.dsn to be a postgres:// URL"},
		{"postgres over sqlite", "coordination: postgres\nhistory: {dsn: \"sqlite:/h.db\"}", "", "postgres needs history.dsn"},
		{"unknown", "coordination: etcd", "", `"etcd" must be local or postgres`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Load(writeYAML(t, tt.yaml+"\n"+base), Overrides{})
			if tt.want == "" {
				if err == nil || !strings.Contains(err.Error(), "coordination (line 1): ") || !strings.Contains(err.Error(), tt.wantMsg) {
					t.Fatalf("got %v, want coordination (line 1): …%s", err, tt.wantMsg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := cfg.CoordinationMode(); got != tt.want || cfg.Coordinated() != (tt.want == CoordinationPostgres) {
				t.Errorf("mode %q, want %q", got, tt.want)
			}
		})
	}
}
