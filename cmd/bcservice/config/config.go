// Package config reads bcservice's YAML configuration file (cmd/bcservice/README.md,
// "Configuration"): it decodes it key by key, fills in defaults, reports
// every problem by key and line in one go, and builds the runtime values the
// service's packages take (TLS configurations, emclient configurations,
// health targets, access lists), so that the domain never sees a file.
package config

import (
	"net/url"
	"strings"
	"time"

	"github.com/emconnector/emconnector/service"
	"github.com/emconnector/emconnector/service/emclient"
	"github.com/emconnector/emconnector/service/health"
	"github.com/emconnector/emconnector/service/history"
	"github.com/emconnector/emconnector/service/httpapi"
)

// Config is the bcservice configuration file. A key not listed here is a
// problem (unknown.go): a misspelt key must not silently turn a setting
// back to its default. A key that is absent
// takes its default (ApplyDefaults); a key that is present keeps its value,
// zero included, and Validate judges it.
type Config struct {
	Listen string `yaml:"listen"`
	// RequestTimeout is the deadline of one API request, CUCM round trips,
	// waits for a device or a concurrency slot and busy retries included.
	RequestTimeout time.Duration `yaml:"requestTimeout"`
	// MaxBodyBytes limits an API request body; larger bodies get HTTP 413.
	MaxBodyBytes int64        `yaml:"maxBodyBytes"`
	Server       ServerConfig `yaml:"server"`
	Log          LogConfig    `yaml:"log"`
	TLS          TLSConfig    `yaml:"tls"`
	Access       AccessConfig `yaml:"access"`
	Health       HealthConfig `yaml:"health"`
	// DeviceCache bounds the device-location cache (devices found by a
	// search, remembered with their cluster).
	DeviceCache DeviceCacheConfig `yaml:"deviceCache"`
	// History is the request history; off without a dsn.
	History HistoryConfig `yaml:"history"`
	// Coordination is local (the default) or postgres: share each
	// cluster's concurrency budget, the device locks and the dashboard
	// sessions with the other replicas through history.dsn's database.
	Coordination string `yaml:"coordination"`
	// Dashboard is the web dashboard's own listener; off when absent.
	Dashboard DashboardConfig `yaml:"dashboard"`
	// Schedules are bookings and sweeps; off when absent.
	Schedules SchedulesConfig `yaml:"schedules"`
	// Reports tunes the dashboard's usage reports.
	Reports  ReportsConfig `yaml:"reports"`
	Clusters []ClusterSpec `yaml:"clusters"`

	// set holds the keys present in the file (e.g. "clusters[0].timeout"),
	// lines the line of each key; both are nil for a Config built in code.
	set   map[string]bool
	lines map[string]int
}

// HealthConfig tunes /readyz: each check dials every CUCM node with
// DialTimeout and its answer is reused for CacheFor, so that frequent
// probes cost CUCM at most one TCP connection per node per period.
type HealthConfig struct {
	CacheFor    time.Duration `yaml:"cacheFor"`
	DialTimeout time.Duration `yaml:"dialTimeout"`
}

// DeviceCacheConfig is the device-location cache: how long a device's
// cluster is remembered and how many devices at most.
type DeviceCacheConfig struct {
	TTL  time.Duration `yaml:"ttl"`
	Size int           `yaml:"size"`
}

// HistoryConfig is the request history (cmd/bcservice/README.md, "Request history"):
// where it is kept, for how long, and how many rows may wait in memory
// while the database is slow or away.
type HistoryConfig struct {
	// DSN is sqlite:PATH or postgres://…; empty turns the history off.
	DSN       string        `yaml:"dsn"`
	Retention time.Duration `yaml:"retention"`
	QueueSize int           `yaml:"queueSize"`
	// FlushTimeout bounds the writing of the queued rows at shutdown, so
	// that a database that is away does not hold the exit.
	FlushTimeout time.Duration `yaml:"flushTimeout"`
	// RollupEvery is how often the usage reports' rollup job looks for
	// settled hours (service/history/rollup).
	RollupEvery time.Duration `yaml:"rollupEvery"`
}

