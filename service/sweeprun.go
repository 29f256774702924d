package service

import (
	"context"
	"crypto/rand"
	"encoding/hex"

	"log/slog"
	"strings"
	"sync"
	"time"
)

// SweepRunner runs the configured sweeps: on their schedule (Start), and
// on request (RunNow, the runsweep operation). Each run lists the matching
// devices of each cluster (Inventory), asks who is logged in on them, and
// logs out through the Connector every login older than the sweep's
// minLoginAge, in the scheduled lane, each logout recorded in the history
// with the actor "sweep:<name>".
type SweepRunner struct {
	sweeps []Sweep
	// conn carries out the logouts (ServeAs: the operation table reaches
	// the runner, which must not reach it back statically).
	conn   Server
	inv    map[string]Inventory // by upper-case cluster code
	codes  []string             // configuration order
	store  SweepStore
	logins RecentLogins
	cred   Credentials
	o      SweepOptions

	local map[string]*sync.Mutex // by sweep: one run at a time in this process
}

// SweepCluster is one cluster a sweep can act on.
type SweepCluster struct {
	Code      string
	Inventory Inventory
}

// SweepOptions tune a SweepRunner; zero values take the defaults.
type SweepOptions struct {
	// PageSize rows per listPhone page, Batch devices per deviceUserQuery
	// (0: the Inventory's defaults).
	PageSize, Batch int
	// Workers logouts of one cluster run at once (default 8): enough to
	// keep a cluster's slots busy, few enough never to fill its queue.
	Workers int
	// Lease is how long a runner's claim on a sweep lasts without renewal
	// (default 30 s; renewed every third of it). ResumeWindow is how late a
	// run left unfinished may still be resumed (default 1 h); older ones are
	// reported interrupted. Tick bounds a scheduler's sleep (default 5 s),
	// which is how often it looks for unfinished runs and retries a run
	// another runner held.
	Lease, ResumeWindow, Tick time.Duration
	// RequestTimeout bounds each logout (default DefaultRequestTimeout).
	RequestTimeout time.Duration
	// Owner names this process in the claims (default: random).
	Owner  string
	Now    func() time.Time
	Logger *slog.Logger
}

