// Package httpapi is the HTTP adapter of the Business Connector API
// (cmd/bcservice/README.md, "API"): it decodes the path and the `xml` parameter, calls
// the service.Connector and encodes the result. Rules live in package
// service; this package only translates.
package httpapi

import (
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/emconnector/emconnector/service"
	"github.com/emconnector/emconnector/service/access"
	"github.com/emconnector/emconnector/service/health"
)

// DefaultMaxBodyBytes bounds a request body when the configuration does
// not (server.maxBodyBytes).
const DefaultMaxBodyBytes = 64 << 10

// Options configure the handler; zero values take the service defaults.
type Options struct {
	Logger         *slog.Logger
	RequestTimeout time.Duration
	MaxBodyBytes   int64
	// Access is the IP allow/deny policy; nil allows everybody and ignores
	// X-Forwarded-For.
	Access *access.Policy
	// Metrics serves /metrics (the process's registry); nil answers 404
	// there. The observations are an Event consumer, wired by the caller.
	Metrics http.Handler
	// Build is this program's own version, reported in the X-BC-Build
	// header of getversioninfo (never in <appversion>); "" sends "dev".
	Build string
	// Health answers /readyz; nil is always ready (no clusters to check).
	Health *health.Checker
	// Draining, when it reports true, makes /readyz answer 503 "draining"
	// whatever CUCM's state (the service is about to stop); nil never drains.
	Draining func() bool
}

// api holds the connector and the limits the handlers need.
type api struct {
	conn     *service.Connector
	maxBody  int64
	health   *health.Checker
	draining func() bool
	metrics  http.Handler
	build    string
}

// Route is one registered ServeMux pattern and the methods it answers
// (others get 405; HEAD wherever GET). Routes lists them for the OpenAPI check.
type Route struct {
	Pattern string
	Methods []string
	// Op is the operation served ("" for the operations endpoints).
	Op service.Op
	// n is how many path parameters the pattern carries.
	n int
}

// Routes returns every route New serves, in registration order: for each
// operation of service.Operations its path and every shorter form (down to
// "no parameter at all", /api/op and /api/op/), then the operations
// endpoints. The catch-all 404 is not a route.
func Routes() []Route {
	var out []Route
	for _, op := range service.Operations() {
		params := op.Params()
		methods := withHead(op.Methods)
		if len(params) == 0 {
			out = append(out, Route{Pattern: op.Path, Methods: methods, Op: op.Op})
			continue
		}
		base := op.Base()
		out = append(out, Route{base, methods, op.Op, 0}, Route{base + "/{$}", methods, op.Op, 0})
		pattern := base
		for i, p := range params {
			pattern += "/{" + string(p) + "}"
			out = append(out, Route{pattern, methods, op.Op, i + 1})
		}
	}
	get := withHead([]string{http.MethodGet})
	return append(out,
		Route{Pattern: "/healthz", Methods: get},
		Route{Pattern: "/readyz", Methods: get},
		Route{Pattern: "/metrics", Methods: get},
		Route{Pattern: "/openapi.yaml", Methods: get},
	)
}

// withHead adds HEAD after GET when methods serve GET: RFC 9110 §9.1 wants
// HEAD wherever GET works (load balancers probe with it). The GET handler
// answers it; net/http sends the headers, Content-Length included, and
// drops the body.
func withHead(methods []string) []string {
	i := slices.Index(methods, http.MethodGet)
	if i < 0 || slices.Contains(methods, http.MethodHead) {
		return methods
	}
	return slices.Insert(slices.Clone(methods), i+1, http.MethodHead)
}