// ServerConfig holds the HTTP server limits.
type ServerConfig struct {
	ReadHeaderTimeout time.Duration `yaml:"readHeaderTimeout"`
	ReadTimeout       time.Duration `yaml:"readTimeout"`
	WriteTimeout      time.Duration `yaml:"writeTimeout"`
	IdleTimeout       time.Duration `yaml:"idleTimeout"`
	MaxHeaderBytes    int           `yaml:"maxHeaderBytes"`
	// ShutdownTimeout bounds the drain of in-flight requests on SIGTERM.
	ShutdownTimeout time.Duration `yaml:"shutdownTimeout"`
	// DrainDelay is how long, after SIGTERM, the service keeps serving while
	// /readyz answers 503, before it stops accepting: a load balancer's
	// health checks take the replica out first, so that no request meets a
	// closing listener. 0 (the default) closes the listener at once.
	DrainDelay time.Duration `yaml:"drainDelay"`
	// HSTSMaxAge is the max-age of the Strict-Transport-Security header a
	// listener that serves TLS puts on every answer, so that a browser
	// never tries plain HTTP for the host again; 0 sends no header.
	HSTSMaxAge time.Duration `yaml:"hstsMaxAge"`
}

// LogConfig selects the slog level (debug, info, warn, error) and format
// (json, the default for a service whose logs go to a collector, or text).
type LogConfig struct {
	Level  string `yaml:"level"`
	Format string `yaml:"format"`
}

// TLSConfig makes the service serve HTTPS when CertFile and KeyFile are
// set. ClientCAFile and ClientAuth add client certificates (mutual TLS).
type TLSConfig struct {
	CertFile     string `yaml:"certFile"`
	KeyFile      string `yaml:"keyFile"`
	ClientCAFile string `yaml:"clientCAFile"`
	// ClientAuth is none, optional (a certificate is verified if one is
	// sent) or required. Every accepted certificate is verified against
	// ClientCAFile: there is no mode that takes an unverified certificate.
	// Default: required when ClientCAFile is set, else none. The older
	// spellings request (= optional), require and verify (= required) are
	// accepted as aliases.
	ClientAuth string `yaml:"clientAuth"`
}

// Enabled reports whether the service serves HTTPS.
func (t TLSConfig) Enabled() bool { return t.CertFile != "" }

// ClientAuthMode returns ClientAuth with the aliases resolved: none,
// optional or required ("" for an unknown value).
func (t TLSConfig) ClientAuthMode() string {
	switch strings.ToLower(t.ClientAuth) {
	case "none":
		return "none"
	case "optional", "request":
		return "optional"
	case "required", "require", "verify":
		return "required"
	}
	return ""
}

// AccessConfig is the `access` section: access.Config's lists.
type AccessConfig struct {
	Allow          []string `yaml:"allow"`
	Deny           []string `yaml:"deny"`
	TrustedProxies []string `yaml:"trustedProxies"`
}

// ClusterSpec configures one CUCM cluster.
type ClusterSpec struct {
	Code    string   `yaml:"code"`
	Name    string   `yaml:"name"`
	Default bool     `yaml:"default"`
	Nodes   []string `yaml:"nodes"`
	// AXL lists the AXL URLs for the PIN check; default: each node URL with
	// path /axl/.
	AXL []string `yaml:"axl"`
	// Timeout bounds one HTTP attempt to one node.
	Timeout time.Duration `yaml:"timeout"`
	// MaxConcurrentRequests limits concurrent login/logout requests towards
	// the cluster (CUCM's "Maximum Concurrent Requests", default 5).
	MaxConcurrentRequests int `yaml:"maxConcurrentRequests"`
	// MaxQueue bounds how many login/logout requests wait for a slot; more
	// get 1011 at once (0: none wait).
	MaxQueue int `yaml:"maxQueue"`
	// CAFile is a PEM bundle trusted for https nodes (when set, only these
	// CAs are trusted).
	CAFile             string `yaml:"caFile"`
	InsecureSkipVerify bool   `yaml:"insecureSkipVerify"`
	// BreakerFailures consecutive transport failures open a node's breaker
	// for BreakerCooldown; then one probe is let through.
	BreakerFailures int           `yaml:"breakerFailures"`
	BreakerCooldown time.Duration `yaml:"breakerCooldown"`
	// BusyRetryBase and BusyRetryMax shape the exponential backoff (with
	// jitter) after CUCM's busy code 26, within the request deadline.
	BusyRetryBase time.Duration `yaml:"busyRetryBase"`
	BusyRetryMax  time.Duration `yaml:"busyRetryMax"`
	// ClearCallHistory is onLogout (every logout resets the device through
	// AXL doDeviceReset, so the next user does not see the call history;
	// a request may say otherwise) or never (the default: only on request).
	ClearCallHistory string `yaml:"clearCallHistory"`
	// AXLUser authenticates doDeviceReset, with its password read from
	// AXLPasswordFile or the environment variable AXLPasswordEnv; without
	// it the request's own app user is used.
	AXLUser         string `yaml:"axlUser"`
	AXLPasswordFile string `yaml:"axlPasswordFile"`
	AXLPasswordEnv  string `yaml:"axlPasswordEnv"`
}

