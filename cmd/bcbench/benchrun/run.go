package benchrun

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"runtime/debug"
	"strconv"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/emconnector/emconnector/cmd/bcbench/loadgen"
	"github.com/emconnector/emconnector/cucmsim/topology"
	"github.com/emconnector/emconnector/service/postgres/pgserver"
)

// stopGrace is how long a binary may take to shut down after SIGTERM.
const stopGrace = 10 * time.Second

// simAddrs is cucmsim's --addr-file (cmd/cucmsim/README.md, "Command line").
type simAddrs struct {
	Admin string                       `json:"admin"`
	Nodes map[string]map[string]string `json:"nodes"` // cluster code -> node name -> host:port
}

// serviceAddrs is bcservice's --addr-file.
type serviceAddrs struct {
	Listen string `json:"listen"`
}

// Run performs a whole benchmark: for the service scenarios, generate, validate and load the
// topology, start both binaries, run the scenarios, stop the binaries; then the two replicas
// scenario, which starts its own PostgreSQL, simulator and replicas. It writes the JSON result
// to cfg.OutDir when set. Failed requests do not make Run fail (they are counted in the result); a binary that
// does not build, start or answer does.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	log := cfg.Logger
	res := &Result{
		Started:   time.Now(),
		GoVersion: runtime.Version(),
		CPUs:      runtime.NumCPU(),
		Config: RunConfig{
			Devices: cfg.Devices, Users: cfg.Users, Clusters: cfg.Clusters,
			Concurrency: cfg.Concurrency, DurationSecs: cfg.Duration.Seconds(), MaxRequests: cfg.MaxRequests,
			Rate: cfg.Rate, RateDurationSecs: cfg.RateDuration.Seconds(), LogLevel: cfg.LogLevel, Seed: cfg.Seed,
		},
	}
	work := cfg.WorkDir
	if work == "" {
		dir, err := os.MkdirTemp("", "bcbench-")
		if err != nil {
			return nil, err
		}
		work = dir
		if !cfg.KeepWorkDir {
			defer os.RemoveAll(dir)
		}
	} else if err := os.MkdirAll(work, 0o755); err != nil {
		return nil, err
	}
	log.Info("work directory", "dir", work)
	if cfg.runs(ScenariosService) {
		if err := runService(ctx, cfg, work, res); err != nil {
			return nil, err
		}
	}
	if cfg.runs(ScenariosReplicas) {
		rr, err := runReplicas(ctx, cfg, filepath.Join(work, "replicas"))
		switch {
		case errors.Is(err, pgserver.ErrNoServer):
			// A machine without PostgreSQL still gets the single-service figures.
			log.Warn("two replicas scenario skipped", "err", err)
			res.ReplicasSkipped = err.Error()
		case err != nil:
			return nil, err
		default:
			res.Replicas = rr
		}
	}
	if cfg.runs(ScenariosSweep) {
		sr, err := runSweepBench(ctx, cfg, filepath.Join(work, "sweep"))
		if err != nil {
			return nil, err
		}
		res.Sweep = sr
	}

	res.computeTargets()
	res.TotalSeconds = time.Since(res.Started).Seconds()
	if cfg.OutDir != "" {
		path, err := res.WriteJSON(cfg.OutDir)
		if err != nil {
			return res, err
		}
		log.Info("result written", "file", path)
	}
	return res, nil
}

