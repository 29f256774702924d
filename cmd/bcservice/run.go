package main

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"sync/atomic"
	"time"

	"github.com/emconnector/emconnector/cmd/bcservice/config"
	"github.com/emconnector/emconnector/service"
	"github.com/emconnector/emconnector/service/access"
	"github.com/emconnector/emconnector/service/atomicfile"
	"github.com/emconnector/emconnector/service/emclient"
	"github.com/emconnector/emconnector/service/eventlog"
	"github.com/emconnector/emconnector/service/health"
	"github.com/emconnector/emconnector/service/httpapi"
	"github.com/emconnector/emconnector/service/metrics"
)

// Main is the bcservice program: flags and environment arrive as fields, Run
// serves until ctx ends and then drains in-flight requests. main() only wires
// signals to ctx; tests drive Main directly.
type Main struct {
	ConfigPath string
	// Listen, LogLevel and LogFormat override the file when non-empty.
	Listen    string
	LogLevel  string
	LogFormat string
	// AddrFile, when set, receives {"listen":"host:port"} once bound.
	AddrFile string
	// Stderr receives the logs; nil means os.Stderr.
	Stderr io.Writer

	// draining is set once the service stops with a server.drainDelay.
	draining atomic.Bool
}

// LoadConfig reads the file, applies the overrides and validates; the error
// lists every problem found.
func (m *Main) LoadConfig() (*config.Config, error) {
	return config.Load(m.ConfigPath, config.Overrides{Listen: m.Listen, LogLevel: m.LogLevel, LogFormat: m.LogFormat})
}

// Run loads the configuration, binds the listener, writes the address file
// and serves until ctx is done; then it stops accepting, waits up to
// server.shutdownTimeout for in-flight requests and returns.
func (m *Main) Run(ctx context.Context) error {
	cfg, err := m.LoadConfig()
	if err != nil {
		return err
	}
	stderr := m.Stderr
	if stderr == nil {
		stderr = os.Stderr
	}
	log := newLogger(cfg.Log, stderr)
	warnInsecure(log, cfg)

	tlsConfig, err := cfg.ServerTLS()
	if err != nil {
		return err
	}
	access, err := access.New(cfg.AccessLists())
	if err != nil {
		return err
	}
	specs, err := cfg.ClusterClients()
	if err != nil {
		return err
	}

	build := readBuildInfo().Short()
	reg := metrics.New(build)
	// One PostgreSQL pool for the history and the dashboard sessions, closed
	// last (deferred first).
	pg := postgresPool(cfg.History)
	if pg != nil {
		defer pg.Close()
	}
	coord, err := startCoordination(cfg, specs, log, reg, pg)
	if err != nil {
		return err
	}
	// Deferred first, so run last: after the server has drained.
	defer coord.stop()
	glance := newStatusGlance(cfg)
	clients, err := newClients(specs, log, reg, coord.coordinator(), glance.onBreaker())
	defer func() {
		for _, c := range clients {
			c.Close()
		}
	}()
	if err != nil {
		return err
	}
	// The history is flushed once the server has drained (the defer covers
	// the early returns).
	sq := sqlitePool(cfg.History)
	if sq != nil {
		defer sq.Close()
	}
	var reports *config.ReportsConfig // the rollups serve the dashboard's reports only
	if cfg.DashboardEnabled() {
		reports = &cfg.Reports
	}
	hist := startHistory(cfg.History, reports, log, reg, pg, sq)
	defer hist.stop()
	defer glance.stop() // before the history's store closes
	conn, err := newConnector(cfg, log, reg, clients, append(hist.consumers(), glance.consumers()...))
	if err != nil {
		return err
	}
	sched, err := startSchedules(cfg, log, conn, pg, sq)
	if err != nil {
		return err
	}
	// The scheduler stops before the history is flushed (its actions are
	// rows too), and on every early return.
	defer sched.stop()
	if hist != nil {
		hist.first = append(hist.first, sched.stop)
	}
	sweeps, err := startSweeps(cfg, log, conn, clients, pg, sq)
	if err != nil {
		return err
	}
	defer sweeps.stop()
	if hist != nil {
		hist.first = append(hist.first, sweeps.stop)
	}
	checker := health.NewChecker(cfg.HealthTargets(), health.Options{CacheFor: cfg.Health.CacheFor, DialTimeout: cfg.Health.DialTimeout})
	handler := httpapi.New(conn, httpapi.Options{
		Draining:       m.draining.Load,
		Logger:         log,
		RequestTimeout: cfg.RequestTimeout,
		MaxBodyBytes:   cfg.MaxBodyBytes,
		Access:         access,
		Metrics:        reg.Handler(),
		Build:          build,
		Health:         checker,
	})

	dash, err := startDashboard(cfg, log, dashboardDeps{conn: conn, clients: clients, checker: checker, hist: hist, access: access, build: build,
		sessions: coord.dashboardSessions(), coordination: coord.status(), glance: glance,
		bookings: sched.bookings(), sweeps: sweeps.list()})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		_ = dash.shutdown(context.Background())
		return err
	}
	return m.serve(ctx, cfg, log, newHTTPServer(cfg, log, handler, tlsConfig), ln, dash, hist)
}

