// Package eventlog writes the request log line and the audit event of every
// API request with log/slog. Both are consumers of the request's
// service.Event, so they never disagree with the answer or the metrics.
// Neither ever writes a path (it may hold a PIN), a body or a credential:
// the Event holds none.
package eventlog

import (
	"context"
	"log/slog"

	"github.com/emconnector/emconnector/service"
)

// RequestLog writes one line per API request (msg "request"): request id,
// method, operation, device, user, cluster, code, HTTP status, duration,
// client address, TCP peer and outcome class, the app ID and, when CUCM
// was asked, the nodes tried and the attempts made. Answers with a status
// of 500 or more are logged at ERROR, the others at INFO.
type RequestLog struct {
	log *slog.Logger
}

// NewRequestLog returns the request-line consumer writing to log.
func NewRequestLog(log *slog.Logger) *RequestLog { return &RequestLog{log: log} }

// Consume implements service.Consumer.
func (l *RequestLog) Consume(e service.Event) {
	level := slog.LevelInfo
	if e.Status >= 500 {
		level = slog.LevelError
	}
	ctx := context.Background()
	if !l.log.Enabled(ctx, level) {
		return
	}
	attrs := []slog.Attr{
		slog.String("id", e.ID),
		slog.String("method", e.Method),
		slog.String("op", opName(e.Op)),
		slog.String("device", e.Device),
		slog.String("user", e.User),
		slog.String("cluster", e.Cluster),
		slog.Int("code", e.Code),
		slog.Int("status", e.Status),
		slog.Duration("duration", e.Duration),
		slog.String("remote", e.Client),
		slog.String("peer", e.Peer),
		slog.String("outcome", string(e.Class)),
	}
	if e.AppID != "" {
		attrs = append(attrs, slog.String("appID", e.AppID))
	}
	if e.Actor != "" {
		attrs = append(attrs, slog.String("actor", e.Actor))
	}
	if e.Attempts > 0 {
		attrs = append(attrs, slog.Any("nodes", e.Nodes), slog.Int("attempts", e.Attempts))
	}
	for _, f := range e.Fields {
		attrs = append(attrs, slog.String(f.Name, f.Value))
	}
	l.log.LogAttrs(ctx, level, "request", attrs...)
}

// Audit writes one audit event (msg "audit", always at INFO) per request of
// an audited operation (those that change a phone's state): operation,
// device, user, cluster, code, outcome class, request id, client address,
// app ID, whether the PIN flow ran and the dashboard user who acted (empty
// for API requests).
type Audit struct {
	log *slog.Logger
}

// NewAudit returns the audit consumer writing to log.
func NewAudit(log *slog.Logger) *Audit { return &Audit{log: log} }

// Consume implements service.Consumer.
func (a *Audit) Consume(e service.Event) {
	if !e.Audited() {
		return
	}
	a.log.LogAttrs(context.Background(), slog.LevelInfo, "audit",
		slog.String("operation", opName(e.Op)),
		slog.String("device", e.Device),
		slog.String("user", e.User),
		slog.String("cluster", e.Cluster),
		slog.Int("code", e.Code),
		slog.String("outcome", string(e.Class)),
		slog.String("id", e.ID),
		slog.String("remote", e.Client),
		slog.String("appID", e.AppID),
		slog.Bool("pinFlow", e.PINFlow),
		slog.String("actor", e.Actor),
	)
}

func opName(op service.Op) string {
	if op == "" {
		return "none"
	}
	return string(op)
}

var (
	_ service.Consumer = (*RequestLog)(nil)
	_ service.Consumer = (*Audit)(nil)
)