// runService runs the scenarios of one bcservice against the direct calls and the reference
// hop (steps 1 to 5 of cmd/bcbench/README.md, "What it does") and records them in res.
func runService(ctx context.Context, cfg Config, work string, res *Result) error {
	log := cfg.Logger

	// 1. The topology: generate, validate (both timed), read it for the scenarios.
	topoPath := filepath.Join(work, "topo.yaml")
	topo, err := generateTopology(ctx, cfg, topoPath, res)
	if err != nil {
		return err
	}

	// 2. cucmsim: load time is start to address file (all listeners bound), then memory.
	sim, sa, err := startSim(ctx, cfg, work, topoPath, res)
	if err != nil {
		return err
	}
	defer stopLogged(sim, log)

	client := loadgen.NewClient(cfg.Concurrency+int(cfg.Rate/10)+1, cfg.RequestTimeout)
	defer client.CloseIdleConnections()
	fx, busyDev, err := fixtureOf(ctx, client, cfg, sa.Admin, topo)
	if err != nil {
		return err
	}
	emURL, svcCfg, err := nodeURLs(fx, sa)
	if err != nil {
		return err
	}
	// Drop the topology so the measurements do not run against a large live heap here.
	topo = nil
	runtime.GC()
	debug.FreeOSMemory()

	// 3. bcservice in front of the simulator.
	svc, svcURL, err := startService(ctx, cfg, work, svcCfg)
	if err != nil {
		return err
	}
	defer stopLogged(svc, log)

	// 3b. The reference hop in bcservice's place, forwarding to the same first nodes.
	ref, refURL, err := startRefHop(ctx, cfg, work, fx, emURL)
	if err != nil {
		return err
	}
	defer stopLogged(ref, log)
	log.Info("reference hop ready", "url", refURL)

	// 4. The scenarios.
	tg, err := newTargets(client, fx, emURL)
	if err != nil {
		return err
	}
	// A login/logout run stops wherever its bounds fall, leaving some devices logged in;
	// they are logged out through the control API before the next run needs them free.
	codes := fx.codes()
	m := newLoadModes(ctx, cfg, func() error { return releaseLogins(ctx, client, sa.Admin, codes, busyDev) })
	scenarios := m.scenarios(tg, fx.pairsFor(cfg.Concurrency, cfg.PairsPerWorker), svcURL, refURL)
	if err := runScenarios(ctx, log, scenarios, cpuSources(sim, svc, ref), res); err != nil {
		return err
	}
	res.derive(m.closedName, m.openName)

	// 5. Memory after the run.
	return memoryAfterRun(sim, svc, ref, res)
}

// generateTopology generates the topology at path and validates it with cucmsim, timing
// both into res, and reads it for the fixture.
func generateTopology(ctx context.Context, cfg Config, path string, res *Result) (*topology.Topology, error) {
	simBin := filepath.Join(cfg.BinDir, "cucmsim")
	took, err := runCommand(ctx, cfg.StartTimeout, simBin, "gen",
		"--devices", strconv.Itoa(cfg.Devices), "--users", strconv.Itoa(cfg.Users),
		"--clusters", strconv.Itoa(cfg.Clusters), "--out", path)
	if err != nil {
		return nil, err
	}
	res.GenSeconds = took.Seconds()
	took, err = runCommand(ctx, cfg.StartTimeout, simBin, "validate", path)
	if err != nil {
		return nil, err
	}
	res.ValidateSeconds = took.Seconds()
	cfg.Logger.Info("topology generated and validated", "file", path, "gen", res.GenSeconds, "validate", res.ValidateSeconds)
	topo, err := topology.Load(path)
	if err != nil {
		return nil, fmt.Errorf("read generated topology: %w", err)
	}
	return topo, nil
}

// startSim starts cucmsim on the topology and records its load time (start to address file,
// all listeners bound) and its memory after the load. The caller stops it.
func startSim(ctx context.Context, cfg Config, work, topoPath string, res *Result) (*process, simAddrs, error) {
	simBin := filepath.Join(cfg.BinDir, "cucmsim")
	var sa simAddrs
	addrPath := filepath.Join(work, "cucmsim.addr.json")
	if err := removeStale(addrPath); err != nil {
		return nil, sa, err
	}
	startedAt := time.Now()
	sim, err := startProcess("cucmsim", filepath.Join(work, "cucmsim.log"), simBin, "serve",
		"--topology", topoPath, "--ephemeral-ports", "--addr-file", addrPath,
		"--admin", "127.0.0.1:0", "--log-level", cfg.LogLevel)
	if err != nil {
		return nil, sa, err
	}
	seen, err := waitAddrFile(ctx, sim, addrPath, cfg.StartTimeout, &sa)
	if err == nil {
		res.SimLoadSeconds = seen.Sub(startedAt).Seconds()
		err = recordSimLoad(sim, res)
	}
	if err != nil {
		stopLogged(sim, cfg.Logger)
		return nil, sa, err
	}
	cfg.Logger.Info("cucmsim ready", "load_s", res.SimLoadSeconds, "rss_mib", res.SimRSSAfterLoad)
	return sim, sa, nil
}

// recordSimLoad records cucmsim's memory once it has loaded the topology.
func recordSimLoad(sim *process, res *Result) error {
	rss, peak, err := sim.memory()
	if err != nil {
		return err
	}
	res.SimRSSAfterLoad, res.SimPeakAfterLoad = mib(rss), mib(peak)
	return nil
}

