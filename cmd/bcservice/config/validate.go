package config

import (
	"fmt"
	"maps"
	"net"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/emconnector/emconnector/service"
	"github.com/emconnector/emconnector/service/access"
)

// Validate checks the configuration; the error is Problems, each naming the
// offending key (and its line when read from a file), e.g.
// `clusters[1].nodes[0] (line 9): "ftp://x": scheme must be http or https`.
func (c *Config) Validate() error {
	if ps := c.problems(); len(ps) > 0 {
		return ps.sorted()
	}
	return nil
}

// checker collects the problems of one Validate.
type checker struct {
	c        *Config
	problems Problems
}

func (k *checker) bad(key, format string, args ...any) {
	k.problems = append(k.problems, Problem{Key: key, Line: k.c.lines[key], Msg: fmt.Sprintf(format, args...)})
}

func (c *Config) problems() Problems {
	k := &checker{c: c}
	if err := checkListen(c.Listen); err != nil {
		k.bad("listen", "%v", err)
	}
	k.positiveDurations()
	k.deviceCacheSize()
	k.serverTimes()
	k.sizes()
	k.logging()
	k.tls()
	k.history()
	k.coordination()
	k.dashboard()
	k.schedules()
	k.reports()
	k.access()
	k.clusters()
	return k.problems
}

// positiveDurations checks the timeouts and periods that must be positive.
func (k *checker) positiveDurations() {
	c := k.c
	positive := map[string]time.Duration{
		"requestTimeout":           c.RequestTimeout,
		"server.readHeaderTimeout": c.Server.ReadHeaderTimeout,
		"server.readTimeout":       c.Server.ReadTimeout,
		"server.writeTimeout":      c.Server.WriteTimeout,
		"server.idleTimeout":       c.Server.IdleTimeout,
		"server.shutdownTimeout":   c.Server.ShutdownTimeout,
		"health.cacheFor":          c.Health.CacheFor,
		"health.dialTimeout":       c.Health.DialTimeout,
		"deviceCache.ttl":          c.DeviceCache.TTL,
	}
	for _, key := range slices.Sorted(maps.Keys(positive)) {
		k.duration(key, positive[key])
	}
}

// deviceCacheSize checks the bound of the device cache.
func (k *checker) deviceCacheSize() {
	if size := k.c.DeviceCache.Size; size < 1 || size > MaxDeviceCacheSize {
		k.bad("deviceCache.size", "%d must be 1..%d", size, MaxDeviceCacheSize)
	}
}

// serverTimes checks the listener's times against each other and as they are sent: the
// write timeout longer than a request, the drain delay and the HSTS max-age.
func (k *checker) serverTimes() {
	c := k.c
	if c.Server.WriteTimeout <= c.RequestTimeout {
		k.bad("server.writeTimeout", "must be longer than requestTimeout (%s), or answers are cut off", c.RequestTimeout)
	}
	if c.Server.DrainDelay < 0 {
		k.bad("server.drainDelay", "must not be negative")
	}
	switch h := c.Server.HSTSMaxAge; {
	case h < 0:
		k.bad("server.hstsMaxAge", "must not be negative (0s sends no Strict-Transport-Security header)")
	case h%time.Second != 0:
		k.bad("server.hstsMaxAge", "%s is not whole seconds (max-age counts seconds)", h)
	}
}

// sizes checks the body and header limits.
func (k *checker) sizes() {
	if k.c.MaxBodyBytes < 1 {
		k.bad("maxBodyBytes", "must be positive")
	}
	if k.c.Server.MaxHeaderBytes < 1 {
		k.bad("server.maxHeaderBytes", "must be positive")
	}
}

// logging checks the log level and format.
func (k *checker) logging() {
	switch strings.ToLower(k.c.Log.Level) {
	case "debug", "info", "warn", "error":
	default:
		k.bad("log.level", "%q must be debug, info, warn or error", k.c.Log.Level)
	}
	switch k.c.Log.Format {
	case "text", "json":
	default:
		k.bad("log.format", "%q must be text or json", k.c.Log.Format)
	}
}

func (k *checker) access() {
	a := k.c.Access
	lists := []struct {
		key  string
		list []string
	}{{"access.allow", a.Allow}, {"access.deny", a.Deny}, {"access.trustedProxies", a.TrustedProxies}}
	for _, l := range lists {
		for i, s := range l.list {
			if !access.ValidEntry(s) {
				k.bad(fmt.Sprintf("%s[%d]", l.key, i), "%q is not an IP address or CIDR prefix", s)
			}
		}
	}
}

