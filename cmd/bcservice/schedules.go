package main

import (
	"context"
	"log/slog"
	"strings"

	"github.com/emconnector/emconnector/cmd/bcservice/config"
	"github.com/emconnector/emconnector/service"
	"github.com/emconnector/emconnector/service/dashboard"
	"github.com/emconnector/emconnector/service/postgres"
	"github.com/emconnector/emconnector/service/sqlite"
)

// schedules is the running bookings' scheduler, or nil when the
// configuration has no schedules section (cmd/bcservice/README.md,
// "Bookings").
type schedules struct {
	sched  *service.Scheduler
	cancel context.CancelFunc
	done   chan struct{}
}

// startSchedules gives conn the booking operations and runs their
// scheduler, as the schedules' EM app user, on the history's database:
// the process's PostgreSQL pool pg or SQLite pool sq (config validation
// has made sure the history is on). Each replica runs one; their claims
// in PostgreSQL make each booking one replica's.
func startSchedules(cfg *config.Config, log *slog.Logger, conn *service.Connector, pg *postgres.Pool, sq *sqlite.Pool) (*schedules, error) {
	if !cfg.SchedulesEnabled() || !cfg.History.Enabled() {
		return nil, nil
	}
	sc := cfg.Schedules
	cert, err := sc.AppCertificate()
	if err != nil {
		return nil, err
	}
	var store service.BookingStore
	kind := "sqlite"
	if pg != nil {
		store, kind = pg.Bookings(), "postgres"
	} else {
		store = sq.Bookings()
	}
	owner := strings.TrimPrefix(replicaName(), "bcservice ")
	sched := conn.EnableBookings(service.SchedulerConfig{Store: store, Cred: service.Credentials{AppID: sc.EMAppID, AppCertificate: cert},
		StartGrace: sc.StartGrace, Owner: owner, ActionTimeout: cfg.RequestTimeout, Logger: log})
	ctx, cancel := context.WithCancel(context.Background())
	s := &schedules{sched: sched, cancel: cancel, done: make(chan struct{})}
	go func() {
		defer close(s.done)
		sched.Run(ctx)
	}()
	log.Info("bookings on", "store", kind, "appID", sc.EMAppID, "scheduler", owner, "claimLease", sched.Lease(), "startGrace", sc.StartGrace)
	return s, nil
}

// bookings feeds the dashboard's Schedules page: nil (an untyped nil
// interface) without schedules.
func (s *schedules) bookings() dashboard.Bookings {
	if s == nil {
		return nil
	}
	return s.sched
}

// stop ends the scheduler and waits for the bookings it is working on
// (each step ends on its own deadline). Later calls do nothing.
func (s *schedules) stop() {
	if s == nil {
		return
	}
	s.cancel()
	<-s.done
}

// sqlitePool is the process's one SQLite handle (history and bookings),
// nil when the history is not in SQLite.
func sqlitePool(cfg config.HistoryConfig) *sqlite.Pool {
	if kind, target := cfg.Store(); cfg.Enabled() && kind == config.HistorySQLite {
		return sqlite.NewPool(target)
	}
	return nil
}
