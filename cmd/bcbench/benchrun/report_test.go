package benchrun

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func sampleResult() *Result {
	r := &Result{
		Started:         time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Config:          RunConfig{Devices: 10, Users: 10, Clusters: 2, Rate: 200},
		SimLoadSeconds:  0.5,
		SimRSSAfterLoad: 80,
		ViaDirectRatio:  0.6,
		AddedP50Ms:      0.2,
		Scenarios: []ScenarioResult{
			{Name: "direct deviceUserQuery", Mode: "closed C=4", Requests: 100, RPS: 1000, P50Ms: 0.1, P99Ms: 1},
			{Name: "via-service login+logout", Mode: "closed C=4", Requests: 50, Errors: 2, RPS: 100},
		},
	}
	return r
}

func TestComputeTargets(t *testing.T) {
	tests := []struct {
		name     string
		mutate   func(r *Result)
		wantMiss []string
	}{
		{"errors only", func(*Result) {}, []string{"errors"}},
		{"all met", func(r *Result) { r.Scenarios[1].Errors = 0 }, nil},
		{"slow", func(r *Result) {
			r.Scenarios[1].Errors = 0
			r.ViaDirectRatio, r.AddedP50Ms, r.SimLoadSeconds, r.SimRSSAfterLoad = 0.49, 0.31, 1.0, 150
		}, []string{"via-service throughput / direct", "added p50 latency at fixed rate", "topology load time", "cucmsim RSS after load"}},
	}
	for _, tt := range tests {
		r := sampleResult()
		tt.mutate(r)
		r.computeTargets()
		var miss []string
		for _, tg := range r.Targets {
			if !tg.Met {
				miss = append(miss, tg.Name)
			}
		}
		if strings.Join(miss, ",") != strings.Join(tt.wantMiss, ",") {
			t.Errorf("%s: missed %v, want %v", tt.name, miss, tt.wantMiss)
		}
	}
}

func TestWriteTableAndJSON(t *testing.T) {
	r := sampleResult()
	r.computeTargets()
	var b strings.Builder
	if err := r.WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, want := range []string{"scenario", "req/s", "p99 ms", "direct deviceUserQuery", "1000", "MISS errors", "ok   via-service throughput"} {
		if !strings.Contains(strings.Join(strings.Fields(out), " "), strings.Join(strings.Fields(want), " ")) {
			t.Errorf("table lacks %q:\n%s", want, out)
		}
	}
	dir := filepath.Join(t.TempDir(), "results")
	path, err := r.WriteJSON(dir)
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "bench-20260102T030405Z.json"); path != want {
		t.Errorf("path %s, want %s", path, want)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var back Result
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatalf("JSON: %v", err)
	}
	if back.TotalErrors() != 2 || back.Scenarios[0].RPS != 1000 || len(back.Targets) != 5 {
		t.Errorf("round trip lost data: %+v", back)
	}
}
