package service

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"maps"
	"net"
	"net/url"
	"os"
	"slices"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Config is the bcservice configuration file (README.md,
// "Configuration"). Keys not listed here are ignored (the design contract
// allows extra keys). Zero values mean "use the default"; ApplyDefaults
// fills them in and Validate checks the result.
type Config struct {
	Listen string `yaml:"listen"`
	// RequestTimeout is the deadline of one API request, CUCM round trips,
	// waits for a device or a concurrency slot and busy retries included.
	RequestTimeout time.Duration `yaml:"requestTimeout"`
	// MaxBodyBytes limits an API request body; larger bodies get HTTP 413.
	MaxBodyBytes int64         `yaml:"maxBodyBytes"`
	Server       ServerConfig  `yaml:"server"`
	Log          LogConfig     `yaml:"log"`
	TLS          TLSConfig     `yaml:"tls"`
	Access       AccessConfig  `yaml:"access"`
	Health       HealthConfig  `yaml:"health"`
	Clusters     []ClusterSpec `yaml:"clusters"`
}

// HealthConfig tunes /readyz: each check dials every CUCM node with
// DialTimeout and its answer is reused for CacheFor, so that frequent
// probes cost CUCM at most one TCP connection per node per period.
type HealthConfig struct {
	CacheFor    time.Duration `yaml:"cacheFor"`
	DialTimeout time.Duration `yaml:"dialTimeout"`
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

// AccessConfig lists IP addresses or CIDR prefixes (AccessPolicy enforces
// them): deny wins, an empty allow list allows all, and X-Forwarded-For is
// believed only from TrustedProxies.
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
	// get 1011 at once.
	MaxQueue int `yaml:"maxQueue"`
	// CAFile is a PEM bundle trusted for https nodes (in addition to none:
	// when set, only these CAs are trusted).
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
}

// Defaults (README.md lists them).
const (
	DefaultListen                = "127.0.0.1:8080"
	DefaultRequestTimeout        = 10 * time.Second
	DefaultMaxBodyBytes          = 64 << 10
	DefaultReadHeaderTimeout     = 5 * time.Second
	DefaultReadTimeout           = 15 * time.Second
	DefaultWriteTimeout          = 20 * time.Second
	DefaultIdleTimeout           = 60 * time.Second
	DefaultMaxHeaderBytes        = 64 << 10
	DefaultShutdownTimeout       = 15 * time.Second
	DefaultNodeTimeout           = 5 * time.Second
	DefaultMaxConcurrentRequests = 5
	DefaultMaxQueue              = 100
	DefaultBreakerFailures       = 3
	DefaultBreakerCooldown       = 5 * time.Second
	DefaultBusyRetryBase         = 100 * time.Millisecond
	DefaultBusyRetryMax          = 2 * time.Second
	DefaultHealthCacheFor        = 2 * time.Second
	DefaultHealthDialTimeout     = time.Second
)

// LoadConfig reads, defaults and validates the YAML file at path.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	cfg, err := ParseConfig(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return cfg, nil
}

// ParseConfig decodes YAML and applies defaults; it does not validate, so
// that command-line overrides can be applied before Validate.
func ParseConfig(data []byte) (*Config, error) {
	var cfg Config
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&cfg); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, errors.New("empty configuration")
		}
		return nil, err
	}
	cfg.ApplyDefaults()
	return &cfg, nil
}

