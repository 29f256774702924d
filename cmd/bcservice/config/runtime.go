package config

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"

	"github.com/emconnector/emconnector/service/access"
	"github.com/emconnector/emconnector/service/emclient"
	"github.com/emconnector/emconnector/service/health"
)

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

func loadKeyPair(t TLSConfig) (tls.Certificate, error) {
	return tls.LoadX509KeyPair(t.CertFile, t.KeyFile)
}

// ServerTLS builds the HTTPS configuration from tls.*: nil when certFile is
// not set (plain HTTP). Client certificates, when asked for, are always
// verified against clientCAFile; "optional" lets clients without one in
// (for a proxy that authenticates otherwise), "required" refuses them in
// the handshake.
func (c *Config) ServerTLS() (*tls.Config, error) {
	t := c.TLS
	if !t.Enabled() {
		return nil, nil
	}
	cert, err := loadKeyPair(t)
	if err != nil {
		return nil, fmt.Errorf("tls: %w", err)
	}
	tc := &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
	switch t.ClientAuthMode() {
	case "optional":
		tc.ClientAuth = tls.VerifyClientCertIfGiven
	case "required":
		tc.ClientAuth = tls.RequireAndVerifyClientCert
	}
	if t.ClientCAFile != "" {
		pool, err := LoadCAPool(t.ClientCAFile)
		if err != nil {
			return nil, fmt.Errorf("tls.clientCAFile: %w", err)
		}
		tc.ClientCAs = pool
	}
	return tc, nil
}

// ClusterClients are the cluster clients' configurations, in file order,
// each with the TLS configuration for its https nodes: caFile's CAs as the
// only roots when set, else the system's.
func (c *Config) ClusterClients() ([]emclient.Config, error) {
	out := make([]emclient.Config, 0, len(c.Clusters))
	for i, cl := range c.Clusters {
		var password string
		if cl.AXLUser != "" {
			p, err := cl.axlPassword()
			if err != nil {
				return nil, fmt.Errorf("%s: %w", clusterKey(i, "axlPasswordFile"), err)
			}
			password = p
		}
		tc := &tls.Config{MinVersion: tls.VersionTLS12, InsecureSkipVerify: cl.InsecureSkipVerify} //nolint:gosec // opt-in per cluster, default false, logged as a WARN
		if cl.CAFile != "" {
			pool, err := LoadCAPool(cl.CAFile)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", clusterKey(i, "caFile"), err)
			}
			tc.RootCAs = pool
		}
		out = append(out, emclient.Config{
			Code:                     cl.Code,
			Nodes:                    cl.Nodes,
			AXL:                      cl.AXL,
			Timeout:                  cl.Timeout,
			MaxConcurrentRequests:    cl.MaxConcurrentRequests,
			MaxQueue:                 cl.MaxQueue,
			BreakerFailures:          cl.BreakerFailures,
			BreakerCooldown:          cl.BreakerCooldown,
			BusyRetryBase:            cl.BusyRetryBase,
			BusyRetryMax:             cl.BusyRetryMax,
			TLS:                      tc,
			ClearCallHistoryOnLogout: cl.ClearCallHistory == ClearOnLogout,
			AXLUser:                  cl.AXLUser,
			AXLPassword:              password,
		})
	}
	return out, nil
}

// axlPassword reads the AXL user's password from its file (one line; the
// line break is not part of it) or its environment variable. The error
// never holds the password.
func (cl ClusterSpec) axlPassword() (string, error) {
	if cl.AXLPasswordEnv != "" {
		v, ok := os.LookupEnv(cl.AXLPasswordEnv)
		if !ok || v == "" {
			return "", fmt.Errorf("environment variable %s (axlPasswordEnv) is not set", cl.AXLPasswordEnv)
		}
		return v, nil
	}
	data, err := os.ReadFile(cl.AXLPasswordFile)
	if err != nil {
		return "", err
	}
	p := strings.TrimRight(string(data), "\r\n")
	if p == "" {
		return "", fmt.Errorf("%s is empty", cl.AXLPasswordFile)
	}
	return p, nil
}

// HealthTargets lists the clusters with the TCP address of every EM node
// (port 80/443 by scheme when the URL has none).
func (c *Config) HealthTargets() []health.Target {
	out := make([]health.Target, 0, len(c.Clusters))
	for _, cl := range c.Clusters {
		t := health.Target{Cluster: cl.Code}
		for _, n := range cl.Nodes {
			if addr, ok := hostPort(n); ok {
				t.Addrs = append(t.Addrs, addr)
			}
		}
		out = append(out, t)
	}
	return out
}

func hostPort(raw string) (string, bool) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "", false
	}
	port := u.Port()
	if port == "" {
		port = "80"
		if u.Scheme == "https" {
			port = "443"
		}
	}
	return net.JoinHostPort(u.Hostname(), port), true
}

// AccessLists is the access section as access.New takes it.
func (c *Config) AccessLists() access.Config {
	return access.Config{Allow: c.Access.Allow, Deny: c.Access.Deny, TrustedProxies: c.Access.TrustedProxies}
}
