// Package httpapi is the HTTP adapter of the Business Connector API
// (README.md): it decodes the path and the `xml` parameter, calls
// the service.Connector and encodes the result. Rules live in package
// service; this package only translates.
package httpapi

import (
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/emconnector/emconnector/service"
	"github.com/emconnector/emconnector/service/health"
	"github.com/emconnector/emconnector/service/metrics"
)

// Options configure the handler; zero values take the service defaults.
type Options struct {
	Logger         *slog.Logger
	RequestTimeout time.Duration
	MaxBodyBytes   int64
	// Access is the IP allow/deny policy; nil allows everybody and ignores
	// X-Forwarded-For.
	Access *service.AccessPolicy
	// Metrics receives one observation per API request and is served on
	// /metrics; nil makes a registry without CUCM clients.
	Metrics *metrics.Metrics
	// Health answers /readyz; nil is always ready (no clusters to check).
	Health *health.Checker
}

// api holds the connector and the limits the handlers need.
type api struct {
	conn    *service.Connector
	maxBody int64
	health  *health.Checker
	metrics *metrics.Metrics
}

// Route is one registered ServeMux pattern and the methods it answers
// (others get 405). Routes lists them for the OpenAPI check.
type Route struct {
	Pattern string
	Methods []string
}

// Routes returns every route New serves, in registration order: the API
// (including the "no device" forms /api/op and /api/op/) and the operations
// endpoints. The catch-all 404 is not a route.
func Routes() []Route {
	out := []Route{{"/api/getversioninfo", []string{http.MethodGet, http.MethodPost}}}
	for _, rt := range routes() {
		base := "/api/" + string(rt.op)
		out = append(out, Route{base, []string{http.MethodPost}}, Route{base + "/{$}", []string{http.MethodPost}})
		pattern := base + "/{device}"
		out = append(out, Route{pattern, []string{http.MethodPost}})
		for _, name := range rt.names {
			pattern += "/{" + name + "}"
			out = append(out, Route{pattern, []string{http.MethodPost}})
		}
	}
	return append(out,
		Route{"/healthz", []string{http.MethodGet}},
		Route{"/readyz", []string{http.MethodGet}},
		Route{"/metrics", []string{http.MethodGet}},
	)
}

// params are the path parameters of an operation.
type params struct {
	device, user, cluster, pin string
}

// opSpec describes one operation's route: its path parameter names after
// the device, in order.
type opSpec struct {
	op    service.Op
	names []string // after {device}
}

// routes lists the device operations; getversioninfo is separate.
func routes() []opSpec {
	return []opSpec{
		{service.OpLogin, []string{"user", "cluster", "pin"}},
		{service.OpLogout, []string{"cluster"}},
		{service.OpLoggedInUser, []string{"cluster"}},
	}
}

// New returns the API handler wrapped in its middleware chain: request id,
// request log (with audit event and metrics), panic recovery, access lists,
// request deadline, body limit, then the canonical-path guard and the
// ServeMux.
func New(conn *service.Connector, opts Options) http.Handler {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.RequestTimeout <= 0 {
		opts.RequestTimeout = service.DefaultRequestTimeout
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = service.DefaultMaxBodyBytes
	}
	if opts.Metrics == nil {
		opts.Metrics = metrics.New(Version)
	}
	if opts.Health == nil {
		opts.Health = health.NewChecker(nil, health.Options{})
	}
	if opts.Access == nil {
		opts.Access, _ = service.NewAccessPolicy(service.AccessConfig{}) // empty lists never fail
	}
	a := &api{conn: conn, maxBody: opts.MaxBodyBytes, health: opts.Health, metrics: opts.Metrics}
	return Chain(a.mux(),
		RequestID(),
		AccessLog(opts.Logger, opts.Metrics),
		Recover(opts.Logger),
		Access(opts.Access),
		Deadline(opts.RequestTimeout),
		BodyLimit(opts.MaxBodyBytes),
		a.canonicalPaths,
	)
}

// mux registers Routes() with ServeMux patterns. Methods are checked by
// allow() rather than in the patterns so that a wrong method gets the XML
// answer with an Allow header instead of ServeMux's plain-text 405.
func (a *api) mux() *http.ServeMux {
	m := http.NewServeMux()
	handlers := map[string]http.Handler{
		"/api/getversioninfo": http.HandlerFunc(a.version),
		"/healthz":            http.HandlerFunc(healthz),
		"/readyz":             http.HandlerFunc(a.readyz),
		"/metrics":            a.metrics.Handler(),
	}
	for _, rt := range routes() {
		base := "/api/" + string(rt.op)
		// No device at all: "Device ID empty".
		handlers[base] = a.opHandler(rt, 0)
		handlers[base+"/{$}"] = a.opHandler(rt, 0)
		pattern := base + "/{device}"
		handlers[pattern] = a.opHandler(rt, 1)
		for i, name := range rt.names {
			pattern += "/{" + name + "}"
			handlers[pattern] = a.opHandler(rt, i+2)
		}
	}
	for _, r := range Routes() {
		m.Handle(r.Pattern, allow(opOfPath(r.Pattern), handlers[r.Pattern], r.Methods...))
	}
	m.HandleFunc("/", notFound)
	return m
}

// opHandler serves rt with the first n path parameters taken from the mux.
func (a *api) opHandler(rt opSpec, n int) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p params
		names := append([]string{"device"}, rt.names...)
		for _, name := range names[:n] {
			p.set(name, r.PathValue(name))
		}
		a.serveOp(w, r, rt.op, p)
	})
}

