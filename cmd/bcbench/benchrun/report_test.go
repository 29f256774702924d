package benchrun

import (
	"encoding/json"
	"math"
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
		Shares: []HopShare{
			hopShare("getloggedinuser", 1000, 460, 500, 0.9),
			hopShare("login+logout", 1000, 340, 400, 0.8),
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
		{"shares", func(r *Result) {
			r.Scenarios[1].Errors = 0
			r.Shares[0] = hopShare("getloggedinuser", 1000, 440, 500, 0.9)
			r.Shares[1] = hopShare("login+logout", 1000, 310, 400, 0.8)
		}, []string{"getloggedinuser share of reference", "login+logout share of reference"}},
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
	for _, want := range []string{"scenario", "req/s", "p99 ms", "direct deviceUserQuery", "1000", "MISS errors", "ok   via-service throughput",
		"getloggedinuser 1000 460 500 0.46 0.50 0.92 >= 0.90", "ok   getloggedinuser share of reference want >= 0.90 got 0.92"} {
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
	if back.TotalErrors() != 2 || back.Scenarios[0].RPS != 1000 || len(back.Targets) != 7 || math.Abs(back.Shares[1].Share-0.85) > 1e-9 {
		t.Errorf("round trip lost data: %+v", back)
	}
}

func TestHopShare(t *testing.T) {
	tests := []struct {
		name                        string
		direct, via, ref            float64
		viaDirect, refDirect, share float64
	}{
		{"bcservice as fast as the reference", 1000, 500, 500, 0.5, 0.5, 1},
		{"bcservice at 90%", 16000, 6300, 7000, 0.39375, 0.4375, 0.9},
		{"login+logout", 4000, 2400, 3000, 0.6, 0.75, 0.8},
		{"no direct run", 0, 500, 500, 0, 0, 0},
		{"reference failed", 1000, 500, 0, 0.5, 0, 0},
	}
	const eps = 1e-9
	for _, tt := range tests {
		h := hopShare("op", tt.direct, tt.via, tt.ref, 0.9)
		if math.Abs(h.ViaDirect-tt.viaDirect) > eps || math.Abs(h.RefDirect-tt.refDirect) > eps || math.Abs(h.Share-tt.share) > eps {
			t.Errorf("%s: got via/direct %v, ref/direct %v, share %v; want %v, %v, %v",
				tt.name, h.ViaDirect, h.RefDirect, h.Share, tt.viaDirect, tt.refDirect, tt.share)
		}
	}
}

func TestDerive(t *testing.T) {
	const c, o = "closed C=4", "open 200/s"
	r := &Result{Scenarios: []ScenarioResult{
		{Name: scDirectQuery, Mode: c, RPS: 1000},
		{Name: scViaQuery, Mode: c, RPS: 400},
		{Name: scRefQuery, Mode: c, RPS: 500},
		{Name: scDirectQuery, Mode: o, p50: 300 * time.Microsecond, p99: time.Millisecond},
		{Name: scViaQuery, Mode: o, p50: 700 * time.Microsecond, p99: 3 * time.Millisecond},
		{Name: scRefQuery, Mode: o, p50: 500 * time.Microsecond},
		{Name: scDirectCycle, Mode: c, RPS: 800},
		{Name: scViaCycle, Mode: c, RPS: 300},
		{Name: scRefCycle, Mode: c, RPS: 400},
	}}
	r.derive(c, o)
	const eps = 1e-9
	if math.Abs(r.ViaDirectRatio-0.4) > eps || math.Abs(r.AddedP50Ms-0.4) > eps || math.Abs(r.AddedP99Ms-2) > eps || math.Abs(r.RefAddedP50Ms-0.2) > eps {
		t.Errorf("ratio %v, added p50 %v, p99 %v, reference p50 %v", r.ViaDirectRatio, r.AddedP50Ms, r.AddedP99Ms, r.RefAddedP50Ms)
	}
	if len(r.Shares) != 2 || math.Abs(r.Shares[0].Share-0.8) > eps || math.Abs(r.Shares[1].Share-0.75) > eps ||
		r.Shares[0].Target != queryShareTarget || r.Shares[1].Target != cycleShareTarget {
		t.Errorf("shares %+v", r.Shares)
	}
}
