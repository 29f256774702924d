package benchrun

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/emconnector/emconnector/cmd/bcbench/loadgen"
	"github.com/emconnector/emconnector/cucmsim/topology"
)

// The "sweep beside people" scenario (cmd/bcbench/README.md, "A sweep beside people"):
// cucmsim with one cluster of Slots concurrent logins and logouts of Latency each, one
// bcservice with a sweep; a sweep of Logouts logins alone, then again while single
// interactive logins arrive at Rate per second, whose waits are compared with the same
// logins without a sweep.

// sweepSpan is how many devices the sweep's glob covers: the generated names of indexes
// 0..sweepSpan-1 are SEP000000000001…SEP000000001FFF, which "SEP00000000[01]???" matches;
// the interactive logins use the devices after them, outside the sweep.
const (
	sweepSpan = 0x1FFF
	sweepGlob = "SEP00000000[01]???"
	sweepName = "bench"
)

// sweepRequestTimeout bounds the runsweep request, which answers when the sweep has run.
const sweepRequestTimeout = 20 * time.Minute

// sweepServiceConfig is the bcservice configuration of the scenario.
type sweepServiceConfig struct {
	serviceConfig  `yaml:",inline"`
	RequestTimeout string         `yaml:"requestTimeout"`
	Server         replicaServer  `yaml:"server"`
	History        replicaHistory `yaml:"history"`
	Schedules      map[string]any `yaml:"schedules"`
}

// sweepEnv is what the scenario runs against.
type sweepEnv struct {
	sim    simControl
	code   string
	form   string
	base   string // bcservice
	users  []string
	people []loginPair // interactive logins, outside the sweep
	client *http.Client
}

// runSweepBench runs the scenario in work and stops what it started.
func runSweepBench(ctx context.Context, cfg Config, work string) (*SweepResult, error) {
	if err := os.MkdirAll(work, 0o755); err != nil {
		return nil, err
	}
	env, procs, err := startSweepEnv(ctx, cfg, work)
	defer func() {
		for i := len(procs) - 1; i >= 0; i-- {
			stopLogged(procs[i], cfg.Logger)
		}
	}()
	if err != nil {
		return nil, err
	}
	defer env.client.CloseIdleConnections()
	return env.measure(ctx, cfg)
}

// startSweepEnv generates the topology, starts cucmsim and bcservice (history in SQLite, the
// sweep configured) and returns every process started, also on error.
func startSweepEnv(ctx context.Context, cfg Config, work string) (*sweepEnv, []*process, error) {
	sc := cfg.Sweep
	people := int(sc.Rate*sweepPeopleSeconds(sc)) + 1
	var procs []*process
	topoPath, topo, err := genReplicaTopology(ctx, cfg, work, sweepSpan+people, sc.Slots)
	if err != nil {
		return nil, procs, err
	}
	sim, sa, err := startSimOn(ctx, cfg, work, topoPath)
	if sim != nil {
		procs = append(procs, sim)
	}
	if err != nil {
		return nil, procs, err
	}
	client := loadgen.NewClient(64, sweepRequestTimeout)
	fx, err := readFixture(topo, cfg.Seed, nil, nil)
	if err != nil {
		return nil, procs, err
	}
	c := fx.clusters[0]
	_, svcCfg, err := nodeURLs(fx, sa)
	if err != nil {
		return nil, procs, err
	}
	form, err := bcForm(c.app)
	if err != nil {
		return nil, procs, err
	}
	env := &sweepEnv{sim: simControl{client: client, admin: sa.Admin}, code: c.code, form: form, client: client}
	env.users, env.people = sweepPairs(topo, sc.Logouts, people)
	if len(env.users) < sc.Logouts || len(env.people) < people {
		return nil, procs, fmt.Errorf("sweep topology: %d users and %d interactive pairs, want %d and %d", len(env.users), len(env.people), sc.Logouts, people)
	}
	certPath := filepath.Join(work, "sched.secret")
	if err := os.WriteFile(certPath, []byte(c.app.AppCertificate+"\n"), 0o600); err != nil {
		return nil, procs, err
	}
	path := filepath.Join(work, "bcservice.yaml")
	if err := writeServiceConfig(path, sweepServiceConfig{serviceConfig: svcCfg, RequestTimeout: sweepRequestTimeout.String(),
		Server:  replicaServer{WriteTimeout: (sweepRequestTimeout + time.Minute).String()},
		History: replicaHistory{DSN: "sqlite:" + filepath.Join(work, "history.db")},
		// The sweep runs on request only in practice: its scheduled time is 12 hours away.
		Schedules: map[string]any{"emAppID": c.app.AppID, "emAppCertificateFile": certPath,
			"sweeps": []map[string]any{{"name": sweepName, "at": time.Now().UTC().Add(12 * time.Hour).Format("15:04"),
				"timezone": "UTC", "devices": sweepGlob}}},
	}); err != nil {
		return nil, procs, err
	}
	p, base, err := startReplica(ctx, cfg, work, "bcservice", path)
	if err != nil {
		return nil, procs, err
	}
	env.base = base
	return env, append(procs, p), nil
}

