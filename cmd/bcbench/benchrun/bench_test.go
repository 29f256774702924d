package benchrun

import (
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emconnector/emconnector/cucmsim/topology"
	"github.com/emconnector/emconnector/service/postgres/pgtest"
)

// runDeadline bounds one smoke run (builds excluded).
const runDeadline = 5 * time.Minute

// TestSmoke runs the whole benchmark at toy size against freshly built binaries, so that
// `make bench` cannot rot: same code path, 200 devices and users, a few hundred requests.
func TestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs both binaries")
	}
	bin := buildBinaries(t, "cucmsim", "bcservice", "bcbench") // bcbench serves the reference hop
	out := filepath.Join(t.TempDir(), "results")
	// The deadline only stops a hung run: generous, since the run takes tens of
	// seconds of wall time on a machine loaded by the whole suite.
	ctx, cancel := context.WithTimeout(context.Background(), runDeadline)
	defer cancel()
	cfg := Config{
		Scenarios:    []string{ScenariosService},
		BinDir:       bin,
		OutDir:       out,
		Devices:      200,
		Users:        200,
		Clusters:     2,
		Concurrency:  4,
		Duration:     5 * time.Second,
		MaxRequests:  200,
		Warmup:       20,
		Rate:         200,
		RateDuration: 500 * time.Millisecond,
		LogLevel:     "warn",
		WorkDir:      filepath.Join(t.TempDir(), "work"),
		Logger:       slog.New(slog.NewTextHandler(testWriter{t}, nil)),
	}
	res, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var table strings.Builder
	if err := res.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + table.String())
	if n := res.TotalErrors(); n != 0 {
		t.Errorf("%d request errors, want 0; logs in %s", n, cfg.WorkDir)
	}

	files, err := filepath.Glob(filepath.Join(out, "bench-*.json"))
	if err != nil || len(files) != 1 {
		t.Fatalf("result files %v (%v), want one bench-*.json", files, err)
	}
	data, err := os.ReadFile(files[0])
	if err != nil {
		t.Fatal(err)
	}
	var back Result
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatalf("result JSON: %v", err)
	}
	wantRequests := map[string]int{ // by scenario and mode: the count bound or the rate's share
		"direct deviceUserQuery/closed C=4":      200,
		"via-service getloggedinuser/closed C=4": 200,
		"reference getloggedinuser/closed C=4":   200,
		"direct deviceUserQuery/open 200/s":      100,
		"via-service getloggedinuser/open 200/s": 100,
		"reference getloggedinuser/open 200/s":   100,
		"direct login+logout/closed C=4":         200,
		"via-service login+logout/closed C=4":    200,
		"reference login+logout/closed C=4":      200,
	}
	if len(back.Scenarios) != len(wantRequests) {
		t.Errorf("%d scenarios, want %d", len(back.Scenarios), len(wantRequests))
	}
	for _, s := range back.Scenarios {
		key := s.Name + "/" + s.Mode
		want, ok := wantRequests[key]
		if !ok {
			t.Errorf("unexpected scenario %q", key)
			continue
		}
		if s.Requests != want || s.RPS <= 0 || s.P50Ms <= 0 || s.P99Ms < s.P50Ms {
			t.Errorf("%s: requests %d (want %d), rps %v, p50 %v, p99 %v", key, s.Requests, want, s.RPS, s.P50Ms, s.P99Ms)
		}
	}
	if back.SimLoadSeconds <= 0 || back.GenSeconds <= 0 || back.SimRSSAfterLoad <= 0 || back.ServiceRSSAfterRun <= 0 {
		t.Errorf("figures missing: load %v s, gen %v s, sim RSS %v MiB, service RSS %v MiB",
			back.SimLoadSeconds, back.GenSeconds, back.SimRSSAfterLoad, back.ServiceRSSAfterRun)
	}
	if back.ViaDirectRatio <= 0 || len(back.Targets) != 7 {
		t.Errorf("ratio %v, %d targets", back.ViaDirectRatio, len(back.Targets))
	}
	if len(back.Shares) != 2 {
		t.Fatalf("%d reference shares, want 2", len(back.Shares))
	}
	for _, h := range back.Shares {
		if h.ViaDirect <= 0 || h.RefDirect <= 0 || h.Share <= 0 || back.RefHopRSSAfterRun <= 0 {
			t.Errorf("share figures missing: %+v, refhop RSS %v MiB", h, back.RefHopRSSAfterRun)
		}
	}
	topo, err := topology.Load(filepath.Join(cfg.WorkDir, "topo.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range topo.Clusters {
		for _, a := range c.AppUsers {
			if a.Password != "" && strings.Contains(string(data)+table.String(), a.Password) {
				t.Errorf("the result contains the password of app user %s", a.ID)
			}
		}
	}
}

