package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"time"

	"github.com/emconnector/emconnector/service"
	"github.com/emconnector/emconnector/service/access"
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

// Exchange opens the request's service.Exchange: it takes a well-formed
// X-Request-ID from the client or makes one (echoed in the answer), and
// when the handler is done it sends the answer out (flush) before the
// connector emits the request's Event, so no consumer (log line, audit
// event, metrics) ever delays an answer. Requests that produced no API
// answer (health checks, /metrics) are only logged at DEBUG.
func Exchange(conn *service.Connector, log *slog.Logger) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			id := r.Header.Get("X-Request-ID")
			if !validRequestID(id) {
				id = newRequestID()
			}
			w.Header().Set("X-Request-ID", id)
			x := service.NewExchange(id, peerHost(r.RemoteAddr), r.RemoteAddr, r.Method, start)
			next.ServeHTTP(w, r.WithContext(service.WithExchange(r.Context(), x)))
			_ = http.NewResponseController(w).Flush() // nothing to do if it cannot
			if !conn.Finish(x) {
				log.LogAttrs(r.Context(), slog.LevelDebug, "request",
					slog.String("id", id), slog.String("method", r.Method),
					slog.String("op", "ops"), slog.Duration("duration", time.Since(start)),
					slog.String("remote", peerHost(r.RemoteAddr)))
			}
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

// peerHost is the host of a transport peer address.
func peerHost(remoteAddr string) string {
	if host, _, err := net.SplitHostPort(remoteAddr); err == nil {
		return host
	}
	return remoteAddr
}

// Access enforces the IP allow/deny lists: the client address is the TCP
// peer, or the X-Forwarded-For address when the peer is a trusted proxy
// (access.Policy.ClientIP). A refused client gets HTTP 403 with the
// result shape and code 1015 "Access denied" before anything else is read.
// It applies to every route, /healthz, /readyz and /metrics included.
func Access(p *access.Policy) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			var peer netip.Addr
			if ap, err := netip.ParseAddrPort(r.RemoteAddr); err == nil {
				peer = ap.Addr()
			}
			client := p.ClientIP(peer, r.Header.Values("X-Forwarded-For"))
			if client.IsValid() {
				service.ExchangeFrom(r.Context()).SetClient(client.String())
			}
			if !p.Allowed(client) {
				e := deniedError()
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
// asks for it (wantsJSON), with status, and records it in the request's
// Exchange (an answer given before routing is recorded under the operation
// its path names). It is the only writer of API answers.
func respond(w http.ResponseWriter, r *http.Request, status int, res service.Result) {
	rec := res
	if rec.Op == "" {
		rec.Op = service.OpOfPath(r.URL.Path)
	}
	service.ExchangeFrom(r.Context()).Answered(rec, status)
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
	// A known length lets Exchange flush the answer before the handler
	// returns without switching to chunked encoding.
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	_, _ = w.Write(body) // the client may be gone; nothing to do then
}

// deniedError is the 1015 answer for a client the access lists refuse. The
// text does not say which list refused it.
func deniedError() *service.Error { return service.Errorf(service.CodeAccessDenied, "Access denied") }
