package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/emconnector/emconnector/cmd/bcservice/config"
	"github.com/emconnector/emconnector/service"
	"github.com/emconnector/emconnector/service/dashboard"
	"github.com/emconnector/emconnector/service/emclient"
	"github.com/emconnector/emconnector/service/history/sqlstore"
	"github.com/emconnector/emconnector/service/postgres"
	"github.com/emconnector/emconnector/service/sqlite"
)

// sweeper is the running sweeps' scheduler (cmd/bcservice/README.md, "Sweeps").
type sweeper struct {
	runner *service.SweepRunner
	cancel context.CancelFunc
	done   <-chan struct{}
}

// startSweeps builds the sweeps' runner, gives it to conn for runsweep and
// starts its scheduler; nil (and runsweep answers 1098) without a
// schedules section. The runs live in the history's database: the
// process's PostgreSQL pool pg, else its SQLite pool sq, whose process is
// then the only scheduler.
func startSweeps(cfg *config.Config, log *slog.Logger, conn *service.Connector, clients []*emclient.Client, pg *postgres.Pool, sq *sqlite.Pool) (*sweeper, error) {
	if !cfg.SchedulesEnabled() || !cfg.History.Enabled() {
		return nil, nil
	}
	s := cfg.Schedules
	cert, err := s.AppCertificate()
	if err != nil {
		return nil, fmt.Errorf("schedules: %w", err)
	}
	sweeps, err := sweepsOf(s.Sweeps)
	if err != nil {
		return nil, err
	}
	var store *sqlstore.Sweeps
	if pg != nil {
		store = pg.Sweeps()
	} else {
		store = sq.Sweeps()
	}
	clusters := make([]service.SweepCluster, len(clients))
	for i, c := range clients {
		clusters[i] = service.SweepCluster{Code: c.Code(), Inventory: c}
	}
	r := service.NewSweepRunner(sweeps, conn, clusters, store, store, service.Credentials{AppID: s.EMAppID, AppCertificate: cert},
		service.SweepOptions{PageSize: s.ListPageSize, Batch: s.QueryBatch, Lease: s.SweepLease, Owner: owner(), Logger: log.With("component", "sweeps")})
	conn.SetSweeps(r)
	ctx, cancel := context.WithCancel(context.Background())
	log.Info("sweeps scheduled", "sweeps", len(sweeps))
	return &sweeper{runner: r, cancel: cancel, done: r.Start(ctx)}, nil
}

// list feeds the dashboard's Schedules page: nil (an untyped nil
// interface) without schedules.
func (s *sweeper) list() dashboard.Sweeps {
	if s == nil {
		return nil
	}
	return s.runner
}

// stop ends the scheduler and waits for it: a run in progress is stopped
// (its logouts so far stand) and left for another replica, or the next
// start, to resume. Nil-safe.
func (s *sweeper) stop() {
	if s == nil {
		return
	}
	s.cancel()
	<-s.done
}

// sweepsOf turns the checked configuration into the domain's sweeps.
func sweepsOf(cfgs []config.SweepConfig) ([]service.Sweep, error) {
	out := make([]service.Sweep, 0, len(cfgs))
	for _, c := range cfgs {
		h, m, sec, err1 := c.Clock()
		days, err2 := c.Weekdays()
		loc, err3 := c.Location()
		if err := errors.Join(err1, err2, err3); err != nil {
			return nil, fmt.Errorf("schedules: sweep %s: %w", c.Name, err)
		}
		out = append(out, service.Sweep{Name: c.Name, Hour: h, Minute: m, Second: sec, Days: days, Location: loc,
			Clusters: c.Clusters, Devices: c.Devices, ClearCallHistory: c.ClearCallHistory, MinLoginAge: c.MinLoginAge})
	}
	return out, nil
}

// owner names this process in the sweeps' leases: host, PID and start.
func owner() string {
	host, _ := os.Hostname()
	return fmt.Sprintf("%s/%d/%d", host, os.Getpid(), time.Now().UnixNano())
}