// New returns the API handler wrapped in its middleware chain: request id
// and the request's service.Exchange (whose Event the connector emits once
// the answer is sent), panic recovery, access lists, request deadline, body
// limit, then the canonical-path guard and the ServeMux.
func New(conn *service.Connector, opts Options) http.Handler {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.RequestTimeout <= 0 {
		opts.RequestTimeout = service.DefaultRequestTimeout
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = DefaultMaxBodyBytes
	}
	if opts.Metrics == nil {
		opts.Metrics = http.NotFoundHandler()
	}
	if opts.Build == "" {
		opts.Build = "dev"
	}
	if opts.Health == nil {
		opts.Health = health.NewChecker(nil, health.Options{})
	}
	if opts.Access == nil {
		opts.Access, _ = access.New(access.Config{}) // empty lists never fail
	}
	a := &api{conn: conn, maxBody: opts.MaxBodyBytes, health: opts.Health, draining: opts.Draining, metrics: opts.Metrics, build: opts.Build}
	return Chain(a.mux(),
		Exchange(conn, opts.Logger),
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
	ops := map[string]http.Handler{
		"/healthz":      http.HandlerFunc(healthz),
		"/readyz":       http.HandlerFunc(a.readyz),
		"/metrics":      a.metrics,
		"/openapi.yaml": http.HandlerFunc(openAPI),
	}
	for _, rt := range Routes() {
		h := ops[rt.Pattern]
		if rt.Op != "" {
			h = a.opHandler(rt)
		}
		m.Handle(rt.Pattern, allow(rt.Op, h, rt.Methods...))
	}
	m.HandleFunc("/", notFound)
	return m
}

// opHandler serves rt with its path parameters taken from the mux.
func (a *api) opHandler(rt Route) http.Handler {
	op, _ := service.Lookup(rt.Op)
	params := op.Params()[:rt.n]
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		req := service.Request{Op: rt.Op}
		for _, p := range params {
			req.Set(p, r.PathValue(string(p)))
		}
		a.serveOp(w, r, op, req)
	})
}

// canonicalPaths handles API paths that ServeMux would answer with a
// redirect to a cleaned path (empty segments such as /api/login//U, a
// trailing slash, dot segments): redirecting a POST that carries
// credentials to a different operation target would be wrong. Such a path is
// split on "/" itself, with the segment names of the operation table; an
// empty segment is an empty parameter (so an empty device is "Device ID
// empty", an empty user 1005, an empty cluster or PIN "not given"). Too many
// segments: 404.
func (a *api) canonicalPaths(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !needsOwnSplit(r.URL.Path) {
			next.ServeHTTP(w, r)
			return
		}
		op, ok := service.Lookup(service.OpOfPath(r.URL.Path))
		if !ok || len(op.Params()) == 0 {
			notFound(w, r)
			return
		}
		rest := strings.Split(strings.TrimPrefix(r.URL.EscapedPath(), op.Base()+"/"), "/")
		if rest[len(rest)-1] == "" {
			rest = rest[:len(rest)-1] // trailing slash
		}
		params := op.Params()
		if len(rest) > len(params) {
			notFound(w, r)
			return
		}
		req := service.Request{Op: op.Op}
		for i, s := range rest {
			v, err := url.PathUnescape(s)
			if err != nil {
				v = s
			}
			req.Set(params[i], v)
		}
		allow(op.Op, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			a.serveOp(w, r, op, req)
		}), withHead(op.Methods)...).ServeHTTP(w, r)
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

// serveOp answers one operation: getversioninfo directly; the others are
// validated (path first, then the credentials of the `xml` parameter) and
// carried out by the connector. Application outcomes are HTTP 200.
func (a *api) serveOp(w http.ResponseWriter, r *http.Request, op service.Operation, req service.Request) {
	req = req.Normalize()
	if op.Op == service.OpVersion {
		a.version(w, r, req)
		return
	}
	if err := req.Validate(); err != nil {
		respond(w, r, http.StatusOK, service.ResultFor(req, service.Found{}, err))
		return
	}
	msg, status, err := messageFrom(r, a.maxBody)
	if err != nil {
		respond(w, r, status, service.ResultFor(req, service.Found{}, err))
		return
	}
	for _, o := range msg.options {
		if !slices.Contains(op.Options, o.Name) {
			continue // an option of another operation: ignored (cmd/bcservice/README.md, "Request options")
		}
		if err := req.SetOption(o.Name, o.Value); err != nil {
			respond(w, r, http.StatusOK, service.ResultFor(req, service.Found{}, err))
			return
		}
	}
	respond(w, r, http.StatusOK, a.conn.Serve(r.Context(), msg.cred, req))
}

// version answers getversioninfo (no credentials needed).
func (a *api) version(w http.ResponseWriter, r *http.Request, req service.Request) {
	service.ExchangeFrom(r.Context()).Answered(service.ResultFor(req, service.Found{}, nil), http.StatusOK)
	w.Header().Set("X-BC-Build", a.build)
	if wantsJSON(r.Header.Get("Accept")) {
		writeBody(w, http.StatusOK, contentJSON, versionJSON())
		return
	}
	writeBody(w, http.StatusOK, contentXML, []byte(versionXML))
}
