package main

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/emconnector/emconnector/cmd/bcservice/config"
	"github.com/emconnector/emconnector/service"
	"github.com/emconnector/emconnector/service/history"
	"github.com/emconnector/emconnector/service/history/rollup"
	"github.com/emconnector/emconnector/service/metrics"
	"github.com/emconnector/emconnector/service/postgres"
	"github.com/emconnector/emconnector/service/sqlite"
)

// requestHistory is the request history of a running service: the writer
// (one more event consumer), its store and the retention purge.
type requestHistory struct {
	writer *history.Writer
	store  history.Store
	log    *slog.Logger
	flush  time.Duration
	cancel context.CancelFunc
	purged chan struct{}
	once   sync.Once
	// first runs before the flush: the producers of rows that are not
	// API requests (the bookings' scheduler, the sweeps) stop first.
	first []func()
}

// startHistory starts the request history (and, when reports is not nil,
// the usage reports' rollup job, which keeps whole days of UTC and of
// reports.zone), or returns nil when history.dsn
// is not set; in PostgreSQL it uses the process's pool (pg, not nil then).
// The store is opened on first use: a database that is away at start
// delays the rows (queued, then dropped and counted), never the service.
func startHistory(cfg config.HistoryConfig, reports *config.ReportsConfig, log *slog.Logger, reg *metrics.Metrics, pg *postgres.Pool, sq *sqlite.Pool) *requestHistory {
	if !cfg.Enabled() {
		return nil
	}
	kind, target := cfg.Store()
	var store history.Store
	if kind == config.HistorySQLite {
		store = sq.History()
	} else {
		store = pg.History()
	}
	w := history.NewWriter(store, history.WriterOptions{QueueSize: cfg.QueueSize, Logger: log})
	reg.WatchHistory(func() metrics.HistoryStats {
		s := w.Stats()
		return metrics.HistoryStats{Dropped: s.Dropped, Rejected: s.Rejected, Depth: s.Depth, LastCommit: s.LastCommit}
	})
	ctx, cancel := context.WithCancel(context.Background())
	h := &requestHistory{writer: w, store: store, log: log, flush: cfg.FlushTimeout, cancel: cancel, purged: make(chan struct{})}
	go func() {
		defer close(h.purged)
		done := make(chan struct{})
		go func() { // the usage reports' rollups (cmd/bcservice/README.md, "Usage reports")
			defer close(done)
			if reports == nil {
				return // no dashboard here serves the reports
			}
			zone, _ := reports.Location() // checked with the configuration
			(&rollup.Job{Store: store, Every: cfg.RollupEvery, Zones: []*time.Location{zone}, Logger: log}).Run(ctx)
		}()
		(&history.Retention{Store: store, Keep: cfg.Retention, Logger: log}).Run(ctx)
		<-done
	}()
	where := target
	if kind == config.HistoryPostgres {
		where = postgres.Redact(target)
	}
	log.Info("request history on", "store", kind, "at", where, "retention", cfg.Retention)
	return h
}

// consumer is the writer, or nothing when the history is off.
func (h *requestHistory) consumers() []service.Consumer {
	if h == nil {
		return nil
	}
	return []service.Consumer{h.writer}
}

// stop writes what is queued (for up to history.flushTimeout), stops the purge and
// closes the store. Call it after the HTTP server has drained, so that
// every answered request is in the queue; later calls do nothing.
func (h *requestHistory) stop() {
	if h == nil {
		return
	}
	h.once.Do(func() {
		for _, f := range h.first {
			f()
		}
		ctx, cancel := context.WithTimeout(context.Background(), h.flush)
		defer cancel()
		if err := h.writer.Close(ctx); err != nil {
			h.log.Error("request history not fully written", "error", err)
		}
		h.cancel()
		<-h.purged
		if err := h.store.Close(); err != nil {
			h.log.Warn("request history: closing the store", "error", err)
		}
	})
}

// postgresPool is the process's one PostgreSQL pool (postgres.Pool), nil when
// the history is not in PostgreSQL.
func postgresPool(cfg config.HistoryConfig) *postgres.Pool {
	if kind, target := cfg.Store(); cfg.Enabled() && kind == config.HistoryPostgres {
		return postgres.NewPool(target)
	}
	return nil
}
