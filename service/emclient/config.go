package emclient

import (
	"crypto/tls"
	"errors"
	"fmt"
	"time"
)

// Config is one cluster as the client needs it: plain values, already
// validated by whoever read them (bcservice's config package), so the client
// knows nothing of files or YAML.
type Config struct {
	// Code is the cluster code (e.g. "EU").
	Code string
	// Nodes are the EM URLs, tried in order.
	Nodes []string
	// AXL are the AXL URLs for the PIN check, tried in order.
	AXL []string
	// Timeout bounds one HTTP attempt to one node.
	Timeout time.Duration
	// MaxConcurrentRequests limits concurrent login/logout requests (at
	// least 1); MaxQueue bounds how many wait for a slot (0: none wait).
	MaxConcurrentRequests int
	MaxQueue              int
	// BreakerFailures consecutive transport failures open a node's breaker
	// for BreakerCooldown.
	BreakerFailures int
	BreakerCooldown time.Duration
	// BusyRetryBase and BusyRetryMax shape the backoff after CUCM's busy
	// code 26.
	BusyRetryBase time.Duration
	BusyRetryMax  time.Duration
	// TLS is the client configuration for https nodes; nil means the system
	// roots with TLS 1.2 or later.
	TLS *tls.Config
	// ClearCallHistoryOnLogout resets every device after its logout (AXL
	// doDeviceReset), unless the request says otherwise.
	ClearCallHistoryOnLogout bool
	// AXLUser and AXLPassword authenticate doDeviceReset; with no AXLUser
	// the request's own app user is used. The password is a secret: it is
	// never logged.
	AXLUser     string
	AXLPassword string
}

// Defaults of a cluster's limits (cmd/bcservice/README.md, "Configuration").
const (
	DefaultTimeout               = 5 * time.Second
	DefaultMaxConcurrentRequests = 5
	DefaultMaxQueue              = 100
	DefaultBreakerFailures       = 3
	DefaultBreakerCooldown       = 5 * time.Second
	DefaultBusyRetryBase         = 100 * time.Millisecond
	DefaultBusyRetryMax          = 2 * time.Second
)

// DefaultConfig is cluster code over nodes with every limit at its default
// and no AXL URL.
func DefaultConfig(code string, nodes ...string) Config {
	return Config{
		Code:                  code,
		Nodes:                 nodes,
		Timeout:               DefaultTimeout,
		MaxConcurrentRequests: DefaultMaxConcurrentRequests,
		MaxQueue:              DefaultMaxQueue,
		BreakerFailures:       DefaultBreakerFailures,
		BreakerCooldown:       DefaultBreakerCooldown,
		BusyRetryBase:         DefaultBusyRetryBase,
		BusyRetryMax:          DefaultBusyRetryMax,
	}
}

// check refuses values the client cannot work with (a zero limit would block
// every login forever, a zero timeout fail every attempt).
func (c Config) check() error {
	var errs []error
	if len(c.Nodes) == 0 {
		errs = append(errs, errors.New("no nodes"))
	}
	if c.Timeout <= 0 || c.BreakerCooldown <= 0 || c.BusyRetryBase <= 0 || c.BusyRetryMax <= 0 {
		errs = append(errs, errors.New("timeout, breaker cooldown and busy retry waits must be positive"))
	}
	if c.MaxConcurrentRequests < 1 || c.MaxQueue < 0 || c.BreakerFailures < 1 {
		errs = append(errs, errors.New("maxConcurrentRequests and breakerFailures must be at least 1, maxQueue not negative"))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("cluster %s: %w", c.Code, err)
	}
	return nil
}