// newHTTPServer serves h with the server section's limits and the HTTP
// hygiene of hygiene.go (ambiguous framing refused, HSTS under TLS); the
// API and the dashboard listeners share them. tlsConfig nil serves plain
// HTTP.
func newHTTPServer(cfg *config.Config, log *slog.Logger, h http.Handler, tlsConfig *tls.Config) *hygienicServer {
	hsts := ""
	if tlsConfig != nil {
		hsts = hstsValue(cfg.Server.HSTSMaxAge)
	}
	srv := &http.Server{
		Handler:           hygiene(h, log, hsts),
		ReadHeaderTimeout: cfg.Server.ReadHeaderTimeout,
		ReadTimeout:       cfg.Server.ReadTimeout,
		WriteTimeout:      cfg.Server.WriteTimeout,
		IdleTimeout:       cfg.Server.IdleTimeout,
		MaxHeaderBytes:    cfg.Server.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
		ConnContext:       withConn,
		// "OPTIONS *" would otherwise be answered by net/http without the
		// handler, leaving its framing verdict to the next request; hygiene
		// gives net/http's answer itself.
		DisableGeneralOptionsHandler: true,
	}
	return &hygienicServer{srv: srv, tls: tlsConfig, handshakeTimeout: handshakeTimeout(srv), log: log}
}

// newClients builds one CUCM client per cluster. They report every attempt
// to reg, which reads their breaker and queue state back at scrape time,
// and each breaker change to onBreaker (nil: to nobody); coord, when not
// nil, shares their limits with the other replicas.
// The clients built before an error are returned too, for closing.
func newClients(specs []emclient.Config, log *slog.Logger, reg *metrics.Metrics, coord emclient.Coordinator,
	onBreaker func(cluster, node, from, to string, at time.Time)) ([]*emclient.Client, error) {
	clients := make([]*emclient.Client, 0, len(specs))
	sources := make([]metrics.StatsSource, 0, len(specs))
	for _, spec := range specs {
		c, err := emclient.New(spec, emclient.Options{Logger: log, Observer: reg, Coordinator: coord, OnBreaker: onBreaker})
		if err != nil {
			return clients, err
		}
		clients = append(clients, c)
		sources = append(sources, statsOf(c))
	}
	reg.Watch(sources...)
	return clients, nil
}

