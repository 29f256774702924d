// Package benchrun is one end-to-end benchmark run of the Business Connector: it generates a
// large CUCM estate with cucmsim, starts the real cucmsim and bcservice binaries on loopback,
// drives them with the load generator (cmd/bcbench/loadgen) and reports throughput, latency,
// load time and memory as a table and as JSON. `make bench` runs it through cmd/bcbench;
// bench_test.go runs a tiny version as part of `go test ./...` so it cannot rot.
package benchrun

import (
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"slices"
	"time"
)

// Config sizes a benchmark run. The zero value of a field means its default (Defaults).
type Config struct {
	// Scenarios selects what runs: ScenariosService (the nine scenarios of one bcservice
	// against direct and reference) and ScenariosReplicas (two replicas, one budget).
	// Default: both.
	Scenarios []string
	// BinDir holds the cucmsim and bcservice binaries.
	BinDir string
	// RefHop is the command (binary and leading arguments) that serves the reference hop;
	// the benchmark appends --listen, --addr-file and --node. Default: BinDir/bcbench refhop.
	RefHop []string
	// OutDir receives bench-<timestamp>.json (created if missing); empty: no file.
	OutDir string
	// Devices, Users and Clusters size the generated topology.
	Devices, Users, Clusters int
	// Concurrency is the number of closed-loop workers (requests in flight).
	Concurrency int
	// Duration and MaxRequests bound each closed-loop scenario.
	Duration    time.Duration
	MaxRequests int
	// Warmup requests precede each closed-loop scenario and are not measured: they open the
	// keep-alive connections and warm the servers' caches.
	Warmup int
	// Rate (requests per second) and RateDuration shape the open-loop latency scenarios.
	Rate         float64
	RateDuration time.Duration
	// PairsPerWorker bounds the distinct device/user pairs a login/logout worker cycles over.
	PairsPerWorker int
	// LogLevel is passed to both binaries (their logs go to files in the work directory).
	LogLevel string
	// Seed makes the choice of devices and users reproducible.
	Seed uint64
	// StartTimeout bounds each binary's start-up (until its address file appears) and the
	// generator and validator runs.
	StartTimeout time.Duration
	// RequestTimeout bounds every request of the load generator.
	RequestTimeout time.Duration
	// WorkDir holds the topology, the service config, address files and logs; empty: a new
	// temporary directory, removed afterwards unless KeepWorkDir.
	WorkDir     string
	KeepWorkDir bool
	// Logger receives progress messages; nil: discarded.
	Logger *slog.Logger
	// Replicas sizes the "two replicas, one budget" scenario.
	Replicas ReplicasConfig
	// Sweep sizes the "sweep beside people" scenario.
	Sweep SweepConfig
}

// SweepConfig sizes the "sweep beside people" scenario (sweep.go). The zero value of a
// field means its default.
type SweepConfig struct {
	// Logouts is how many logins the sweep ends (at most 8191, the sweep's span).
	Logouts int
	// Slots is the cluster's EM "Maximum Concurrent Requests" and the service's.
	Slots int
	// Latency is CUCM's time for one login or logout.
	Latency time.Duration
	// Rate is how many interactive logins arrive per second.
	Rate float64
}

// The scenario groups of Config.Scenarios.
const (
	ScenariosService  = "service"
	ScenariosReplicas = "replicas"
	ScenariosSweep    = "sweep"
)

// ReplicasConfig sizes the "two replicas, one budget" scenario (replicas.go). The zero value
// of a field means its default.
type ReplicasConfig struct {
	// Logins is the burst's size, and the number of single logins timed one at a time.
	Logins int
	// Slots is the cluster's EM "Maximum Concurrent Requests" and each replica's
	// maxConcurrentRequests.
	Slots int
	// LoginLatency is how long CUCM takes for one login during the bursts.
	LoginLatency time.Duration
}

// Defaults returns the configuration of `make bench`: 100k devices and users on 2 clusters,
// 16 workers, 10 s per throughput scenario, 200 req/s for 5 s for latency; then two replicas
// sharing 5 slots through PostgreSQL for a burst of 200 logins of 200 ms each. The whole run
// takes about two minutes on 2 cores.
func Defaults() Config {
	return Config{
		Scenarios:      []string{ScenariosService, ScenariosReplicas, ScenariosSweep},
		BinDir:         "bin",
		Devices:        100_000,
		Users:          100_000,
		Clusters:       2,
		Concurrency:    16,
		Duration:       10 * time.Second,
		MaxRequests:    500_000,
		Warmup:         500,
		Rate:           200,
		RateDuration:   5 * time.Second,
		PairsPerWorker: 64,
		LogLevel:       "info",
		Seed:           1,
		StartTimeout:   60 * time.Second,
		RequestTimeout: 10 * time.Second,
		Replicas:       ReplicasConfig{Logins: 200, Slots: 5, LoginLatency: 200 * time.Millisecond},
		Sweep:          SweepConfig{Logouts: 5000, Slots: 5, Latency: 50 * time.Millisecond, Rate: 5},
	}
}

