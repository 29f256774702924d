package benchrun

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"time"

	"github.com/emconnector/emconnector/cmd/bcbench/loadgen"
	"github.com/emconnector/emconnector/cucmsim/topology"
	"github.com/emconnector/emconnector/service/postgres/pgserver"
)

// The "two replicas, one budget" scenario (cmd/bcbench/README.md, "Two replicas"): a
// throwaway PostgreSQL, cucmsim with one cluster of Slots concurrent logins, two bcservice
// replicas sharing that budget through PostgreSQL and two that keep one each.

// replicaCount is how many bcservice processes share the cluster.
const replicaCount = 2

// replicaRequestTimeout bounds one API request of the replicas: the last login of a burst
// waits for the whole burst (8 s at the defaults), longer without coordination, where CUCM's
// 26 answers are retried with backoff.
const replicaRequestTimeout = 60 * time.Second

// singleWarmup cycles per replica precede the timed single logins: they open the
// connections to CUCM that a burst left idle or never opened.
const singleWarmup = 10

// replicaEnv is what the scenario runs against.
type replicaEnv struct {
	sim  simControl
	code string // the cluster
	form string // the Business Connector xml= body (the app user's credentials)
	// pairs are distinct free device/user pairs, at least Logins of them.
	pairs []loginPair
	// busyAtStart are the devices logged in when the simulator started (by cluster code).
	busyAtStart map[string]map[string]bool
	// coordinated and local are the replicas' base URLs, with coordination postgres and local.
	coordinated, local []string
	client             *http.Client
}

// runReplicas runs the scenario in work and stops everything it started, PostgreSQL last.
func runReplicas(ctx context.Context, cfg Config, work string) (res *ReplicasResult, err error) {
	log := cfg.Logger
	if err := os.MkdirAll(work, 0o755); err != nil {
		return nil, err
	}
	pg, err := pgserver.Start()
	if err != nil {
		return nil, err
	}
	defer func() {
		// pg_ctl stop of its own data directory, then its PID if that failed.
		if serr := pg.Stop(); serr != nil {
			log.Warn("unclean PostgreSQL shutdown", "err", serr)
		}
	}()
	dsn, err := pg.NewDB()
	if err != nil {
		return nil, err
	}
	log.Info("PostgreSQL ready for the replicas", "pid", pg.PID())
	env, procs, err := startReplicaEnv(ctx, cfg, work, dsn)
	defer func() {
		for i := len(procs) - 1; i >= 0; i-- {
			stopLogged(procs[i], log)
		}
	}()
	if env != nil {
		defer env.client.CloseIdleConnections()
	}
	if err != nil {
		return nil, err
	}
	return env.measure(ctx, cfg)
}

// measure runs the bursts (coordinated, uncoordinated, one replica alone), then the single
// logins.
func (e *replicaEnv) measure(ctx context.Context, cfg Config) (*ReplicasResult, error) {
	rc := cfg.Replicas
	limit := physicalLimit(rc.Logins, rc.Slots, rc.LoginLatency)
	res := &ReplicasResult{
		Replicas: replicaCount, Logins: rc.Logins, Slots: rc.Slots,
		LoginLatencyMs: ms(rc.LoginLatency), LimitSeconds: limit.Seconds(),
	}
	if err := e.sim.addLatency(ctx, e.code, "login", rc.LoginLatency); err != nil {
		return nil, err
	}
	var err error
	if res.Coordinated, err = e.burst(ctx, e.coordinated, rc.Logins, limit); err != nil {
		return nil, err
	}
	if res.Waits, res.Fallbacks, err = e.coordinationCounts(ctx); err != nil {
		return nil, err
	}
	cfg.Logger.Info("coordinated burst done", "seconds", res.Coordinated.Seconds, "busy", res.Coordinated.Busy)
	if res.Local, err = e.burst(ctx, e.local, rc.Logins, limit); err != nil {
		return nil, err
	}
	cfg.Logger.Info("uncoordinated burst done", "seconds", res.Local.Seconds, "busy", res.Local.Busy)
	if res.OneReplica, err = e.burst(ctx, e.local[:1], rc.Logins, limit); err != nil {
		return nil, err
	}
	cfg.Logger.Info("one replica's burst done", "seconds", res.OneReplica.Seconds, "busy", res.OneReplica.Busy)
	if err := e.sim.clearFaults(ctx, e.code); err != nil {
		return nil, err
	}
	res.Single = e.single(ctx, rc.Logins)
	return res, nil
}