// opOfPath names the API operation a path belongs to ("" for none), so
// that answers given before routing (403, 405) still say which operation
// was attempted in logs, audit events and metrics.
func opOfPath(p string) service.Op {
	rest, ok := strings.CutPrefix(p, "/api/")
	if !ok {
		return ""
	}
	name, _, _ := strings.Cut(rest, "/")
	for _, op := range []service.Op{service.OpVersion, service.OpLogin, service.OpLogout, service.OpLoggedInUser} {
		if name == string(op) {
			return op
		}
	}
	return ""
}

func (p *params) set(name, v string) {
	switch name {
	case "device":
		p.device = v
	case "user":
		p.user = v
	case "cluster":
		p.cluster = v
	case "pin":
		p.pin = v
	}
}

// canonicalPaths handles API paths that ServeMux would answer with a
// redirect to a cleaned path (empty segments such as /api/login//U, a
// trailing slash, dot segments): redirecting a POST that carries
// credentials to a different operation target would be wrong. Such a path is
// split on "/" itself; an empty segment is an empty parameter (so an empty
// device is "Device ID empty", an empty user 1005, an empty cluster or PIN
// "not given"). Too many segments: 404.
func (a *api) canonicalPaths(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !needsOwnSplit(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		segs := strings.Split(strings.TrimPrefix(r.URL.EscapedPath(), "/api/"), "/")
		for _, rt := range routes() {
			if segs[0] != string(rt.op) {
				continue
			}
			rest := segs[1:]
			if len(rest) > 0 && rest[len(rest)-1] == "" {
				rest = rest[:len(rest)-1] // trailing slash
			}
			names := append([]string{"device"}, rt.names...)
			if len(rest) > len(names) {
				break
			}
			var prm params
			for i, s := range rest {
				v, err := url.PathUnescape(s)
				if err != nil {
					v = s
				}
				prm.set(names[i], v)
			}
			allow(rt.op, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				a.serveOp(w, r, rt.op, prm)
			}), http.MethodPost).ServeHTTP(w, r)
			return
		}
		notFound(w, r)
	})
}

// needsOwnSplit reports whether ServeMux would not route p as is: an API
// path with an empty or dot segment, or a trailing slash after the device.
// ("/api/login/" is routed by the mux: it is exactly "no device".)
func needsOwnSplit(p string) bool {
	if !strings.HasPrefix(p, "/api/") {
		return false
	}
	trimmed := strings.TrimSuffix(p, "/")
	if trimmed != p && strings.Count(p, "/") > 3 {
		return true
	}
	return path.Clean(trimmed) != trimmed
}

// allow answers methods other than methods with 405, an Allow header and the
// XML result (code 405).
func allow(op service.Op, h http.Handler, methods ...string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, m := range methods {
			if r.Method == m {
				h.ServeHTTP(w, r)
				return
			}
		}
		w.Header().Set("Allow", strings.Join(methods, ", "))
		res := service.Result{Op: op, Device: r.PathValue("device"), Code: service.CodeMethodNotAllowed,
			Text: "Method " + clipMethod(r.Method) + " not allowed"}
		respond(w, r, http.StatusMethodNotAllowed, res)
	})
}

func clipMethod(m string) string {
	if len(m) > 16 {
		return m[:16]
	}
	return m
}

// notFound answers unknown routes and extra path segments with HTTP 404 and
// code 404. The path is not echoed: it may hold a PIN.
func notFound(w http.ResponseWriter, r *http.Request) {
	respond(w, r, http.StatusNotFound, service.Result{Code: service.CodeNotFound, Text: "Unknown API route"})
}

// version answers getversioninfo (no credentials needed).
func (a *api) version(w http.ResponseWriter, r *http.Request) {
	if rec := recordFrom(r.Context()); rec != nil {
		rec.result, rec.status = service.ResultFor(service.Request{Op: service.OpVersion}, service.Outcome{}, nil), http.StatusOK
	}
	if wantsJSON(r.Header.Get("Accept")) {
		writeBody(w, http.StatusOK, contentJSON, versionJSON())
		return
	}
	writeBody(w, http.StatusOK, contentXML, []byte(versionXML))
}

// serveOp validates the path, decodes the credentials, runs the operation
// and answers; application outcomes are HTTP 200.
func (a *api) serveOp(w http.ResponseWriter, r *http.Request, op service.Op, p params) {
	req := service.Request{Op: op, Device: p.device, User: p.user, Cluster: p.cluster, PIN: p.pin}.Normalize()
	if err := req.Validate(); err != nil {
		respond(w, r, http.StatusOK, service.ResultFor(req, service.Outcome{}, err))
		return
	}
	cred, status, err := credentialsFrom(r, a.maxBody)
	if err != nil {
		respond(w, r, status, service.ResultFor(req, service.Outcome{}, err))
		return
	}
	var out service.Outcome
	switch op {
	case service.OpLogin:
		out, err = a.conn.Login(r.Context(), cred, req)
	case service.OpLogout:
		out, err = a.conn.Logout(r.Context(), cred, req)
	case service.OpLoggedInUser:
		out, err = a.conn.LoggedInUser(r.Context(), cred, req)
	}
	respond(w, r, http.StatusOK, service.ResultFor(req, out, err))
}