// newConnector builds the domain over the clients. Every API request ends in
// one Event: the request log line, the audit event, the metrics and the
// request history (and the dashboard status page's charts) are its
// consumers: more are the history's and the charts'.
func newConnector(cfg *config.Config, log *slog.Logger, reg *metrics.Metrics, clients []*emclient.Client, more []service.Consumer) (*service.Connector, error) {
	clusters := make([]service.Cluster, len(clients))
	for i, c := range clients {
		clusters[i] = c
	}
	events := service.NewEmitter(append([]service.Consumer{eventlog.NewRequestLog(log), eventlog.NewAudit(log), reg},
		more...)...)
	events.OnPanic = func(v any) { log.Error("event consumer panicked", "panic", v) }
	conn, err := service.NewConnector(clusters, service.Options{Default: cfg.DefaultCluster(), Events: events,
		LocationTTL: cfg.DeviceCache.TTL, LocationSize: cfg.DeviceCache.Size})
	if err != nil {
		return nil, err
	}
	reg.WatchLocations(conn.LocationStats)
	return conn, nil
}

// serve serves srv on ln (and the dashboard) until ctx is done or the
// server fails, writes the address file once bound, then stops accepting,
// drains in-flight requests for up to server.shutdownTimeout and flushes the
// history.
func (m *Main) serve(ctx context.Context, cfg *config.Config, log *slog.Logger, srv *hygienicServer, ln net.Listener, dash *dashboardServer, hist *requestHistory) error {
	tlsConfig := srv.tls
	served := make(chan error, 1)
	go func() { served <- srv.serve(ln) }()

	addr := ln.Addr().String()
	if m.AddrFile != "" {
		if err := writeAddrFile(m.AddrFile, addr, dash.Addr()); err != nil {
			_ = srv.close()
			<-served
			_ = dash.shutdown(context.Background())
			return err
		}
	}
	codes := make([]string, 0, len(cfg.Clusters))
	for _, c := range cfg.Clusters {
		codes = append(codes, c.Code)
	}
	log.Info("bcservice listening", "addr", addr, "tls", tlsConfig != nil, "clientAuth", cfg.TLS.ClientAuthMode(),
		"clusters", strings.Join(codes, ","), "default", cfg.DefaultCluster())

	select {
	case err := <-served:
		_ = dash.shutdown(context.Background())
		return err
	case <-ctx.Done():
	}
	if d := cfg.Server.DrainDelay; d > 0 {
		// Still serving, but not ready: the load balancer takes us out before
		// the listener closes under it.
		m.draining.Store(true)
		log.Info("shutting down: /readyz answers 503 while the load balancer notices", "drainDelay", d)
		select {
		case <-time.After(d):
		case err := <-served:
			_ = dash.shutdown(context.Background())
			return err
		}
	}
	log.Info("shutting down: draining in-flight requests", "timeout", cfg.Server.ShutdownTimeout)
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.Server.ShutdownTimeout)
	defer cancel()
	shutdownErr := errors.Join(srv.shutdown(sctx), dash.shutdown(sctx))
	if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	hist.stop()
	if shutdownErr != nil {
		return fmt.Errorf("shutdown: %w", shutdownErr)
	}
	log.Info("stopped")
	return nil
}

func newLogger(c config.LogConfig, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(c.Level)) // validated already
	opts := &slog.HandlerOptions{Level: level}
	if c.Format == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

// writeAddrFile writes {"listen":"addr"} atomically (temp file + rename) so a
// reader never sees a partial file; "dashboard" is added when it listens.
func writeAddrFile(path, addr, dashboard string) error {
	addrs := map[string]string{"listen": addr}
	if dashboard != "" {
		addrs["dashboard"] = dashboard
	}
	data, err := json.Marshal(addrs)
	if err != nil {
		return err
	}
	return atomicfile.Write(path, data, 0o600)
}

// warnInsecure logs one WARN per cluster whose TLS certificate is not
// checked: anyone on the path could then pose as CUCM and collect the app
// user's credentials. It must be loud because it is a configuration slip
// that works silently.
func warnInsecure(log *slog.Logger, cfg *config.Config) {
	for _, cl := range cfg.Clusters {
		if cl.InsecureSkipVerify {
			log.Warn("TLS CERTIFICATE VERIFICATION DISABLED for CUCM cluster: insecureSkipVerify is true, "+
				"anyone on the network path can impersonate CUCM and read the application credentials; "+
				"set caFile instead", "cluster", cl.Code)
		}
	}
}