// ApplyDefaults fills every zero value with its default.
func (c *Config) ApplyDefaults() {
	setDefault(&c.Listen, DefaultListen)
	setDefault(&c.RequestTimeout, DefaultRequestTimeout)
	setDefault(&c.MaxBodyBytes, DefaultMaxBodyBytes)
	setDefault(&c.Server.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	setDefault(&c.Server.ReadTimeout, DefaultReadTimeout)
	setDefault(&c.Server.WriteTimeout, DefaultWriteTimeout)
	setDefault(&c.Server.IdleTimeout, DefaultIdleTimeout)
	setDefault(&c.Server.MaxHeaderBytes, DefaultMaxHeaderBytes)
	setDefault(&c.Server.ShutdownTimeout, DefaultShutdownTimeout)
	setDefault(&c.Health.CacheFor, DefaultHealthCacheFor)
	setDefault(&c.Health.DialTimeout, DefaultHealthDialTimeout)
	setDefault(&c.Log.Level, "info")
	setDefault(&c.Log.Format, "json")
	if c.TLS.ClientCAFile != "" {
		// A configured client CA means mutual TLS was intended.
		setDefault(&c.TLS.ClientAuth, "required")
	}
	setDefault(&c.TLS.ClientAuth, "none")
	for i := range c.Clusters {
		cl := &c.Clusters[i]
		setDefault(&cl.Timeout, DefaultNodeTimeout)
		setDefault(&cl.MaxConcurrentRequests, DefaultMaxConcurrentRequests)
		setDefault(&cl.MaxQueue, DefaultMaxQueue)
		setDefault(&cl.BreakerFailures, DefaultBreakerFailures)
		setDefault(&cl.BreakerCooldown, DefaultBreakerCooldown)
		setDefault(&cl.BusyRetryBase, DefaultBusyRetryBase)
		setDefault(&cl.BusyRetryMax, DefaultBusyRetryMax)
		if len(cl.AXL) == 0 {
			for _, n := range cl.Nodes {
				if u, err := url.Parse(n); err == nil {
					u.Path, u.RawQuery = "/axl/", ""
					cl.AXL = append(cl.AXL, u.String())
				}
			}
		}
	}
}

func setDefault[T comparable](p *T, def T) {
	var zero T
	if *p == zero {
		*p = def
	}
}

// Validate checks the configuration; the error names the offending key,
// e.g. `clusters[1].nodes[0]: "ftp://x": scheme must be http or https`.
func (c *Config) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", key, fmt.Sprintf(format, args...)))
	}
	if _, _, err := net.SplitHostPort(c.Listen); err != nil {
		bad("listen", "%q is not host:port", c.Listen)
	}
	positive := map[string]time.Duration{
		"requestTimeout":           c.RequestTimeout,
		"server.readHeaderTimeout": c.Server.ReadHeaderTimeout,
		"server.readTimeout":       c.Server.ReadTimeout,
		"server.writeTimeout":      c.Server.WriteTimeout,
		"server.idleTimeout":       c.Server.IdleTimeout,
		"server.shutdownTimeout":   c.Server.ShutdownTimeout,
		"health.cacheFor":          c.Health.CacheFor,
		"health.dialTimeout":       c.Health.DialTimeout,
	}
	for _, key := range slices.Sorted(maps.Keys(positive)) {
		checkDuration(bad, key, positive[key])
	}
	if c.Server.WriteTimeout <= c.RequestTimeout {
		bad("server.writeTimeout", "must be longer than requestTimeout (%s), or answers are cut off", c.RequestTimeout)
	}
	if c.MaxBodyBytes < 1 {
		bad("maxBodyBytes", "must be positive")
	}
	if c.Server.MaxHeaderBytes < 1 {
		bad("server.maxHeaderBytes", "must be positive")
	}
	switch strings.ToLower(c.Log.Level) {
	case "debug", "info", "warn", "error":
	default:
		bad("log.level", "%q must be debug, info, warn or error", c.Log.Level)
	}
	switch c.Log.Format {
	case "text", "json":
	default:
		bad("log.format", "%q must be text or json", c.Log.Format)
	}
	c.validateTLS(bad)
	lists := []struct {
		key  string
		list []string
	}{{"access.allow", c.Access.Allow}, {"access.deny", c.Access.Deny}, {"access.trustedProxies", c.Access.TrustedProxies}}
	for _, l := range lists {
		for i, s := range l.list {
			if !validPrefix(s) {
				bad(fmt.Sprintf("%s[%d]", l.key, i), "%q is not an IP address or CIDR prefix", s)
			}
		}
	}
	if len(c.Clusters) == 0 {
		bad("clusters", "at least one cluster is required")
	}
	seen := map[string]bool{}
	defaults := 0
	for i := range c.Clusters {
		cl := &c.Clusters[i]
		key := fmt.Sprintf("clusters[%d]", i)
		if !ValidClusterCode(cl.Code) {
			bad(key+".code", "%q must be 1-32 characters of A-Z a-z 0-9 _ -", cl.Code)
		} else if seen[strings.ToUpper(cl.Code)] {
			bad(key+".code", "duplicate cluster code %q (codes match case-insensitively)", cl.Code)
		}
		seen[strings.ToUpper(cl.Code)] = true
		if cl.Default {
			defaults++
			if defaults > 1 {
				bad(key+".default", "only one cluster may be the default")
			}
		}
		if len(cl.Nodes) == 0 {
			bad(key+".nodes", "at least one node URL is required")
		}
		for j, n := range cl.Nodes {
			if err := checkURL(n); err != nil {
				bad(fmt.Sprintf("%s.nodes[%d]", key, j), "%v", err)
			}
		}
		for j, n := range cl.AXL {
			if err := checkURL(n); err != nil {
				bad(fmt.Sprintf("%s.axl[%d]", key, j), "%v", err)
			}
		}
		checkDuration(bad, key+".timeout", cl.Timeout)
		checkDuration(bad, key+".breakerCooldown", cl.BreakerCooldown)
		checkDuration(bad, key+".busyRetryBase", cl.BusyRetryBase)
		checkDuration(bad, key+".busyRetryMax", cl.BusyRetryMax)
		if cl.MaxConcurrentRequests < 1 || cl.MaxConcurrentRequests > 100 {
			bad(key+".maxConcurrentRequests", "%d must be 1..100 (CUCM's range)", cl.MaxConcurrentRequests)
		}
		if cl.MaxQueue < 0 {
			bad(key+".maxQueue", "must not be negative")
		}
		if cl.BreakerFailures < 1 {
			bad(key+".breakerFailures", "must be at least 1")
		}
		if cl.CAFile != "" {
			if _, err := LoadCAPool(cl.CAFile); err != nil {
				bad(key+".caFile", "%v", err)
			}
		}
	}
	return errors.Join(errs...)
}