func (o *SweepOptions) defaults() {
	if o.Workers <= 0 {
		o.Workers = 8
	}
	if o.Lease <= 0 {
		o.Lease = 30 * time.Second
	}
	if o.ResumeWindow <= 0 {
		o.ResumeWindow = time.Hour
	}
	if o.Tick <= 0 {
		o.Tick = 5 * time.Second
	}
	if o.RequestTimeout <= 0 {
		o.RequestTimeout = DefaultRequestTimeout
	}
	if o.Owner == "" {
		o.Owner = "runner-" + randomID()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
}

// NewSweepRunner returns the runner of sweeps over clusters (configuration
// order), acting through conn with cred (the schedules' EM app user),
// keeping its runs in store and reading login ages from logins (nil: every
// login counts as old).
func NewSweepRunner(sweeps []Sweep, conn *Connector, clusters []SweepCluster, store SweepStore, logins RecentLogins, cred Credentials, o SweepOptions) *SweepRunner {
	o.defaults()
	r := &SweepRunner{sweeps: sweeps, conn: conn, inv: map[string]Inventory{},
		store: store, logins: logins, cred: cred, o: o, local: map[string]*sync.Mutex{}}
	for _, c := range clusters {
		r.inv[strings.ToUpper(c.Code)] = c.Inventory
		r.codes = append(r.codes, c.Code)
	}
	for _, sw := range sweeps {
		r.local[sw.Name] = &sync.Mutex{}
	}
	return r
}

// Sweeps returns the configured sweeps.
func (r *SweepRunner) Sweeps() []Sweep { return r.sweeps }

// sweep finds a sweep by its exact name.
func (r *SweepRunner) sweep(name string) (Sweep, bool) {
	for _, sw := range r.sweeps {
		if sw.Name == name {
			return sw, true
		}
	}
	return Sweep{}, false
}

// execute runs sw into rep with cred: every cluster in turn, in the
// scheduled lane. A dry rep (rep.DryRun) reports what would be done
// without doing it.
func (r *SweepRunner) execute(ctx context.Context, sw Sweep, cred Credentials, rep *SweepReport) {
	ctx = WithLane(ctx, LaneScheduled)
	codes := sw.Clusters
	if len(codes) == 0 {
		codes = r.codes
	}
	for _, code := range codes {
		if ctx.Err() != nil {
			return
		}
		inv, ok := r.inv[strings.ToUpper(code)]
		if !ok {
			r.clusterFailed(rep, code, Errorf(CodeClusterNotFound, "Cluster %s is not configured", code))
			continue
		}
		if err := r.sweepCluster(ctx, sw, cred, code, inv, rep); err != nil {
			r.clusterFailed(rep, code, err)
		}
	}
}

// clusterFailed records a cluster the run could not go through.
func (r *SweepRunner) clusterFailed(rep *SweepReport, code string, err error) {
	e := asError(err)
	rep.fail(e.Code)
	rep.Devices = append(rep.Devices, DeviceResult{Cluster: code, Code: e.Code, Text: e.Text})
	r.o.Logger.Warn("sweep: cluster failed", "sweep", rep.Sweep, "cluster", code, "code", e.Code, "text", e.Text)
}

// sweepCluster lists, queries and logs out on one cluster.
func (r *SweepRunner) sweepCluster(ctx context.Context, sw Sweep, cred Credentials, code string, inv Inventory, rep *SweepReport) error {
	listed, err := inv.ListDevices(ctx, cred, sw.ListPattern(), r.o.PageSize)
	if err != nil {
		return err
	}
	var devices []string
	for _, d := range listed {
		if sw.Matches(d) {
			devices = append(devices, d)
		}
	}
	rep.Examined += len(devices)
	status, err := inv.DeviceUsers(ctx, cred, devices, r.o.Batch)
	if err != nil {
		return err
	}
	var on []string
	users := map[string]string{}
	for i, st := range status {
		if st.User != "" {
			on = append(on, devices[i])
			users[devices[i]] = st.User
		}
	}
	rep.LoggedIn += len(on)
	targets, err := r.oldLogins(ctx, sw, code, on, users)
	if err != nil {
		return err
	}
	rep.Spared += len(on) - len(targets)
	r.logoutAll(ctx, sw, cred, code, targets, users, rep)
	return nil
}

// oldLogins keeps the devices whose login is at least sw.MinLoginAge old.
// A login's age is that of the latest successful login of the same user on
// the device in the request history; a login the history never saw (made
// on the phone, or before the history's retention) counts as old.
func (r *SweepRunner) oldLogins(ctx context.Context, sw Sweep, code string, on []string, users map[string]string) ([]string, error) {
	if sw.MinLoginAge <= 0 || r.logins == nil || len(on) == 0 {
		return on, nil
	}
	seen, err := r.logins.RecentLogins(ctx, code, on, r.o.Now().Add(-sw.MinLoginAge))
	if err != nil {
		return nil, Errorf(CodeInternal, "The request history could not tell the logins' age: %v", err)
	}
	var old []string
	for _, d := range on {
		if l, ok := seen[strings.ToUpper(d)]; ok && strings.EqualFold(l.User, users[d]) {
			continue // young: spared
		}
		old = append(old, d)
	}
	return old, nil
}

// logoutAll logs targets out with r.o.Workers at once (dry: records what
// would be done).
func (r *SweepRunner) logoutAll(ctx context.Context, sw Sweep, cred Credentials, code string, targets []string, users map[string]string, rep *SweepReport) {
	t := &tally{r: rep}
	if rep.DryRun {
		for _, d := range targets {
			t.record(DeviceResult{Device: d, Cluster: code, Text: "Would log out " + Storable(users[d], MaxNameBytes)}, true)
		}
		return
	}
	work := make(chan string)
	var wg sync.WaitGroup
	for range min(r.o.Workers, len(targets)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for d := range work {
				res := r.logout(ctx, sw, cred, code, d)
				t.record(DeviceResult{Device: d, Cluster: code, Code: res.Code, Text: res.Text}, res.Code == CodeSuccess)
			}
		}()
	}
	for _, d := range targets {
		if ctx.Err() != nil {
			break
		}
		work <- d
	}
	close(work)
	wg.Wait()
}

// logout logs device out like an API request would, in its own Exchange
// (so it is logged, counted and kept in the history) with the sweep as its
// actor.
func (r *SweepRunner) logout(ctx context.Context, sw Sweep, cred Credentials, code, device string) Result {
	ctx, cancel := context.WithTimeout(ctx, r.o.RequestTimeout)
	defer cancel()
	x := NewExchange(randomID(), "scheduler", "", "SWEEP", r.o.Now())
	x.SetActor(sw.Actor())
	req := Request{Op: OpLogout, Device: device, Cluster: code}
	if sw.ClearCallHistory {
		clear := true
		req.ClearCallHistory = &clear
	}
	return ServeAs(ctx, r.conn, x, cred, req)
}

// randomID is 16 random hex digits.
func randomID() string { return randomHex(8) }

// randomHex is n random bytes as hex digits (request IDs, claim tokens).
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return hex.EncodeToString(b)
}

// errSweepBusy is the error of a run another runner holds.
func errSweepBusy(name string) error {
	return Errorf(CodeSweepRunning, "Sweep %s is running", name)
}