// burst logs n pairs in at once, spread over the replicas at urls in turn, and logs them
// out again through the control API afterwards.
func (e *replicaEnv) burst(ctx context.Context, urls []string, n int, limit time.Duration) (BurstResult, error) {
	if err := e.release(ctx); err != nil {
		return BurstResult{}, err
	}
	if err := e.sim.clearRequests(ctx, e.code); err != nil {
		return BurstResult{}, err
	}
	// n workers of one request each: all in flight at once, as a burst.
	st := loadgen.Closed{Workers: n, MaxRequests: n, Duration: replicaRequestTimeout}.Run(ctx, func(ctx context.Context, r loadgen.Request) error {
		return e.login(ctx, urls[r.Seq%len(urls)], e.pairs[r.Seq])
	})
	busy, atLeast, err := e.sim.busyAnswers(ctx, e.code)
	if err != nil {
		return BurstResult{}, err
	}
	return burstResult(st, limit, busy, atLeast), e.release(ctx)
}

// single times n logins and logouts one at a time through the first coordinated replica
// and the first local one, alternately (which one goes first alternates too), so that both
// see the same machine.
func (e *replicaEnv) single(ctx context.Context, n int) SingleResult {
	var coordIn, coordOut, localIn, localOut []time.Duration
	tally := map[string]int{}
	cycle := func(base string, p loginPair, in, out *[]time.Duration) {
		for _, step := range []struct {
			do  func(context.Context, string, loginPair) error
			lat *[]time.Duration
		}{{e.login, in}, {e.logout, out}} {
			t0 := time.Now()
			err := step.do(ctx, base, p)
			if err != nil {
				tally[err.Error()]++
				continue
			}
			if step.lat != nil {
				*step.lat = append(*step.lat, time.Since(t0))
			}
		}
	}
	for i := range min(singleWarmup, n) {
		cycle(e.coordinated[0], e.pairs[i], nil, nil)
		cycle(e.local[0], e.pairs[i], nil, nil)
	}
	for i, p := range e.pairs[:n] {
		if i%2 == 0 {
			cycle(e.coordinated[0], p, &coordIn, &coordOut)
			cycle(e.local[0], p, &localIn, &localOut)
		} else {
			cycle(e.local[0], p, &localIn, &localOut)
			cycle(e.coordinated[0], p, &coordIn, &coordOut)
		}
	}
	s := SingleResult{Count: n, Coordinated: latencyFigures(coordIn, coordOut), Local: latencyFigures(localIn, localOut)}
	s.Added = s.Coordinated.minus(s.Local)
	s.ErrorKinds, s.Errors = errorKinds(tally)
	return s
}

// login and logout call the Business Connector at base for pair p; nil means code 0.
func (e *replicaEnv) login(ctx context.Context, base string, p loginPair) error {
	u := base + "/api/login/" + url.PathEscape(p.device) + "/" + url.PathEscape(p.user) + "/" + url.PathEscape(e.code)
	return e.call(ctx, u, p.device, p.user)
}

func (e *replicaEnv) logout(ctx context.Context, base string, p loginPair) error {
	return e.call(ctx, base+"/api/logout/"+url.PathEscape(p.device)+"/"+url.PathEscape(e.code), p.device, "-")
}

func (e *replicaEnv) call(ctx context.Context, u, device, wantUser string) error {
	status, body, err := loadgen.PostForm(ctx, e.client, u, e.form)
	switch {
	case err != nil:
		return transportError(err)
	case status != http.StatusOK:
		return fmt.Errorf("HTTP %d", status)
	}
	return checkBC(body, device, wantUser)
}

// release logs out, through the control API, whatever the scenario left logged in.
func (e *replicaEnv) release(ctx context.Context) error {
	return releaseLogins(ctx, e.client, e.sim.admin, []string{e.code}, e.busyAtStart)
}