func (k *checker) clusters() {
	if len(k.c.Clusters) == 0 {
		k.bad("clusters", "at least one cluster is required")
	}
	seen := map[string]bool{}
	defaults := 0
	for i := range k.c.Clusters {
		cl := &k.c.Clusters[i]
		key := func(name string) string { return clusterKey(i, name) }
		if !service.ValidClusterCode(cl.Code) {
			k.bad(key("code"), "%q must be 1-32 characters of A-Z a-z 0-9 _ -", cl.Code)
		} else if seen[strings.ToUpper(cl.Code)] {
			k.bad(key("code"), "duplicate cluster code %q (codes match case-insensitively)", cl.Code)
		}
		seen[strings.ToUpper(cl.Code)] = true
		if cl.Default {
			defaults++
			if defaults > 1 {
				k.bad(key("default"), "only one cluster may be the default")
			}
		}
		if len(cl.Nodes) == 0 {
			k.bad(key("nodes"), "at least one node URL is required")
		}
		k.urls(key("nodes"), cl.Nodes)
		k.urls(key("axl"), cl.AXL)
		k.duration(key("timeout"), cl.Timeout)
		k.duration(key("breakerCooldown"), cl.BreakerCooldown)
		k.duration(key("busyRetryBase"), cl.BusyRetryBase)
		k.duration(key("busyRetryMax"), cl.BusyRetryMax)
		if cl.MaxConcurrentRequests < 1 || cl.MaxConcurrentRequests > 100 {
			k.bad(key("maxConcurrentRequests"), "%d must be 1..100 (CUCM's range)", cl.MaxConcurrentRequests)
		}
		if cl.MaxQueue < 0 {
			k.bad(key("maxQueue"), "must not be negative")
		}
		if cl.BreakerFailures < 1 {
			k.bad(key("breakerFailures"), "must be at least 1")
		}
		if cl.CAFile != "" {
			if _, err := LoadCAPool(cl.CAFile); err != nil {
				k.bad(key("caFile"), "%v", err)
			}
		}
		k.reset(i, cl)
	}
}

// reset checks the call-history keys of cluster i: the clearCallHistory
// value, and an axlUser with exactly one readable password source.
func (k *checker) reset(i int, cl *ClusterSpec) {
	key := func(name string) string { return clusterKey(i, name) }
	if cl.ClearCallHistory != ClearOnLogout && cl.ClearCallHistory != ClearNever {
		k.bad(key("clearCallHistory"), "%q must be %s or %s", cl.ClearCallHistory, ClearOnLogout, ClearNever)
	}
	hasFile, hasEnv := cl.AXLPasswordFile != "", cl.AXLPasswordEnv != ""
	switch {
	case cl.AXLUser == "" && (hasFile || hasEnv):
		k.bad(key("axlUser"), "a password source is given but no axlUser")
	case cl.AXLUser != "" && hasFile == hasEnv:
		k.bad(key("axlUser"), "needs exactly one of axlPasswordFile and axlPasswordEnv")
	case cl.AXLUser != "":
		if _, err := cl.axlPassword(); err != nil {
			k.bad(key("axlPasswordFile"), "%v", err)
		}
	}
}

func (k *checker) urls(key string, list []string) {
	for j, n := range list {
		if err := checkURL(n); err != nil {
			k.bad(fmt.Sprintf("%s[%d]", key, j), "%v", err)
		}
	}
}

func (k *checker) tls() {
	t := k.c.TLS
	if (t.CertFile == "") != (t.KeyFile == "") {
		k.bad("tls", "certFile and keyFile must be given together")
	}
	files := []struct{ key, path string }{{"tls.certFile", t.CertFile}, {"tls.keyFile", t.KeyFile}, {"tls.clientCAFile", t.ClientCAFile}}
	for _, f := range files {
		if f.path == "" {
			continue
		}
		if _, err := os.Stat(f.path); err != nil {
			k.bad(f.key, "%v", err)
		}
	}
	mode := t.ClientAuthMode()
	switch {
	case mode == "":
		k.bad("tls.clientAuth", "%q must be none, optional or required", t.ClientAuth)
	case mode != "none" && t.ClientCAFile == "":
		k.bad("tls.clientAuth", "%s needs tls.clientCAFile (client certificates are always verified)", mode)
	}
	if t.ClientCAFile != "" && !t.Enabled() {
		k.bad("tls.clientCAFile", "client certificates need tls.certFile and tls.keyFile")
	}
	if fileExists(t.CertFile) && fileExists(t.KeyFile) {
		if _, err := loadKeyPair(t); err != nil {
			k.bad("tls", "certificate and key: %v", err)
		}
	}
	if fileExists(t.ClientCAFile) {
		if _, err := LoadCAPool(t.ClientCAFile); err != nil {
			k.bad("tls.clientCAFile", "%v", err)
		}
	}
}

// duration refuses durations under 1ms: no setting of the service means
// anything that short.
func (k *checker) duration(key string, d time.Duration) {
	switch {
	case d <= 0:
		k.bad(key, "%s must be positive (at least 1ms)", d)
	case d < time.Millisecond:
		k.bad(key, "%s is below the minimum of 1ms", d)
	}
}

// checkListen accepts host:port with a port 0..65535 (0: any free port) or a
// service name.
func checkListen(s string) error {
	_, port, err := net.SplitHostPort(s)
	if err != nil {
		return fmt.Errorf("%q is not host:port", s)
	}
	if n, err := strconv.ParseUint(port, 10, 64); err == nil {
		if n > 65535 {
			return fmt.Errorf("%q: port %d is out of range (0..65535)", s, n)
		}
		return nil
	}
	if _, err := net.LookupPort("tcp", port); err != nil {
		return fmt.Errorf("%q: %q is not a port", s, port)
	}
	return nil
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

func fileExists(path string) bool {
	if path == "" {
		return false
	}
	_, err := os.Stat(path)
	return err == nil
}
