// Package emclient is the service's HTTP client for one CUCM cluster: its own
// EM XML codec, failover across the cluster's nodes with a circuit breaker
// per node, a concurrency limit with a bounded queue, per-device
// serialisation, busy (26) retries with backoff, reconciliation of login and
// logout answers that were lost (no double login), and the AXL PIN check.
// It implements service.Cluster; every error it returns is a *service.Error.
package emclient

import (
	"crypto/tls"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"time"

	"github.com/emconnector/emconnector/service"
)

// maxAnswer bounds an EM or AXL answer; a longer one counts as garbled.
const maxAnswer = 1 << 20

// Options are the parts of a Client that tests replace.
type Options struct {
	// Logger receives debug lines about node failures; nil discards.
	Logger *slog.Logger
	// Now is the breaker's clock; nil means time.Now.
	Now func() time.Time
	// Jitter turns a backoff step into the actual wait; nil means a random
	// duration in [d/2, d).
	Jitter func(d time.Duration) time.Duration
	// Transport replaces the HTTP transport built from the spec (caFile,
	// insecureSkipVerify); nil builds it.
	Transport http.RoundTripper
	// Observer is told about every HTTP attempt to a node (metrics); nil
	// means nobody listens.
	Observer Observer
	// OnBreaker, when set, learns each change of a node's breaker state
	// (closed, open, half-open) with its time: the move to half-open is
	// reported, with the time the open period ended, once the probe has
	// answered. Called on the request's goroutine; it must not block.
	OnBreaker func(cluster, node, from, to string, at time.Time)
	// Coordinator shares the concurrency budget and the device locks with
	// the other replicas; nil means this process is alone.
	Coordinator Coordinator
}

// Observer learns the outcome of every HTTP attempt to a CUCM node. It is
// called on the request's goroutine and must not block.
type Observer interface {
	// CUCMCall reports one attempt: cluster code, node (host:port of the
	// URL, never a path or credentials), operation (login, logout,
	// deviceUserQuery, userDevicesQuery, axl), one of the Call* outcomes and
	// how long the attempt took.
	CUCMCall(cluster, node, op, outcome string, d time.Duration)
}

// Outcomes of one attempt, as reported to the Observer.
const (
	CallSuccess    = "success"          // an answer that is not an EM failure
	CallEMError    = "em_error"         // an EM failure answer (or SOAP fault / AXL refusal)
	CallTimeout    = "timeout"          // no answer within the node timeout
	CallConnection = "connection_error" // refused, reset or dropped
	CallHTTPError  = "http_error"       // an HTTP status other than 200
	CallGarbled    = "garbled"          // an answer that could not be decoded
)

type nopObserver struct{}

func (nopObserver) CUCMCall(string, string, string, string, time.Duration) {}

// Client talks to one cluster. It is safe for concurrent use.
type Client struct {
	code    string
	nodes   []*node
	axl     []string
	http    *http.Client
	timeout time.Duration
	lim     *limiter
	// admission bounds the requests waiting for a shared slot or in CUCM
	// when coordinated (2 × maxConcurrentRequests, queue maxQueue).
	admission *limiter
	devices   *deviceLocks
	busyBase  time.Duration
	busyMax   time.Duration
	jitter    func(time.Duration) time.Duration
	log       *slog.Logger
	obs       Observer
	coord     Coordinator
	// resetCred authenticates doDeviceReset (nil: the request's own).
	resetCred    *service.Credentials
	clearHistory bool
}

type node struct {
	url  string
	host string // host:port, the node's name in metrics and stats
	br   *breaker
}

var _ service.Cluster = (*Client)(nil)

// New builds the client of one cluster.
func New(cfg Config, opts Options) (*Client, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Jitter == nil {
		opts.Jitter = func(d time.Duration) time.Duration {
			return d/2 + rand.N(d/2+1)
		}
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Observer == nil {
		opts.Observer = nopObserver{}
	}
	rt := opts.Transport
	if rt == nil {
		rt = newTransport(cfg)
	}
	c := &Client{
		code:         cfg.Code,
		axl:          cfg.AXL,
		http:         &http.Client{Transport: rt, CheckRedirect: noRedirects},
		timeout:      cfg.Timeout,
		lim:          newLimiter(cfg.MaxConcurrentRequests, cfg.MaxQueue),
		devices:      newDeviceLocks(),
		busyBase:     cfg.BusyRetryBase,
		busyMax:      cfg.BusyRetryMax,
		jitter:       opts.Jitter,
		log:          opts.Logger.With("cluster", cfg.Code),
		obs:          opts.Observer,
		coord:        opts.Coordinator,
		clearHistory: cfg.ClearCallHistoryOnLogout,
	}
	if c.coord != nil {
		c.admission = newLimiter(2*cfg.MaxConcurrentRequests, cfg.MaxQueue)
	}
	if cfg.AXLUser != "" {
		c.resetCred = &service.Credentials{AppID: cfg.AXLUser, AppCertificate: cfg.AXLPassword}
	}
	for _, u := range cfg.Nodes {
		nd := &node{url: u, host: hostOf(u), br: newBreaker(cfg.BreakerFailures, cfg.BreakerCooldown, opts.Now)}
		if on := opts.OnBreaker; on != nil {
			nd.br.changed = func(from, to string, at time.Time) { on(c.code, nd.host, from, to, at) }
		}
		c.nodes = append(c.nodes, nd)
	}
	return c, nil
}

func newTransport(cfg Config) *http.Transport {
	t := http.DefaultTransport.(*http.Transport).Clone()
	// Queries are not limited by maxConcurrentRequests, so keep enough idle connections for
	// bursts of them too: a connection closed for lack of an idle slot costs a new TCP
	// handshake per request.
	t.MaxIdleConnsPerHost = max(cfg.MaxConcurrentRequests*4, 64)
	if cfg.TLS != nil {
		t.TLSClientConfig = cfg.TLS.Clone()
	} else {
		t.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	return t
}

// A redirect from a CUCM node is not followed: it would resend the
// credentials somewhere unconfigured.
func noRedirects(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

// Close releases idle connections.
func (c *Client) Close() { c.http.CloseIdleConnections() }

// Code returns the cluster code.
func (c *Client) Code() string { return c.code }
