// Package dashboard is the HTTP adapter of the Business Connector's web
// dashboard (cmd/bcservice/README.md, "Dashboard"): server-rendered pages over the
// request history and the cluster clients' state, a JSON and CSV view of
// the history, and operator actions (a device logout) carried out through
// the Connector with the dashboard's own EM app user. It has its own
// listener, its own users (bcrypt hashes), sessions and sign-in throttle.
package dashboard

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/emconnector/emconnector/service"
	"github.com/emconnector/emconnector/service/access"
	"github.com/emconnector/emconnector/service/health"
	"github.com/emconnector/emconnector/service/history"
	"github.com/emconnector/emconnector/service/history/report"
	"github.com/emconnector/emconnector/service/websession"
)

// Roles a User may have: a viewer reads, an operator also acts.
const (
	RoleViewer   = "viewer"
	RoleOperator = "operator"
)

// User may sign in to the dashboard.
type User struct {
	Name string
	Role string
	// Hash is the bcrypt hash of the password.
	Hash string
}

// Connector runs an operation for the dashboard and emits its Event
// (service.Connector).
type Connector = service.Server

// Options configure a dashboard; Users, Store, Conn and Cred are required.
type Options struct {
	Users []User
	// Store is the request history the pages read.
	Store history.Store
	// Conn and Cred carry out operator actions and "check now".
	Conn Connector
	Cred service.Credentials
	// Access is the API's access lists; nil admits every client.
	Access *access.Policy
	// Clusters, Health and Writer feed the status page; each may be nil.
	Clusters func() []ClusterStats
	Health   func(ctx context.Context) health.Report
	Writer   func() history.Stats
	// Coordination is the state of the coordination with the other
	// replicas; nil when this process is alone.
	Coordination func() Coordination
	// Recent feeds the status page's charts (NewRecent); the caller makes
	// it a consumer of the Events and runs its Backfill. nil: an empty one
	// that nothing feeds.
	Recent *Recent
	// Bookings feed the Schedules page; nil when the service has no
	// schedules section.
	Bookings Bookings
	// Sweeps feed the Schedules page's Sweeps section (sweeps.go); nil
	// when no sweep is configured.
	Sweeps Sweeps
	// Version and Started are shown on the status page.
	Version string
	Started time.Time
	// Sessions keeps the sessions; nil keeps them in memory
	// (websession.NewMemory). A store given here applies its own timeouts.
	Sessions websession.Store
	// SessionIdle and SessionAbsolute bound an in-memory session
	// (defaults 30m, 12h).
	SessionIdle, SessionAbsolute time.Duration
	// StatusRefresh is how often the status page fetches itself (default
	// 30 s).
	StatusRefresh time.Duration
	// Throttle tunes the sign-in throttle; zero values take the defaults.
	Throttle ThrottleOptions
	// BcryptWorkers bound the sign-ins' bcrypt comparisons running at once
	// (default half the CPUs, at least one) and BcryptQueue those waiting
	// (default 4 per worker); a sign-in finding both full gets 503.
	BcryptWorkers, BcryptQueue int
	// ReportZone is the reports' default time zone (nil: the server's);
	// BusinessHours, when set, measure the devices' utilisation.
	ReportZone    *time.Location
	BusinessHours *report.BusinessHours
	// Logger gets the audit events and warnings; nil discards them.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// Dashboard is the dashboard's http.Handler.
type Dashboard struct {
	opts     Options
	users    map[string]User
	dummy    []byte // hash compared for unknown users, so they cost the same
	sessions websession.Store
	throttle *throttle
	hashes   *hashPool
	pages    *pages
	log      *slog.Logger
	mux      *http.ServeMux
	handler  http.Handler
	// reports bounds the usage reports computed at once (reports.go).
	reports chan struct{}
}

// New builds the dashboard.
func New(opts Options) (*Dashboard, error) {
	if len(opts.Users) == 0 || opts.Store == nil || opts.Conn == nil {
		return nil, errors.New("dashboard: users, a history store and a connector are required")
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.StatusRefresh <= 0 {
		opts.StatusRefresh = 30 * time.Second
	}
	if opts.SessionIdle <= 0 {
		opts.SessionIdle = 30 * time.Minute
	}
	if opts.SessionAbsolute <= 0 {
		opts.SessionAbsolute = 12 * time.Hour
	}
	if opts.Sessions == nil {
		opts.Sessions = websession.NewMemory(opts.SessionIdle, opts.SessionAbsolute, opts.Now)
	}
	if opts.Started.IsZero() {
		opts.Started = opts.Now()
	}
	if opts.Recent == nil {
		opts.Recent = NewRecent(opts.Started)
	}
	d := &Dashboard{
		opts:     opts,
		users:    make(map[string]User, len(opts.Users)),
		sessions: opts.Sessions,
		throttle: newThrottle(opts.Throttle, opts.Now),
		hashes:   newHashPool(opts.BcryptWorkers, opts.BcryptQueue),
		log:      opts.Logger,
		mux:      http.NewServeMux(),
		reports:  make(chan struct{}, maxReports),
	}
	for _, u := range opts.Users {
		if u.Role != RoleViewer && u.Role != RoleOperator {
			return nil, errors.New("dashboard: role must be viewer or operator")
		}
		d.users[u.Name] = u
	}
	var err error
	if d.dummy, err = dummyHash(opts.Users[0].Hash); err != nil {
		return nil, err
	}
	if d.pages, err = loadPages(); err != nil {
		return nil, err
	}
	d.routes()
	d.handler = d.secure(http.NewCrossOriginProtection().Handler(d.mux))
	return d, nil
}

// ServeHTTP implements http.Handler.
func (d *Dashboard) ServeHTTP(w http.ResponseWriter, r *http.Request) { d.handler.ServeHTTP(w, r) }

func (d *Dashboard) routes() {
	d.mux.Handle("GET /static/", staticFiles())
	d.mux.HandleFunc("GET /signin", d.signinForm)
	d.mux.HandleFunc("POST /signin", d.signin)
	d.mux.HandleFunc("POST /signout", d.signout)
	d.mux.Handle("GET /{$}", d.page(RoleViewer, d.status))
	d.mux.Handle("GET /history", d.page(RoleViewer, d.historyPage))
	d.mux.Handle("GET /devices/{device}", d.page(RoleViewer, d.devicePage))
	d.mux.Handle("POST /devices/{device}/check", d.page(RoleViewer, d.checkDevice))
	d.mux.Handle("GET /devices/{device}/logout", d.page(RoleOperator, d.confirmLogout))
	d.mux.Handle("POST /devices/{device}/logout", d.page(RoleOperator, d.logoutDevice))
	d.mux.Handle("GET /users/{user}", d.page(RoleViewer, d.userPage))
	d.mux.Handle("GET /schedules", d.page(RoleViewer, d.schedulesPage))
	d.mux.Handle("GET /schedules/devices/{device}", d.page(RoleViewer, d.dayPage))
	d.mux.Handle("POST /schedules/{id}/cancel", d.page(RoleOperator, d.cancelBooking))
	d.mux.Handle("POST /schedules/sweeps/{name}/preview", d.page(RoleOperator, d.previewSweep))
	d.mux.Handle("POST /schedules/sweeps/{name}/run", d.page(RoleOperator, d.runSweep))
	d.mux.Handle("GET /api/history", d.api(d.historyJSON))
	d.mux.Handle("GET /history.csv", d.api(d.historyCSV))
	d.reportRoutes()
}

// secure sets the security headers of every answer and applies the
// access lists before anything else is read.
func (d *Dashboard) secure(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cache-Control", "no-store")
		if !d.allowed(r) {
			http.Error(w, "Access denied", http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}