// fixtureOf reads the fixture from the topology, leaving out the devices and users the
// simulator reports logged in at the start; it returns those devices too.
func fixtureOf(ctx context.Context, client *http.Client, cfg Config, admin string, topo *topology.Topology) (*fixture, map[string]map[string]bool, error) {
	busyDev, busyUser, err := simLogins(ctx, client, admin, topoCodes(topo))
	if err != nil {
		return nil, nil, err
	}
	fx, err := readFixture(topo, cfg.Seed, busyDev, busyUser)
	if err != nil {
		return nil, nil, err
	}
	return fx, busyDev, nil
}

// startService starts bcservice configured for the simulator's nodes and returns it with
// its base URL. The caller stops it.
func startService(ctx context.Context, cfg Config, work string, svcCfg serviceConfig) (*process, string, error) {
	svcBin := filepath.Join(cfg.BinDir, "bcservice")
	cfgPath := filepath.Join(work, "bcservice.yaml")
	if err := writeServiceConfig(cfgPath, svcCfg); err != nil {
		return nil, "", err
	}
	addrPath := filepath.Join(work, "bcservice.addr.json")
	if err := removeStale(addrPath); err != nil {
		return nil, "", err
	}
	svc, err := startProcess("bcservice", filepath.Join(work, "bcservice.log"), svcBin, "serve",
		"--config", cfgPath, "--listen", "127.0.0.1:0", "--addr-file", addrPath, "--log-level", cfg.LogLevel)
	if err != nil {
		return nil, "", err
	}
	var va serviceAddrs
	if _, err := waitAddrFile(ctx, svc, addrPath, cfg.StartTimeout, &va); err != nil {
		stopLogged(svc, cfg.Logger)
		return nil, "", err
	}
	cfg.Logger.Info("bcservice ready", "listen", va.Listen)
	return svc, "http://" + va.Listen, nil
}

// cpuSources reads the CPU time of the three processes and of this one.
func cpuSources(sim, svc, ref *process) []cpuSource {
	self := func() (time.Duration, error) { return procCPUTime(os.Getpid()) }
	return []cpuSource{sim.cpuTime, svc.cpuTime, ref.cpuTime, self}
}

// memoryAfterRun records the memory of the three processes once the scenarios have run.
func memoryAfterRun(sim, svc, ref *process, res *Result) error {
	rss, peak, err := svc.memory()
	if err != nil {
		return err
	}
	res.ServiceRSSAfterRun, res.ServicePeakAfterRun = mib(rss), mib(peak)
	if rss, _, err = sim.memory(); err != nil {
		return err
	}
	res.SimRSSAfterRun = mib(rss)
	if rss, _, err = ref.memory(); err != nil {
		return err
	}
	res.RefHopRSSAfterRun = mib(rss)
	return nil
}

// cpuSource reads one process's CPU time so far.
type cpuSource func() (time.Duration, error)

func cpuTimes(srcs []cpuSource) ([]time.Duration, error) {
	out := make([]time.Duration, len(srcs))
	for i, f := range srcs {
		t, err := f()
		if err != nil {
			return nil, err
		}
		out[i] = t
	}
	return out, nil
}

// cpuShare turns the CPU time cucmsim, bcservice, the reference hop and the load generator
// (in that order) used
// during a scenario into microseconds per request and cores busy: what the 2 cores were
// spent on, which is what bounds the closed-loop throughput.
func cpuShare(before, after []time.Duration, st *loadgen.Stats) CPUFigures {
	per := func(i int) float64 {
		if st.Requests == 0 {
			return 0
		}
		return float64(after[i]-before[i]) / float64(time.Microsecond) / float64(st.Requests)
	}
	var total time.Duration
	for i := range after {
		total += after[i] - before[i]
	}
	cores := 0.0
	if st.Elapsed > 0 {
		cores = total.Seconds() / st.Elapsed.Seconds()
	}
	return CPUFigures{SimUs: per(0), ServiceUs: per(1), RefHopUs: per(2), LoadGenUs: per(3), CoresBusy: cores}
}

