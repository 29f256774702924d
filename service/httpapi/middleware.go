package httpapi

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"log/slog"
	"net/http"
	"time"

	"github.com/emconnector/emconnector/service"
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

// AccessLog writes one line per request: request id, operation, device, user,
// cluster, code, HTTP status and duration. It never logs the path (it may
// hold a PIN), the body or the credentials. Must run inside RequestID.
func AccessLog(log *slog.Logger) Middleware {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			start := time.Now()
			next.ServeHTTP(w, r)
			rec := recordFrom(r.Context())
			if rec == nil {
				return
			}
			op := string(rec.result.Op)
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
				slog.String("device", rec.result.Device),
				slog.String("user", rec.result.User),
				slog.String("cluster", rec.result.Cluster),
				slog.Int("code", rec.result.Code),
				slog.Int("status", rec.status),
				slog.Duration("duration", time.Since(start)),
				slog.String("remote", r.RemoteAddr),
			)
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

// respond writes res as XML with status and records it for the log line.
// It is the only writer of API answers.
func respond(w http.ResponseWriter, r *http.Request, status int, res service.Result) {
	if rec := recordFrom(r.Context()); rec != nil {
		rec.result, rec.status = res, status
	}
	body := encodeResult(res)
	writeXML(w, status, body)
}

func writeXML(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "text/xml; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(status)
	_, _ = w.Write(body) // the client may be gone; nothing to do then
}
