package config

import (
	"strings"
	"testing"
	"time"
)

// TestHSTSMaxAge: server.hstsMaxAge defaults to a year, 0s turns the header
// off, and a value the header cannot carry is a problem at its line.
func TestHSTSMaxAge(t *testing.T) {
	tests := []struct {
		name    string
		value   string // "" leaves the key out
		want    time.Duration
		problem string
	}{
		{name: "absent: one year", want: 365 * 24 * time.Hour},
		{name: "zero turns it off", value: "0s", want: 0},
		{name: "a day", value: "24h", want: 24 * time.Hour},
		{name: "negative", value: "-1s", problem: "must not be negative"},
		{name: "fraction of a second", value: "1500ms", problem: "1.5s is not whole seconds"},
		{name: "bare number", value: "0", problem: "0 has no unit"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			yaml := oneCluster
			if tt.value != "" {
				yaml = "server:\n  hstsMaxAge: " + tt.value + "\n" + oneCluster
			}
			cfg, err := Load(writeYAML(t, yaml), Overrides{})
			if tt.problem != "" {
				p := findProblem(t, err, "server.hstsMaxAge")
				if p.Line != 2 || !strings.Contains(p.Msg, tt.problem) {
					t.Errorf("problem %q, want line 2 and %q", p, tt.problem)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.Server.HSTSMaxAge != tt.want {
				t.Errorf("hstsMaxAge = %s, want %s", cfg.Server.HSTSMaxAge, tt.want)
			}
		})
	}
}