// coordinationCounts sums the coordinated replicas' waits and fallbacks to local limits.
func (e *replicaEnv) coordinationCounts(ctx context.Context) (waits, fallbacks int, err error) {
	for _, base := range e.coordinated {
		text, err := e.metrics(ctx, base)
		if err != nil {
			return 0, 0, err
		}
		w, _ := metricValue(text, "bcservice_coordination_waits_total")
		f, _ := metricValue(text, "bcservice_coordination_fallbacks_total")
		waits += int(w)
		fallbacks += int(f)
	}
	return waits, fallbacks, nil
}

// metrics reads a replica's /metrics.
func (e *replicaEnv) metrics(ctx context.Context, base string) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/metrics", nil)
	if err != nil {
		return nil, err
	}
	resp, err := e.client.Do(req)
	if err != nil {
		return nil, transportError(err)
	}
	defer resp.Body.Close()
	var b bytes.Buffer
	if _, err := b.ReadFrom(resp.Body); err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("GET /metrics: HTTP %d", resp.StatusCode)
	}
	return b.Bytes(), nil
}

// waitShared waits until every coordinated replica shares its limits through PostgreSQL with
// all the others (bcservice_coordination_shared 1, bcservice_coordination_replicas n), so
// that no burst runs on a replica's own limits by accident.
func (e *replicaEnv) waitShared(ctx context.Context, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for _, base := range e.coordinated {
		for {
			text, err := e.metrics(ctx, base)
			if err != nil {
				return err
			}
			shared, _ := metricValue(text, "bcservice_coordination_shared")
			seen, _ := metricValue(text, "bcservice_coordination_replicas")
			if shared == 1 && int(seen) >= len(e.coordinated) {
				break
			}
			if time.Now().After(deadline) {
				return fmt.Errorf("replica %s: limits not shared through PostgreSQL within %v (shared %v, replicas %v)", base, timeout, shared, seen)
			}
			select {
			case <-ctx.Done():
				return ctx.Err()
			case <-time.After(50 * time.Millisecond):
			}
		}
	}
	return nil
}

// metricValue finds the sample of an unlabelled metric in Prometheus text.
func metricValue(text []byte, name string) (float64, bool) {
	for line := range bytes.Lines(text) {
		rest, ok := bytes.CutPrefix(bytes.TrimSpace(line), []byte(name+" "))
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(string(bytes.TrimSpace(rest)), 64)
		return v, err == nil
	}
	return 0, false
}

// policySlots matches the EM concurrency of a generated topology's cluster policy.
var policySlots = regexp.MustCompile(`maxConcurrentRequests: \d+`)

// withSlots sets the maxConcurrentRequests of every cluster policy of a generated topology.
func withSlots(topo []byte, slots int) ([]byte, error) {
	if len(policySlots.FindAll(topo, -1)) == 0 {
		return nil, fmt.Errorf("generated topology without maxConcurrentRequests")
	}
	return policySlots.ReplaceAll(topo, []byte("maxConcurrentRequests: "+strconv.Itoa(slots))), nil
}

// genReplicaTopology generates one cluster of n devices and users whose CUCM takes slots
// concurrent logins, checks it as the simulator will read it, and returns its path.
func genReplicaTopology(ctx context.Context, cfg Config, work string, n, slots int) (string, *topology.Topology, error) {
	path := filepath.Join(work, "topo.yaml")
	if _, err := runCommand(ctx, cfg.StartTimeout, filepath.Join(cfg.BinDir, "cucmsim"), "gen",
		"--devices", strconv.Itoa(n), "--users", strconv.Itoa(n), "--clusters", "1", "--out", path); err != nil {
		return "", nil, err
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return "", nil, err
	}
	if data, err = withSlots(data, slots); err != nil {
		return "", nil, err
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return "", nil, err
	}
	topo, err := topology.Load(path)
	if err != nil {
		return "", nil, fmt.Errorf("read generated topology: %w", err)
	}
	if len(topo.Clusters) != 1 || topo.Clusters[0].Policy.MaxConcurrentRequests != slots {
		return "", nil, fmt.Errorf("generated topology: want one cluster of %d slots", slots)
	}
	return path, topo, nil
}