// Values of clusters[].clearCallHistory.
const (
	ClearOnLogout = "onLogout"
	ClearNever    = "never"
)

// Defaults (cmd/bcservice/README.md, "Configuration keys", lists them). The HTTP layer's and the cluster
// client's come from the packages that use them.
const (
	DefaultListen                = "127.0.0.1:8080"
	DefaultRequestTimeout        = service.DefaultRequestTimeout
	DefaultMaxBodyBytes          = httpapi.DefaultMaxBodyBytes
	DefaultReadHeaderTimeout     = 5 * time.Second
	DefaultReadTimeout           = 15 * time.Second
	DefaultWriteTimeout          = 20 * time.Second
	DefaultIdleTimeout           = 60 * time.Second
	DefaultMaxHeaderBytes        = 64 << 10
	DefaultShutdownTimeout       = 15 * time.Second
	DefaultHSTSMaxAge            = 365 * 24 * time.Hour
	DefaultNodeTimeout           = emclient.DefaultTimeout
	DefaultMaxConcurrentRequests = emclient.DefaultMaxConcurrentRequests
	DefaultMaxQueue              = emclient.DefaultMaxQueue
	DefaultBreakerFailures       = emclient.DefaultBreakerFailures
	DefaultBreakerCooldown       = emclient.DefaultBreakerCooldown
	DefaultBusyRetryBase         = emclient.DefaultBusyRetryBase
	DefaultBusyRetryMax          = emclient.DefaultBusyRetryMax
	DefaultHealthCacheFor        = health.DefaultCacheFor
	DefaultHealthDialTimeout     = health.DefaultDialTimeout
	DefaultDeviceCacheTTL        = service.DefaultLocationTTL
	DefaultDeviceCacheSize       = service.DefaultLocationSize
	// MaxDeviceCacheSize bounds deviceCache.size (about 200 bytes a device).
	MaxDeviceCacheSize      = 10_000_000
	DefaultHistoryRetention = history.DefaultRetention
	DefaultHistoryQueueSize = history.DefaultQueueSize
	DefaultHistoryFlush     = 5 * time.Second
	DefaultRollupEvery      = time.Minute
	MaxRollupEvery          = time.Hour
	// MinHistoryRetention: a shorter history would be purged faster than
	// anyone looks at it. MaxHistoryQueueSize bounds the memory held
	// (about 300 bytes a row).
	MinHistoryRetention = time.Hour
	MaxHistoryQueueSize = 1_000_000
)

