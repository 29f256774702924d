package config

import (
	"net/url"
	"strings"
	"time"
)

// Kinds of history store (HistoryConfig.Store).
const (
	HistorySQLite   = "sqlite"
	HistoryPostgres = "postgres"
)

// Enabled reports whether the request history is kept.
func (h HistoryConfig) Enabled() bool { return h.DSN != "" }

// Store returns the kind of store the DSN names and its target: the file
// path for sqlite:PATH, the DSN itself for postgres:// (postgresql:// too);
// kind is "" for any other DSN.
func (h HistoryConfig) Store() (kind, target string) {
	switch {
	case strings.HasPrefix(h.DSN, "sqlite:"):
		return HistorySQLite, strings.TrimPrefix(strings.TrimPrefix(h.DSN, "sqlite:"), "//")
	case strings.HasPrefix(h.DSN, "postgres://"), strings.HasPrefix(h.DSN, "postgresql://"):
		return HistoryPostgres, h.DSN
	}
	return "", ""
}

// history checks the history section when a dsn is set. Messages never
// repeat a PostgreSQL DSN whole: it may hold a password.
func (k *checker) history() {
	h := k.c.History
	if !h.Enabled() {
		return
	}
	switch kind, target := h.Store(); kind {
	case HistorySQLite:
		if target == "" {
			k.bad("history.dsn", "sqlite: needs a file path (sqlite:/var/lib/bcservice/history.db)")
		}
	case HistoryPostgres:
		if u, err := url.Parse(target); err != nil || u.Host == "" {
			k.bad("history.dsn", "not a valid postgres:// URL (postgres://USER:PASSWORD@HOST:PORT/DB)")
		}
	default:
		k.bad("history.dsn", "must start with sqlite: or postgres://")
	}
	if h.Retention < MinHistoryRetention {
		k.bad("history.retention", "%s must be at least %s", h.Retention, MinHistoryRetention)
	}
	k.duration("history.flushTimeout", h.FlushTimeout)
	if h.RollupEvery < time.Second || h.RollupEvery > MaxRollupEvery {
		k.bad("history.rollupEvery", "%s must be between 1s and %s", h.RollupEvery, MaxRollupEvery)
	}
	if h.QueueSize < 1 || h.QueueSize > MaxHistoryQueueSize {
		k.bad("history.queueSize", "%d must be 1..%d", h.QueueSize, MaxHistoryQueueSize)
	}
}