// sweepPeopleSeconds bounds the interactive logins' time: the baseline (baselineTime) and the
// sweep beside them (at most the sweep's physical limit), each with a margin.
func sweepPeopleSeconds(sc SweepConfig) float64 {
	return baselineTime(sc).Seconds() + physicalLimit(sc.Logouts, sc.Slots, sc.Latency).Seconds() + 10
}

// baselineTime is how long the interactive logins are timed without a sweep: the sweep's
// limit, at most 20 s.
func baselineTime(sc SweepConfig) time.Duration {
	return min(physicalLimit(sc.Logouts, sc.Slots, sc.Latency), 20*time.Second)
}

// sweepPairs picks the users whose logins the sweep ends (any user: the control API seeds
// logins whatever the policy) and the interactive device/user pairs: devices after the
// sweep's span, users after the seeded ones, EM-enabled and unlocked with a profile.
func sweepPairs(topo *topology.Topology, logouts, people int) (users []string, pairs []loginPair) {
	c := topo.Clusters[0]
	var free []string
	for _, u := range c.Users {
		if !u.Locked && len(u.Profiles) > 0 {
			free = append(free, u.ID)
		}
	}
	if len(free) < logouts {
		return free, nil
	}
	users, free = free[:logouts], free[logouts:]
	for _, d := range c.Devices[min(sweepSpan, len(c.Devices)):] {
		if d.EMEnabled && len(pairs) < len(free) && len(pairs) < people {
			pairs = append(pairs, loginPair{device: d.Name, user: free[len(pairs)]})
		}
	}
	return users, pairs
}

// measure runs the interactive baseline, the sweep alone, then the sweep beside people.
func (e *sweepEnv) measure(ctx context.Context, cfg Config) (*SweepResult, error) {
	sc := cfg.Sweep
	limit := physicalLimit(sc.Logouts, sc.Slots, sc.Latency)
	res := &SweepResult{Logouts: sc.Logouts, Slots: sc.Slots, LatencyMs: ms(sc.Latency), Rate: sc.Rate, LimitSeconds: limit.Seconds()}
	for _, op := range []string{"login", "logout"} {
		if err := e.sim.addLatency(ctx, e.code, op, sc.Latency); err != nil {
			return nil, err
		}
	}
	if err := e.release(ctx); err != nil {
		return nil, err
	}
	people := e.people
	split := int(sc.Rate*baselineTime(sc).Seconds()) + 1
	res.Baseline = e.interactive(ctx, people[:split], sc.Rate, baselineTime(sc))
	if err := e.release(ctx); err != nil {
		return nil, err
	}
	alone, err := e.sweep(ctx, sc.Logouts)
	if err != nil {
		return nil, err
	}
	res.Alone = alone
	res.Alone.ShareOfLimit = limit.Seconds() / alone.Seconds
	if err := e.seed(ctx, sc.Logouts); err != nil {
		return nil, err
	}
	var wg sync.WaitGroup
	var beside SweepRun
	var sweepErr error
	wg.Add(1)
	go func() {
		defer wg.Done()
		beside, sweepErr = e.run(ctx)
	}()
	res.During = e.interactive(ctx, people[split:], sc.Rate, limit)
	wg.Wait()
	if sweepErr != nil {
		return nil, sweepErr
	}
	res.Beside = beside
	res.Beside.ShareOfLimit = limit.Seconds() / beside.Seconds
	res.AddedP99Ms = res.During.P99Ms - res.Baseline.P99Ms
	return res, e.release(ctx)
}