// TestSmokeReplicas runs the two replicas scenario at toy size (20 logins of 50 ms over 5
// slots) against freshly built binaries and a throwaway PostgreSQL, skipped without one
// (failed under CI, as the PostgreSQL store tests are).
func TestSmokeReplicas(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs both binaries and PostgreSQL")
	}
	if _, err := pgtest.BinDir(); err != nil {
		pgtest.Require(t, nil, err)
	}
	cfg := Config{
		Scenarios: []string{ScenariosReplicas},
		BinDir:    buildBinaries(t, "cucmsim", "bcservice"),
		LogLevel:  "warn",
		WorkDir:   filepath.Join(t.TempDir(), "work"),
		Logger:    slog.New(slog.NewTextHandler(testWriter{t}, nil)),
		Replicas:  ReplicasConfig{Logins: 20, Slots: 5, LoginLatency: 50 * time.Millisecond},
	}
	ctx, cancel := context.WithTimeout(context.Background(), runDeadline)
	defer cancel()
	res, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var table strings.Builder
	if err := res.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + table.String())
	r := res.Replicas
	if r == nil || len(res.Scenarios) != 0 || len(res.Targets) != 3 {
		t.Fatalf("replicas %+v, %d service scenarios, %d targets; want the replicas alone", r, len(res.Scenarios), len(res.Targets))
	}
	if c := r.Coordinated; c.Busy != 0 || c.Errors != 0 || c.ShareOfLimit < 1 || r.Fallbacks != 0 {
		t.Errorf("coordinated burst %+v, %d fallbacks: want no 26, no error, no fallback, not faster than CUCM allows", c, r.Fallbacks)
	}
	if l, o := r.Local, r.OneReplica; l.ShareOfLimit <= 0 || o.ShareOfLimit < 1 || o.Busy != 0 || o.Errors != 0 {
		t.Errorf("uncoordinated burst %+v, one replica's %+v: want both run, the latter without 26 or error", l, o)
	}
	if s := r.Single; s.Count != 20 || s.Errors != 0 || s.Coordinated.LoginP50Ms <= 0 || s.Local.LoginP50Ms <= 0 || s.Local.LogoutP95Ms <= 0 {
		t.Errorf("single logins %+v", s)
	}
}

// buildBinaries builds the named commands of cmd/ into a temporary directory and returns it.
func buildBinaries(t *testing.T, names ...string) string {
	t.Helper()
	bin := t.TempDir()
	for _, name := range names {
		cmd := exec.Command("go", "build", "-o", filepath.Join(bin, name), "github.com/emconnector/emconnector/cmd/"+name)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("go build %s: %v\n%s", name, err, out)
		}
	}
	return bin
}

// testWriter sends progress lines to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// TestSmokeSweep runs the "sweep beside people" scenario at toy size (200 logouts of 20 ms
// over 5 slots, people at 10/s) against freshly built binaries.
func TestSmokeSweep(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs both binaries")
	}
	cfg := Config{
		Scenarios: []string{ScenariosSweep},
		BinDir:    buildBinaries(t, "cucmsim", "bcservice"),
		LogLevel:  "warn",
		WorkDir:   filepath.Join(t.TempDir(), "work"),
		Logger:    slog.New(slog.NewTextHandler(testWriter{t}, nil)),
		Sweep:     SweepConfig{Logouts: 200, Slots: 5, Latency: 20 * time.Millisecond, Rate: 10},
	}
	ctx, cancel := context.WithTimeout(context.Background(), runDeadline)
	defer cancel()
	res, err := Run(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var table strings.Builder
	if err := res.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	t.Log("\n" + table.String())
	s := res.Sweep
	if s == nil || len(res.Targets) != 3 {
		t.Fatalf("sweep %+v, %d targets; want the sweep alone", s, len(res.Targets))
	}
	// The figures' targets are for make bench on a quiet machine; here the mechanism: every
	// login swept, no error, never faster than CUCM allows, people served during the sweep.
	if s.Alone.LoggedOut != 200 || s.Beside.LoggedOut != 200 || s.Alone.Failed+s.Beside.Failed != 0 {
		t.Errorf("sweeps %+v %+v: want 200 logged out each, no failure", s.Alone, s.Beside)
	}
	if s.Alone.ShareOfLimit > 1.001 || s.Alone.ShareOfLimit <= 0 {
		t.Errorf("sweep alone at %.3f of CUCM's limit: faster than CUCM allows, or not timed", s.Alone.ShareOfLimit)
	}
	if s.Baseline.Logins == 0 || s.During.Logins == 0 || s.Baseline.Errors+s.During.Errors != 0 {
		t.Errorf("people %+v %+v: want logins without error", s.Baseline, s.During)
	}
}