func (c *Config) validateTLS(bad func(key, format string, args ...any)) {
	t := c.TLS
	if (t.CertFile == "") != (t.KeyFile == "") {
		bad("tls", "certFile and keyFile must be given together")
	}
	files := []struct{ key, path string }{{"tls.certFile", t.CertFile}, {"tls.keyFile", t.KeyFile}, {"tls.clientCAFile", t.ClientCAFile}}
	for _, f := range files {
		if f.path == "" {
			continue
		}
		if _, err := os.Stat(f.path); err != nil {
			bad(f.key, "%v", err)
		}
	}
	mode := t.ClientAuthMode()
	switch {
	case mode == "":
		bad("tls.clientAuth", "%q must be none, optional or required", t.ClientAuth)
	case mode != "none" && t.ClientCAFile == "":
		bad("tls.clientAuth", "%s needs tls.clientCAFile (client certificates are always verified)", mode)
	}
	if t.ClientCAFile != "" && !t.Enabled() {
		bad("tls.clientCAFile", "client certificates need tls.certFile and tls.keyFile")
	}
	if fileExists(t.CertFile) && fileExists(t.KeyFile) {
		if _, err := tls.LoadX509KeyPair(t.CertFile, t.KeyFile); err != nil {
			bad("tls", "certificate and key: %v", err)
		}
	}
	if t.ClientCAFile != "" {
		if fileExists(t.ClientCAFile) {
			if _, err := LoadCAPool(t.ClientCAFile); err != nil {
				bad("tls.clientCAFile", "%v", err)
			}
		}
	}
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

// LoadCAPool reads a PEM CA bundle.
func LoadCAPool(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s: no PEM certificate found", path)
	}
	return pool, nil
}

// checkDuration rejects non-positive and implausibly small durations: a bare
// number in YAML decodes as nanoseconds, which is never what was meant.
func checkDuration(bad func(key, format string, args ...any), key string, d time.Duration) {
	if d < time.Millisecond {
		bad(key, "%s is too small: write a duration with a unit, e.g. 5s", d)
	}
}

func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil {
		return fmt.Errorf("%q is not a URL", s)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("%q: scheme must be http or https", s)
	}
	if u.Host == "" {
		return fmt.Errorf("%q: host missing", s)
	}
	if u.User != nil {
		return fmt.Errorf("%q: credentials in URLs are not allowed (they come from each request)", u.Redacted())
	}
	return nil
}

func validPrefix(s string) bool {
	_, ok := parsePrefix(s)
	return ok
}

func fileExists(path string) bool {
	if path == "" {
		return false
	}
	_, err := os.Stat(path)
	return err == nil
}