// interactive logs pairs in, one request every 1/rate s, for d (the sweep's limit: the sweep
// beside them takes at least that long).
func (e *sweepEnv) interactive(ctx context.Context, pairs []loginPair, rate float64, d time.Duration) InteractiveResult {
	n := min(len(pairs), int(rate*d.Seconds())+1)
	st := loadgen.Open{Rate: rate, Duration: d, MaxRequests: n}.Run(ctx, func(ctx context.Context, r loadgen.Request) error {
		p := pairs[r.Seq]
		u := e.base + "/api/login/" + url.PathEscape(p.device) + "/" + url.PathEscape(p.user) + "/" + url.PathEscape(e.code)
		status, body, err := loadgen.PostForm(ctx, e.client, u, e.form)
		switch {
		case err != nil:
			return transportError(err)
		case status != http.StatusOK:
			return fmt.Errorf("HTTP %d", status)
		}
		return checkBC(body, p.device, p.user)
	})
	return InteractiveResult{Logins: st.Sent(), P50Ms: ms(st.Percentile(0.50)), P99Ms: ms(st.Percentile(0.99)),
		Errors: st.Errors, ErrorKinds: st.ErrorKinds}
}

// sweep seeds n logins and runs the sweep on them.
func (e *sweepEnv) sweep(ctx context.Context, n int) (SweepRun, error) {
	if err := e.seed(ctx, n); err != nil {
		return SweepRun{}, err
	}
	return e.run(ctx)
}

// seed logs the sweep's users in on the first n devices of its span, through the control API.
func (e *sweepEnv) seed(ctx context.Context, n int) error {
	st := loadgen.Closed{Workers: 16, MaxRequests: n, Duration: time.Hour}.Run(ctx, func(ctx context.Context, r loadgen.Request) error {
		body := []byte(`{"user":` + strconv.Quote(e.users[r.Seq]) + `}`)
		return e.sim.do(ctx, http.MethodPut, "/v1/clusters/"+url.PathEscape(e.code)+"/logins/"+url.PathEscape(topology.GeneratedDeviceName(r.Seq)), body, http.StatusNoContent, nil)
	})
	if st.Errors > 0 {
		return fmt.Errorf("seeding the sweep's logins: %d errors (%v)", st.Errors, st.ErrorKinds)
	}
	return nil
}

// sweepAnswer is the runsweep answer's report.
type sweepAnswer struct {
	Code      int    `xml:"result>code"`
	Text      string `xml:"result>text"`
	Started   string `xml:"result>started"`
	Finished  string `xml:"result>finished"`
	LoggedIn  int    `xml:"result>loggedIn"`
	LoggedOut int    `xml:"result>loggedOut"`
	Failed    int    `xml:"result>failed"`
	Failures  string `xml:"result>failures"`
}

// run posts runsweep and reads its report: the run's own start and end time it.
func (e *sweepEnv) run(ctx context.Context) (SweepRun, error) {
	status, body, err := loadgen.PostForm(ctx, e.client, e.base+"/api/runsweep/"+sweepName, e.form)
	if err != nil || status != http.StatusOK {
		return SweepRun{}, fmt.Errorf("runsweep: HTTP %d, %v", status, err)
	}
	var a sweepAnswer
	if err := xml.Unmarshal(body, &a); err != nil || a.Code != 0 {
		return SweepRun{}, fmt.Errorf("runsweep: code %d %q (%v)", a.Code, a.Text, err)
	}
	t0, err1 := time.Parse(time.RFC3339Nano, a.Started)
	t1, err2 := time.Parse(time.RFC3339Nano, a.Finished)
	if err1 != nil || err2 != nil {
		return SweepRun{}, fmt.Errorf("runsweep: times %q %q", a.Started, a.Finished)
	}
	secs := t1.Sub(t0).Seconds()
	return SweepRun{LoggedIn: a.LoggedIn, LoggedOut: a.LoggedOut, Failed: a.Failed, Failures: a.Failures,
		Seconds: secs, PerSecond: float64(a.LoggedOut) / secs}, nil
}

// release logs every device out through the control API.
func (e *sweepEnv) release(ctx context.Context) error {
	return releaseLogins(ctx, e.client, e.sim.admin, []string{e.code}, nil)
}
