// Package health answers the readiness question: can the service reach at
// least one node of every CUCM cluster? It dials the nodes (a TCP connect,
// nothing CUCM has to process) and caches the answer, so that /readyz,
// however often it is called, costs CUCM at most one connection per node
// per cache period.
package health

import (
	"context"
	"net"
	"sync"
	"time"
)

// Target is one cluster and the host:port of each of its nodes (bcservice
// builds them from its configuration).
type Target struct {
	Cluster string
	Addrs   []string
}

// Options tune a Checker; zero values take the defaults.
type Options struct {
	// CacheFor is how long a report is reused (default 2s).
	CacheFor time.Duration
	// DialTimeout bounds one connection attempt (default 1s).
	DialTimeout time.Duration
	// Dial connects to addr; nil means a TCP dial that is closed at once.
	Dial func(ctx context.Context, addr string) error
	// Now is the cache's clock; nil means time.Now.
	Now func() time.Time
}

// Defaults of Options.
const (
	DefaultCacheFor    = 2 * time.Second
	DefaultDialTimeout = time.Second
)

// Report is the readiness of the service.
type Report struct {
	Ready    bool            `json:"ready"`
	Clusters []ClusterReport `json:"clusters"`
	// Checked is when the nodes were dialled (the report may be cached).
	Checked time.Time `json:"checked"`
}

// ClusterReport is the readiness of one cluster: ready when at least one
// node accepted a connection.
type ClusterReport struct {
	Code      string `json:"code"`
	Ready     bool   `json:"ready"`
	Reachable int    `json:"reachable"`
	Nodes     int    `json:"nodes"`
}

// NotReady lists the codes of the clusters that are not ready.
func (r Report) NotReady() []string {
	var out []string
	for _, c := range r.Clusters {
		if !c.Ready {
			out = append(out, c.Code)
		}
	}
	return out
}

// Checker computes and caches the Report. It is safe for concurrent use;
// concurrent callers during a check wait for that check instead of starting
// their own.
type Checker struct {
	targets []Target
	opts    Options

	mu      sync.Mutex
	last    Report
	hasLast bool
}

// NewChecker returns a Checker over targets.
func NewChecker(targets []Target, opts Options) *Checker {
	if opts.CacheFor <= 0 {
		opts.CacheFor = DefaultCacheFor
	}
	if opts.DialTimeout <= 0 {
		opts.DialTimeout = DefaultDialTimeout
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Dial == nil {
		opts.Dial = dialTCP
	}
	return &Checker{targets: targets, opts: opts}
}

func dialTCP(ctx context.Context, addr string) error {
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	return conn.Close()
}

// Check returns the cached report if it is younger than CacheFor, else
// dials every node of every cluster in parallel (each bounded by
// DialTimeout) and caches the new report. The service is ready when every
// cluster is.
func (c *Checker) Check(ctx context.Context) Report {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.opts.Now()
	if c.hasLast && now.Sub(c.last.Checked) < c.opts.CacheFor && !now.Before(c.last.Checked) {
		return c.last
	}
	r := Report{Ready: true, Checked: now, Clusters: make([]ClusterReport, len(c.targets))}
	ok := make([][]bool, len(c.targets))
	var wg sync.WaitGroup
	for i, t := range c.targets {
		ok[i] = make([]bool, len(t.Addrs))
		for j, addr := range t.Addrs {
			wg.Go(func() {
				dctx, cancel := context.WithTimeout(ctx, c.opts.DialTimeout)
				defer cancel()
				ok[i][j] = c.opts.Dial(dctx, addr) == nil
			})
		}
	}
	wg.Wait()
	for i, t := range c.targets {
		cr := ClusterReport{Code: t.Cluster, Nodes: len(t.Addrs)}
		for _, up := range ok[i] {
			if up {
				cr.Reachable++
			}
		}
		cr.Ready = cr.Reachable > 0
		r.Ready = r.Ready && cr.Ready
		r.Clusters[i] = cr
	}
	if ctx.Err() == nil {
		// A check cut short by the caller's deadline says nothing about
		// the nodes: do not keep it.
		c.last, c.hasLast = r, true
	}
	return r
}
