package benchrun

import (
	"context"
	"fmt"
	"log/slog"

	"github.com/emconnector/emconnector/cmd/bcbench/loadgen"
)

// scenario is one measured run: a workload under one load shape.
type scenario struct {
	name, mode string
	run        func() (*loadgen.Stats, error)
}

// loadModes are the load shapes of the service scenarios (cmd/bcbench/README.md, "What it does"): closed
// (throughput, after a warm-up) and open (latency at a fixed rate).
type loadModes struct {
	ctx                  context.Context
	closed, warm         loadgen.Closed
	open                 loadgen.Open
	closedName, openName string
	// release logs out the devices a login/logout run left logged in.
	release func() error
}

// newLoadModes sizes the load shapes from cfg.
func newLoadModes(ctx context.Context, cfg Config, release func() error) loadModes {
	return loadModes{
		ctx:        ctx,
		closed:     loadgen.Closed{Workers: cfg.Concurrency, MaxRequests: cfg.MaxRequests, Duration: cfg.Duration},
		warm:       loadgen.Closed{Workers: cfg.Concurrency, MaxRequests: cfg.Warmup, Duration: cfg.Duration},
		open:       loadgen.Open{Rate: cfg.Rate, Duration: cfg.RateDuration},
		closedName: fmt.Sprintf("closed C=%d", cfg.Concurrency),
		openName:   fmt.Sprintf("open %.0f/s", cfg.Rate),
		release:    release,
	}
}

// throughput runs op closed after a warm-up.
func (m loadModes) throughput(op loadgen.Op) func() (*loadgen.Stats, error) {
	return func() (*loadgen.Stats, error) {
		m.warm.Run(m.ctx, op)
		return m.closed.Run(m.ctx, op), nil
	}
}

// cycles runs a login/logout op closed after a warm-up, releasing the devices left logged
// in before and after the measured run.
func (m loadModes) cycles(op loadgen.Op) func() (*loadgen.Stats, error) {
	return func() (*loadgen.Stats, error) {
		m.warm.Run(m.ctx, op)
		if err := m.release(); err != nil {
			return nil, err
		}
		st := m.closed.Run(m.ctx, op)
		return st, m.release()
	}
}

// latency runs op open, at the configured rate.
func (m loadModes) latency(op loadgen.Op) func() (*loadgen.Stats, error) {
	return func() (*loadgen.Stats, error) { return m.open.Run(m.ctx, op), nil }
}

// scenarios is the matrix of the service scenarios, in the order they run: each workload
// direct, via bcservice (svcURL) and via the reference hop (refURL).
func (m loadModes) scenarios(tg *targets, pairs [][]workerPair, svcURL, refURL string) []scenario {
	return []scenario{
		{scDirectQuery, m.closedName, m.throughput(tg.directQuery)},
		{scViaQuery, m.closedName, m.throughput(tg.bcQuery(svcURL))},
		{scRefQuery, m.closedName, m.throughput(tg.bcQuery(refURL))},
		{scDirectQuery, m.openName, m.latency(tg.directQuery)},
		{scViaQuery, m.openName, m.latency(tg.bcQuery(svcURL))},
		{scRefQuery, m.openName, m.latency(tg.bcQuery(refURL))},
		{scDirectCycle, m.closedName, m.cycles(tg.emCycle(pairs))},
		{scViaCycle, m.closedName, m.cycles(tg.bcCycle(svcURL, pairs))},
		{scRefCycle, m.closedName, m.cycles(tg.bcCycle(refURL, pairs))},
	}
}

// runScenarios runs each scenario, measuring the CPU time procs spend on it, and appends
// the results to res.
func runScenarios(ctx context.Context, log *slog.Logger, scenarios []scenario, procs []cpuSource, res *Result) error {
	for _, sc := range scenarios {
		before, err := cpuTimes(procs)
		if err != nil {
			return err
		}
		st, err := sc.run()
		if err != nil {
			return err
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		after, err := cpuTimes(procs)
		if err != nil {
			return err
		}
		r := scenarioResult(sc.name, sc.mode, st)
		r.CPU = cpuShare(before, after, st)
		log.Info("scenario done", "scenario", sc.name, "mode", sc.mode, "requests", r.Requests, "rps", int(r.RPS), "errors", r.Errors)
		res.Scenarios = append(res.Scenarios, r)
	}
	return nil
}
