package main

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/emconnector/emconnector/cmd/bcservice/config"
	"github.com/emconnector/emconnector/service/dashboard"
	"github.com/emconnector/emconnector/service/emclient"
	"github.com/emconnector/emconnector/service/metrics"
	"github.com/emconnector/emconnector/service/postgres"
	"github.com/emconnector/emconnector/service/websession"
)

// coordination is what a replica shares with the others through
// PostgreSQL (cmd/bcservice/README.md, "Replicas"): the clusters' budgets and device
// locks, and the dashboard sessions. Nil when coordination is local.
type coordination struct {
	coord    *postgres.Coordinator
	sessions *postgres.Sessions
}

// startCoordination starts the coordination when the configuration asks
// for it; the dashboard sessions use the process's pool pg. A database
// that cannot be reached does not stop the start: the replica works on its
// own limits until it can.
func startCoordination(cfg *config.Config, specs []emclient.Config, log *slog.Logger, reg *metrics.Metrics, pg *postgres.Pool) (*coordination, error) {
	if !cfg.Coordinated() {
		return nil, nil
	}
	// Per cluster, 2 × maxConcurrentRequests requests are admitted, each
	// with a session, plus up to maxConcurrentRequests sessions of slots
	// handed over between them: all opened at start, so that neither a
	// burst nor its first handoffs wait for new sessions.
	warm := 0
	for _, s := range specs {
		warm += 3 * s.MaxConcurrentRequests
	}
	conns := warm + 2
	dsn := cfg.History.DSN
	c, err := postgres.NewCoordinator(dsn, postgres.CoordinatorOptions{Replica: replicaName(), Logger: log, MaxConns: int32(conns), MinConns: int32(warm)})
	if err != nil {
		return nil, err
	}
	reg.WatchCoordination(func() metrics.CoordinationStats {
		s := c.Status()
		return metrics.CoordinationStats{Shared: s.Shared, Fallbacks: s.Fallbacks, Waits: s.Waits, Replicas: s.Replicas}
	})
	if st := c.Status(); st.Shared {
		log.Info("coordination on: limits, device locks and dashboard sessions shared through PostgreSQL", "at", postgres.Redact(dsn), "replicas", st.Replicas)
	}
	dc := cfg.Dashboard
	sessions := pg.Sessions(postgres.SessionOptions{Idle: dc.SessionIdle, Absolute: dc.SessionAbsolute})
	return &coordination{coord: c, sessions: sessions}, nil
}

// replicaName names this process in PostgreSQL's pg_stat_activity.
func replicaName() string {
	host, _ := os.Hostname()
	if len(host) > 40 {
		host = host[:40]
	}
	return fmt.Sprintf("bcservice %s/%d", host, os.Getpid())
}

// coordinator is the clients' coordinator, nil (an untyped nil interface)
// when local.
func (c *coordination) coordinator() emclient.Coordinator {
	if c == nil {
		return nil
	}
	return c.coord
}

// dashboardSessions is the dashboard's shared session store, nil (in
// memory) when local.
func (c *coordination) dashboardSessions() websession.Store {
	if c == nil {
		return nil
	}
	return c.sessions
}

// status feeds the dashboard's status page, nil when local.
func (c *coordination) status() func() dashboard.Coordination {
	if c == nil {
		return nil
	}
	return func() dashboard.Coordination {
		s := c.coord.Status()
		return dashboard.Coordination{Shared: s.Shared, Since: s.Since, Reason: s.Reason, Replicas: s.Replicas, Fallbacks: s.Fallbacks}
	}
}

// stop ends the coordination; call it after the server has drained.
func (c *coordination) stop() {
	if c == nil {
		return
	}
	c.coord.Close()
}
