package main

import (
	"context"
	"time"

	"github.com/emconnector/emconnector/cmd/bcservice/config"
	"github.com/emconnector/emconnector/service"
	"github.com/emconnector/emconnector/service/dashboard"
	"github.com/emconnector/emconnector/service/history"
)

// backfillRetry paces the status page's tries to read the history at start
// while the database is away.
const backfillRetry = 10 * time.Second

// statusGlance feeds the dashboard status page's charts (dashboard.Recent):
// one more consumer of the Events, the CUCM clients' breaker changes, and
// the history read once at start. nil when the dashboard is off; its
// methods do nothing then.
type statusGlance struct {
	recent *dashboard.Recent
	cancel context.CancelFunc
	done   chan struct{}
}

func newStatusGlance(cfg *config.Config) *statusGlance {
	if !cfg.DashboardEnabled() {
		return nil
	}
	return &statusGlance{recent: dashboard.NewRecent(time.Now())}
}

// consumers is the Recent, or nothing.
func (g *statusGlance) consumers() []service.Consumer {
	if g == nil {
		return nil
	}
	return []service.Consumer{g.recent}
}

// onBreaker is what the CUCM clients call on a breaker change, or nil.
func (g *statusGlance) onBreaker() func(cluster, node, from, to string, at time.Time) {
	if g == nil {
		return nil
	}
	return func(cluster, node, from, to string, at time.Time) {
		g.recent.BreakerChanged(dashboard.StateChange{At: at, Cluster: cluster, Node: node, From: from, To: to})
	}
}

// backfill reads the history before the start in the background, until
// stop.
func (g *statusGlance) backfill(store history.Store) {
	if g == nil || g.done != nil {
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	g.cancel, g.done = cancel, make(chan struct{})
	go func() {
		defer close(g.done)
		g.recent.Backfill(ctx, store, backfillRetry)
	}()
}

// stop ends the backfill and waits for it; call it before the history's
// store closes.
func (g *statusGlance) stop() {
	if g == nil || g.done == nil {
		return
	}
	g.cancel()
	<-g.done
}

// recentOrNil is the Recent, or nil.
func (g *statusGlance) recentOrNil() *dashboard.Recent {
	if g == nil {
		return nil
	}
	return g.recent
}