// ApplyDefaults gives every absent key its default. In a Config built in
// code (not read from a file) every zero value counts as absent.
func (c *Config) ApplyDefaults() {
	setDefault(c, &c.Listen, "listen", DefaultListen)
	setDefault(c, &c.RequestTimeout, "requestTimeout", DefaultRequestTimeout)
	setDefault(c, &c.MaxBodyBytes, "maxBodyBytes", DefaultMaxBodyBytes)
	setDefault(c, &c.Server.ReadHeaderTimeout, "server.readHeaderTimeout", DefaultReadHeaderTimeout)
	setDefault(c, &c.Server.ReadTimeout, "server.readTimeout", DefaultReadTimeout)
	setDefault(c, &c.Server.WriteTimeout, "server.writeTimeout", DefaultWriteTimeout)
	setDefault(c, &c.Server.IdleTimeout, "server.idleTimeout", DefaultIdleTimeout)
	setDefault(c, &c.Server.MaxHeaderBytes, "server.maxHeaderBytes", DefaultMaxHeaderBytes)
	setDefault(c, &c.Server.ShutdownTimeout, "server.shutdownTimeout", DefaultShutdownTimeout)
	setDefault(c, &c.Server.HSTSMaxAge, "server.hstsMaxAge", DefaultHSTSMaxAge)
	setDefault(c, &c.Health.CacheFor, "health.cacheFor", DefaultHealthCacheFor)
	setDefault(c, &c.Health.DialTimeout, "health.dialTimeout", DefaultHealthDialTimeout)
	setDefault(c, &c.DeviceCache.TTL, "deviceCache.ttl", DefaultDeviceCacheTTL)
	setDefault(c, &c.DeviceCache.Size, "deviceCache.size", DefaultDeviceCacheSize)
	setDefault(c, &c.History.Retention, "history.retention", DefaultHistoryRetention)
	setDefault(c, &c.History.QueueSize, "history.queueSize", DefaultHistoryQueueSize)
	setDefault(c, &c.History.FlushTimeout, "history.flushTimeout", DefaultHistoryFlush)
	setDefault(c, &c.History.RollupEvery, "history.rollupEvery", DefaultRollupEvery)
	c.dashboardDefaults()
	c.schedulesDefaults()
	setDefault(c, &c.Log.Level, "log.level", "info")
	setDefault(c, &c.Log.Format, "log.format", "json")
	if c.TLS.ClientCAFile != "" {
		// A configured client CA means mutual TLS was intended.
		setDefault(c, &c.TLS.ClientAuth, "tls.clientAuth", "required")
	}
	setDefault(c, &c.TLS.ClientAuth, "tls.clientAuth", "none")
	for i := range c.Clusters {
		cl := &c.Clusters[i]
		key := func(name string) string { return clusterKey(i, name) }
		setDefault(c, &cl.Timeout, key("timeout"), DefaultNodeTimeout)
		setDefault(c, &cl.MaxConcurrentRequests, key("maxConcurrentRequests"), DefaultMaxConcurrentRequests)
		setDefault(c, &cl.MaxQueue, key("maxQueue"), DefaultMaxQueue)
		setDefault(c, &cl.BreakerFailures, key("breakerFailures"), DefaultBreakerFailures)
		setDefault(c, &cl.BreakerCooldown, key("breakerCooldown"), DefaultBreakerCooldown)
		setDefault(c, &cl.BusyRetryBase, key("busyRetryBase"), DefaultBusyRetryBase)
		setDefault(c, &cl.BusyRetryMax, key("busyRetryMax"), DefaultBusyRetryMax)
		setDefault(c, &cl.ClearCallHistory, key("clearCallHistory"), ClearNever)
		if len(cl.AXL) == 0 {
			cl.AXL = defaultAXL(cl.Nodes)
		}
	}
}

// setDefault sets *p to def when key is absent and *p is zero.
func setDefault[T comparable](c *Config, p *T, key string, def T) {
	var zero T
	if !c.set[key] && *p == zero {
		*p = def
	}
}

// defaultAXL is each valid node URL with path /axl/ (an invalid one is
// reported as a node).
func defaultAXL(nodes []string) []string {
	var out []string
	for _, n := range nodes {
		if u, err := url.Parse(n); err == nil && checkURL(n) == nil {
			u.Path, u.RawQuery = "/axl/", ""
			out = append(out, u.String())
		}
	}
	return out
}

// DefaultCluster returns the code of the default cluster, or "".
func (c *Config) DefaultCluster() string {
	for _, cl := range c.Clusters {
		if cl.Default {
			return cl.Code
		}
	}
	return ""
}