// removeStale deletes an address file left by an earlier run in a kept work directory, which
// would otherwise be taken for the new process's.
func removeStale(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// stopLogged stops p, logging (not failing on) an unclean shutdown: the figures are taken by
// then, and the feature suites own the shutdown behaviour.
func stopLogged(p *process, log interface{ Warn(string, ...any) }) {
	if err := p.stop(stopGrace); err != nil {
		log.Warn("unclean shutdown", "process", p.name, "err", err)
	}
}

func topoCodes(topo *topology.Topology) []string {
	var codes []string
	for _, c := range topo.Clusters {
		codes = append(codes, c.Code)
	}
	return codes
}

// simLogins asks the simulator's control API who is logged in where, by cluster code.
func simLogins(ctx context.Context, c *http.Client, admin string, codes []string) (devices, users map[string]map[string]bool, err error) {
	devices, users = map[string]map[string]bool{}, map[string]map[string]bool{}
	for _, code := range codes {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://"+admin+"/v1/clusters/"+url.PathEscape(code)+"/logins", nil)
		if err != nil {
			return nil, nil, err
		}
		resp, err := c.Do(req)
		if err != nil {
			return nil, nil, fmt.Errorf("cucmsim control API: %w", err)
		}
		var logins []struct {
			Device string `json:"device"`
			User   string `json:"user"`
		}
		err = json.NewDecoder(resp.Body).Decode(&logins)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || err != nil {
			return nil, nil, fmt.Errorf("cucmsim control API: GET logins of %s: HTTP %d (%v)", code, resp.StatusCode, err)
		}
		devices[code], users[code] = map[string]bool{}, map[string]bool{}
		for _, l := range logins {
			devices[code][l.Device] = true
			users[code][l.User] = true
		}
	}
	return devices, users, nil
}

// serviceConfig is the part of bcservice's configuration (cmd/bcservice/README.md, "Configuration") the benchmark sets.
type serviceConfig struct {
	Listen   string           `yaml:"listen"`
	Clusters []serviceCluster `yaml:"clusters"`
}

type serviceCluster struct {
	Code    string   `yaml:"code"`
	Default bool     `yaml:"default,omitempty"`
	Nodes   []string `yaml:"nodes"`
	Timeout string   `yaml:"timeout"`
	// MaxConcurrentRequests mirrors the simulated cluster's EM "Maximum Concurrent Requests",
	// as an operator configures it, so the service queues rather than provoking code 26.
	MaxConcurrentRequests int `yaml:"maxConcurrentRequests"`
	// MaxQueue is left to bcservice's default unless set (the replicas' bursts).
	MaxQueue int `yaml:"maxQueue,omitempty"`
}

// nodeURLs maps the fixture's clusters to the simulator's bound addresses: the EM URL of each
// cluster's first node (for the direct scenarios) and the service configuration (all nodes).
func nodeURLs(fx *fixture, sa simAddrs) ([]string, serviceConfig, error) {
	cfg := serviceConfig{Listen: "127.0.0.1:0"}
	var first []string
	for i, c := range fx.clusters {
		addrs, ok := sa.Nodes[c.code]
		if !ok {
			return nil, cfg, fmt.Errorf("cucmsim address file lacks cluster %s", c.code)
		}
		sc := serviceCluster{Code: c.code, Default: i == 0, Timeout: "5s", MaxConcurrentRequests: c.maxConcurrent}
		for _, n := range c.nodes {
			addr, ok := addrs[n]
			if !ok {
				return nil, cfg, fmt.Errorf("cucmsim address file lacks node %s of cluster %s", n, c.code)
			}
			sc.Nodes = append(sc.Nodes, "http://"+addr+"/emservice/EMServiceServlet")
		}
		first = append(first, sc.Nodes[0])
		cfg.Clusters = append(cfg.Clusters, sc)
	}
	return first, cfg, nil
}

// writeServiceConfig writes a bcservice configuration (serviceConfig or a superset) as YAML.
func writeServiceConfig(path string, cfg any) error {
	data, err := yaml.Marshal(cfg)
	if err != nil {
		return err
	}
	return os.WriteFile(path, data, 0o600)
}

// releaseLogins logs out, through the simulator's control API, every device of the given
// clusters that was not busy at start (busyAtStart, by cluster code).
func releaseLogins(ctx context.Context, c *http.Client, admin string, codes []string, busyAtStart map[string]map[string]bool) error {
	devices, _, err := simLogins(ctx, c, admin, codes)
	if err != nil {
		return err
	}
	for _, code := range codes {
		for dev := range devices[code] {
			if busyAtStart[code][dev] {
				continue
			}
			u := "http://" + admin + "/v1/clusters/" + url.PathEscape(code) + "/logins/" + url.PathEscape(dev)
			req, err := http.NewRequestWithContext(ctx, http.MethodDelete, u, nil)
			if err != nil {
				return err
			}
			resp, err := c.Do(req)
			if err != nil {
				return fmt.Errorf("cucmsim control API: %w", err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusNoContent {
				return fmt.Errorf("cucmsim control API: DELETE a login of %s: HTTP %d", code, resp.StatusCode)
			}
		}
	}
	return nil
}