// withDefaults fills the zero fields of c from Defaults.
func (c Config) withDefaults() Config {
	d := Defaults()
	set := func(v *int, def int) {
		if *v == 0 {
			*v = def
		}
	}
	setDur := func(v *time.Duration, def time.Duration) {
		if *v == 0 {
			*v = def
		}
	}
	if len(c.Scenarios) == 0 {
		c.Scenarios = d.Scenarios
	}
	if c.BinDir == "" {
		c.BinDir = d.BinDir
	}
	if len(c.RefHop) == 0 {
		c.RefHop = []string{filepath.Join(c.BinDir, "bcbench"), "refhop"}
	}
	set(&c.Devices, d.Devices)
	set(&c.Users, d.Users)
	set(&c.Clusters, d.Clusters)
	set(&c.Concurrency, d.Concurrency)
	set(&c.MaxRequests, d.MaxRequests)
	set(&c.Warmup, d.Warmup)
	set(&c.PairsPerWorker, d.PairsPerWorker)
	setDur(&c.Duration, d.Duration)
	setDur(&c.RateDuration, d.RateDuration)
	setDur(&c.StartTimeout, d.StartTimeout)
	setDur(&c.RequestTimeout, d.RequestTimeout)
	set(&c.Replicas.Logins, d.Replicas.Logins)
	set(&c.Replicas.Slots, d.Replicas.Slots)
	setDur(&c.Replicas.LoginLatency, d.Replicas.LoginLatency)
	set(&c.Sweep.Logouts, d.Sweep.Logouts)
	set(&c.Sweep.Slots, d.Sweep.Slots)
	setDur(&c.Sweep.Latency, d.Sweep.Latency)
	if c.Sweep.Rate == 0 {
		c.Sweep.Rate = d.Sweep.Rate
	}
	if c.Rate == 0 {
		c.Rate = d.Rate
	}
	if c.LogLevel == "" {
		c.LogLevel = d.LogLevel
	}
	if c.Seed == 0 {
		c.Seed = d.Seed
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

// validate rejects sizes that cannot produce a meaningful run.
func (c Config) validate() error {
	var errs []error
	if c.Devices < 1 || c.Users < 1 || c.Clusters < 1 {
		errs = append(errs, fmt.Errorf("devices, users and clusters must be >= 1"))
	}
	if c.Concurrency < 1 || c.Concurrency > 1024 {
		errs = append(errs, fmt.Errorf("concurrency must be 1..1024, got %d", c.Concurrency))
	}
	if c.MaxRequests < 1 || c.Warmup < 0 || c.PairsPerWorker < 1 {
		errs = append(errs, fmt.Errorf("max requests and pairs per worker must be >= 1, warmup >= 0"))
	}
	if c.Duration <= 0 || c.RateDuration <= 0 || c.StartTimeout <= 0 || c.RequestTimeout <= 0 {
		errs = append(errs, fmt.Errorf("durations and timeouts must be positive"))
	}
	if c.Rate <= 0 || c.Rate > 100_000 {
		errs = append(errs, fmt.Errorf("rate must be in (0, 100000], got %v", c.Rate))
	}
	for _, sc := range c.Scenarios {
		if sc != ScenariosService && sc != ScenariosReplicas && sc != ScenariosSweep {
			errs = append(errs, fmt.Errorf("unknown scenario group %q (want %s, %s or %s)", sc, ScenariosService, ScenariosReplicas, ScenariosSweep))
		}
	}
	if r := c.Replicas; r.Logins < 1 || r.Slots < 1 || r.Slots > 100 || r.LoginLatency <= 0 {
		errs = append(errs, fmt.Errorf("replicas: logins must be >= 1, slots 1..100, login latency positive"))
	}
	if s := c.Sweep; s.Logouts < 1 || s.Logouts > sweepSpan || s.Slots < 1 || s.Slots > 100 || s.Latency <= 0 || s.Rate <= 0 || s.Rate > 1000 {
		errs = append(errs, fmt.Errorf("sweep: logouts must be 1..%d, slots 1..100, latency positive, rate in (0, 1000]", sweepSpan))
	}
	return errors.Join(errs...)
}

// runs reports whether the scenario group is selected.
func (c Config) runs(group string) bool { return slices.Contains(c.Scenarios, group) }
