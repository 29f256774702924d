package main

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/emconnector/emconnector/cmd/bcservice/config"
	"github.com/emconnector/emconnector/service"
	"github.com/emconnector/emconnector/service/access"
	"github.com/emconnector/emconnector/service/dashboard"
	"github.com/emconnector/emconnector/service/emclient"
	"github.com/emconnector/emconnector/service/health"
	"github.com/emconnector/emconnector/service/history"
	"github.com/emconnector/emconnector/service/websession"
)

// dashboardServer is the dashboard's own listener, or nil when it is off.
type dashboardServer struct {
	srv    *hygienicServer
	addr   string
	served chan error
}

// dashboardDeps are the running service's parts the dashboard shows or uses.
type dashboardDeps struct {
	conn    *service.Connector
	clients []*emclient.Client
	checker *health.Checker
	hist    *requestHistory
	// build is this binary's version (buildInfo.Short).
	build  string
	access *access.Policy
	// sessions keeps the dashboard's sessions; nil keeps them in memory
	// (the replicas of a coordinated deployment share a PostgreSQL one,
	// postgres.NewSessions, which applies its own timeouts).
	sessions websession.Store
	// coordination feeds the status page's Replicas section; nil when the
	// coordination is local.
	coordination func() dashboard.Coordination
	// glance feeds the status page's charts; started here (its backfill).
	glance *statusGlance
	// bookings feed the Schedules page; nil without schedules.
	bookings dashboard.Bookings
	// sweeps feed its Sweeps section; nil without schedules.
	sweeps dashboard.Sweeps
}

// startDashboard binds and serves the dashboard when the configuration has
// one (config validation has made sure the history is on).
func startDashboard(cfg *config.Config, log *slog.Logger, deps dashboardDeps) (*dashboardServer, error) {
	if !cfg.DashboardEnabled() || deps.hist == nil {
		return nil, nil
	}
	dc := cfg.Dashboard
	cert, err := dc.AppCertificate()
	if err != nil {
		return nil, err
	}
	zone, err := cfg.Reports.Location()
	if err != nil {
		return nil, err
	}
	hours, err := cfg.Reports.Hours()
	if err != nil {
		return nil, err
	}
	users := make([]dashboard.User, 0, len(dc.Users))
	for _, u := range dc.Users {
		users = append(users, dashboard.User{Name: u.Name, Role: u.Role, Hash: u.PasswordHash})
	}
	clients := deps.clients
	d, err := dashboard.New(dashboard.Options{
		Users:  users,
		Store:  deps.hist.store,
		Conn:   deps.conn,
		Cred:   service.Credentials{AppID: dc.EMAppID, AppCertificate: cert},
		Access: deps.access,
		Clusters: func() []dashboard.ClusterStats {
			out := make([]dashboard.ClusterStats, 0, len(clients))
			for _, c := range clients {
				out = append(out, clusterStats(c.Stats()))
			}
			return out
		},
		Health:          deps.checker.Check,
		Writer:          func() history.Stats { return deps.hist.writer.Stats() },
		Recent:          deps.glance.recentOrNil(),
		Version:         deps.build,
		ReportZone:      zone,
		BusinessHours:   hours,
		Started:         time.Now(),
		Sessions:        deps.sessions,
		Coordination:    deps.coordination,
		Bookings:        deps.bookings,
		Sweeps:          deps.sweeps,
		SessionIdle:     dc.SessionIdle,
		StatusRefresh:   dc.StatusRefresh,
		SessionAbsolute: dc.SessionAbsolute,
		Logger:          log,
	})
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", dc.Listen)
	if err != nil {
		return nil, err
	}
	deps.glance.backfill(deps.hist.store)
	tlsConfig, err := cfg.ServerTLS()
	if err != nil {
		ln.Close()
		return nil, err
	}
	s := &dashboardServer{addr: ln.Addr().String(), served: make(chan error, 1), srv: newHTTPServer(cfg, log, d, tlsConfig)}
	go func() { s.served <- s.srv.serve(ln) }()
	log.Info("dashboard listening", "addr", s.addr, "tls", tlsConfig != nil, "users", len(users), "appID", dc.EMAppID)
	if dc.Banner != "" {
		log.Info(dc.Banner)
	}
	return s, nil
}

// Addr is where the dashboard listens, "" when it is off.
func (s *dashboardServer) Addr() string {
	if s == nil {
		return ""
	}
	return s.addr
}

// shutdown drains the dashboard like the API.
func (s *dashboardServer) shutdown(ctx context.Context) error {
	if s == nil {
		return nil
	}
	err := s.srv.shutdown(ctx)
	if serr := <-s.served; serr != nil && !errors.Is(serr, http.ErrServerClosed) && err == nil {
		err = serr
	}
	return err
}

// clusterStats is what the status page shows of a CUCM client's state.
func clusterStats(s emclient.Stats) dashboard.ClusterStats {
	out := dashboard.ClusterStats{Cluster: s.Cluster, InFlight: s.InFlight, Queued: s.Queued,
		MaxConcurrent: s.MaxConcurrent, MaxQueue: s.MaxQueue}
	for _, n := range s.Nodes {
		out.Nodes = append(out.Nodes, dashboard.NodeStats{Node: n.Node, Breaker: n.Breaker})
	}
	return out
}
