package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"time"

	"github.com/emconnector/emconnector/service"
	"github.com/emconnector/emconnector/service/metrics"
)

// Middleware wraps a handler. The API is a chain of them so that later
// concerns (TLS client identity, IP allow/deny lists, metrics, health
// endpoints) are added as one more link.
type Middleware func(http.Handler) http.Handler

// Chain applies mws around h; the first is outermost.
func Chain(h http.Handler, mws ...Middleware) http.Handler {
	for i := len(mws) - 1; i >= 0; i-- {
		h = mws[i](h)
	}
	return h
}

type ctxKey int

const (
	recordKey ctxKey = iota
)

// record collects what the request log line reports. The handler fills it
// through respond; the logging middleware writes it.
type record struct {
	id     string
	result service.Result
	status int
	// client is the address the access lists judged (X-Forwarded-For
	// resolved); invalid until Access ran.
	client netip.Addr
}

func recordFrom(ctx context.Context) *record {
	rec, _ := ctx.Value(recordKey).(*record)
	return rec
}

// RequestID takes a well-formed X-Request-ID from the client or makes one,
// and echoes it in the answer.
func RequestID() Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			id := r.Header.Get("X-Request-ID")
			if !validRequestID(id) {
				id = newRequestID()
			}
			w.Header().Set("X-Request-ID", id)
			rec := &record{id: id}
			next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), recordKey, rec)))
		})
	}
}

func validRequestID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for _, c := range []byte(s) {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.') {
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}

// AccessLog writes one line per request (msg "request"): request id,
// operation, device, user, cluster, code, HTTP status, duration, client
// address and TCP peer. For login and logout it also writes one audit event
// (msg "audit", always at INFO) with operation, device, user, cluster, code,
// outcome, request id and client address, and it feeds m. All of them are
// made from the one service.Result the answer was encoded from. It never
// logs the path (it may hold a PIN), the body or the credentials. Requests
// that produced no Result (health checks, /metrics) are logged at DEBUG and
// not counted. Must run inside RequestID.
func AccessLog(log *slog.Logger, m *metrics.Metrics) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			next.ServeHTTP(w, r)
			rec := recordFrom(r.Context())
			if rec == nil {
				return
			}
			elapsed := time.Since(start)
			res := rec.result
			if res.Op == "" {
				res.Op = opOfPath(r.URL.Path)
			}
			remote := clientString(rec.client, r.RemoteAddr)
			if rec.status == 0 {
				log.LogAttrs(r.Context(), slog.LevelDebug, "request",
					slog.String("id", rec.id), slog.String("method", r.Method),
					slog.String("op", "ops"), slog.Duration("duration", elapsed),
					slog.String("remote", remote))
				return
			}
			op := string(res.Op)
			if op == "" {
				op = "none"
			}
			level := slog.LevelInfo
			if rec.status >= 500 {
				level = slog.LevelError
			}
			log.LogAttrs(r.Context(), level, "request",
				slog.String("id", rec.id),
				slog.String("method", r.Method),
				slog.String("op", op),
				slog.String("device", res.Device),
				slog.String("user", res.User),
				slog.String("cluster", res.Cluster),
				slog.Int("code", res.Code),
				slog.Int("status", rec.status),
				slog.Duration("duration", elapsed),
				slog.String("remote", remote),
				slog.String("peer", r.RemoteAddr),
			)
			if res.Op == service.OpLogin || res.Op == service.OpLogout {
				log.LogAttrs(r.Context(), slog.LevelInfo, "audit",
					slog.String("operation", op),
					slog.String("device", res.Device),
					slog.String("user", res.User),
					slog.String("cluster", res.Cluster),
					slog.Int("code", res.Code),
					slog.String("outcome", res.Outcome()),
					slog.String("id", rec.id),
					slog.String("remote", remote),
				)
			}
			if m != nil {
				m.ObserveResult(res, elapsed)
			}
		})
	}
}

// clientString is the client address for logs: the resolved one, else the
// TCP peer's host.
func clientString(client netip.Addr, remoteAddr string) string {
	if client.IsValid() {
		return client.String()
	}
	if host, _, err := net.SplitHostPort(remoteAddr); err == nil {
		return host
	}
	return remoteAddr
}

// Access enforces the IP allow/deny lists: the client address is the TCP
// peer, or the X-Forwarded-For address when the peer is a trusted proxy
// (service.AccessPolicy.ClientIP). A refused client gets HTTP 403 with the
// result shape and code 1015 "Access denied" before anything else is read.
// It applies to every route, /healthz, /readyz and /metrics included.
func Access(p *service.AccessPolicy) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var peer netip.Addr
			if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
				peer = ap.Addr()
			}
			client := p.ClientIP(peer, r.Header.Values("X-Forwarded-For"))
			if rec := recordFrom(r.Context()); rec != nil {
				rec.client = client
			}
			if !p.Allowed(client) {
				e := service.DeniedError()
				respond(w, r, http.StatusForbidden, service.Result{Code: e.Code, Text: e.Text})
				return
			}
			next.ServeHTTP(w, r)
		})
	}
}

// Recover turns a panic into an HTTP 500 with code 500, so bad input can
// never take the process down. http.ErrAbortHandler is re-raised.
func Recover(log *slog.Logger) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			defer func() {
				v := recover()
				if v == nil {
					return
				}
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log.Error("panic in handler", "panic", v)
				respond(w, r, http.StatusInternalServerError, service.Result{Code: service.CodeInternal, Text: "Internal error"})
			}()
			next.ServeHTTP(w, r)
		})
	}
}

// Deadline bounds each request with d: CUCM round trips, queueing and busy
// retries all stop when it passes.
func Deadline(d time.Duration) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			ctx, cancel := context.WithTimeout(r.Context(), d)
			defer cancel()
			next.ServeHTTP(w, r.WithContext(ctx))
		})
	}
}

// BodyLimit caps the request body at n bytes; reading past it fails with
// *http.MaxBytesError, answered as 413.
func BodyLimit(n int64) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r.Body = http.MaxBytesReader(w, r.Body, n)
			next.ServeHTTP(w, r)
		})
	}
}

// respond writes res as XML, or as JSON when the client's Accept header
// asks for it (wantsJSON), with status, and records it for the log line,
// the audit event and the metrics. It is the only writer of API answers.
func respond(w http.ResponseWriter, r *http.Request, status int, res service.Result) {
	if rec := recordFrom(r.Context()); rec != nil {
		rec.result, rec.status = res, status
	}
	if wantsJSON(r.Header.Get("Accept")) {
		writeBody(w, status, contentJSON, encodeJSON(res))
		return
	}
	writeBody(w, status, contentXML, encodeResult(res))
}

func writeBody(w http.ResponseWriter, status int, contentType string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Vary", "Accept")
	w.WriteHeader(status)
	_, _ = w.Write(body) // the client may be gone; nothing to do then
}
