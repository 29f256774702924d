// Package cucmsim simulates the Extension Mobility API (EMService) of CUCM clusters, plus the
// AXL calls doAuthenticateUser and doDeviceReset, for end-to-end tests of EM clients.
//
// The domain (Model, Cluster: users, devices and their call histories, profiles, logins and
// the EM rules) knows nothing about HTTP. Sim wraps it with an EMService and AXL endpoint per
// node, a JSON control API on its own listener, fault injection and a request log.
package cucmsim

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emconnector/emconnector/cucmsim/topology"
)

// Topology is the simulator's fixture (see package topology), aliased for cucmsim.New.
type Topology = topology.Topology

// Options configure a Sim. The zero value is usable.
type Options struct {
	// Clock is the time source of login expiry and the request log (default: the system clock).
	Clock Clock
	// Logger gets one line per request (secrets redacted). Default: discard.
	Logger *slog.Logger
	// AdminAddr is the control API's listen address for Start; "" means 127.0.0.1:0.
	AdminAddr string
	// EphemeralPorts makes Start bind every node on 127.0.0.1:0 instead of its topology address.
	EphemeralPorts bool
	// Seed seeds the random source of fault probabilities and of the policy latency jitter.
	Seed uint64
	// RequestLogSize is the number of requests each cluster's log keeps (default 10000).
	RequestLogSize int
	// StreamHeartbeat is the interval of the request stream's keep-alive comment (default 15 s).
	StreamHeartbeat time.Duration
}

// Sim is a running simulator: the domain model plus its HTTP faces.
type Sim struct {
	model    *Model
	log      *slog.Logger
	opts     Options
	clusters []*clusterRuntime
	byCode   map[string]*clusterRuntime
	rnd      *lockedRand
	faultSeq atomic.Int64
	admin    *server
	// stream fans logged requests out to GET /v1/requests/stream.
	stream    broker
	heartbeat time.Duration

	// done is closed by Shutdown/Close so injected latencies stop waiting.
	done      chan struct{}
	closeOnce sync.Once
	started   atomic.Bool
	wg        sync.WaitGroup
}

// clusterRuntime is the transport-side state of a cluster: nodes, faults, request log.
type clusterRuntime struct {
	c      *Cluster
	nodes  []*node
	faults faultSet
	reqs   requestLog
}

// node is one node of a cluster: its handler and, once started, its listener.
type node struct {
	cluster *clusterRuntime
	name    string
	listen  string
	handler http.Handler
	up      atomic.Bool
	latency latencyEWMA // recent answer time (GET /v1/clusters, the console)
	srv     *server     // nil until Start and while down
	mu      sync.Mutex
	addr    string // bound address, kept across down/up
}

// server is one bound listener with its http.Server.
type server struct {
	srv *http.Server
	ln  net.Listener
}

// New builds a simulator for topo (which must come from topology.Load or Parse). It binds
// nothing: use Start, or NodeHandler/AdminHandler with httptest.
func New(topo *Topology, opts Options) (*Sim, error) {
	if topo == nil || len(topo.Clusters) == 0 {
		return nil, errors.New("cucmsim: empty topology")
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.RequestLogSize <= 0 {
		opts.RequestLogSize = DefaultRequestLogSize
	}
	s := &Sim{
		model:  NewModel(topo, opts.Clock),
		log:    opts.Logger,
		opts:   opts,
		byCode: map[string]*clusterRuntime{},
		rnd:    newLockedRand(opts.Seed),
		done:   make(chan struct{}),

		heartbeat: opts.StreamHeartbeat,
	}
	if s.heartbeat <= 0 {
		s.heartbeat = DefaultStreamHeartbeat
	}
	for i, c := range s.model.Clusters() {
		rt := &clusterRuntime{c: c, reqs: requestLog{size: opts.RequestLogSize}}
		for _, tn := range topo.Clusters[i].Nodes {
			n := &node{cluster: rt, name: tn.Name, listen: tn.Listen}
			n.handler = s.nodeMux(n)
			n.up.Store(true)
			rt.nodes = append(rt.nodes, n)
		}
		s.clusters = append(s.clusters, rt)
		s.byCode[strings.ToUpper(c.Code())] = rt
	}
	return s, nil
}

// Model gives direct access to the domain state (for tests and tools).
func (s *Sim) Model() *Model { return s.model }

func (s *Sim) cluster(code string) (*clusterRuntime, bool) {
	rt, ok := s.byCode[strings.ToUpper(code)]
	return rt, ok
}

func (rt *clusterRuntime) node(name string) (*node, bool) {
	for _, n := range rt.nodes {
		if n.name == name {
			return n, true
		}
	}
	return nil, false
}

// NodeHandler returns the HTTP handler of one node (EMService and AXL), or nil if there is no
// such node. A node marked down answers by closing the connection.
func (s *Sim) NodeHandler(cluster, nodeName string) http.Handler {
	rt, ok := s.cluster(cluster)
	if !ok {
		return nil
	}
	n, ok := rt.node(nodeName)
	if !ok {
		return nil
	}
	return n.handler
}

// Start binds the admin listener and every node's listener and serves them until Shutdown or
// Close. ctx bounds the binding only.
func (s *Sim) Start(ctx context.Context) error {
	if !s.started.CompareAndSwap(false, true) {
		return errors.New("cucmsim: already started")
	}
	adminAddr := s.opts.AdminAddr
	if adminAddr == "" {
		adminAddr = "127.0.0.1:0"
	}
	admin, err := s.serve(ctx, adminAddr, s.AdminHandler())
	if err != nil {
		return fmt.Errorf("admin listener: %w", err)
	}
	s.admin = admin
	for _, rt := range s.clusters {
		for _, n := range rt.nodes {
			addr := n.listen
			if s.opts.EphemeralPorts {
				addr = "127.0.0.1:0"
			}
			srv, err := s.serve(ctx, addr, n.handler)
			if err != nil {
				s.Close()
				return fmt.Errorf("cluster %s node %s: %w", rt.c.Code(), n.name, err)
			}
			n.mu.Lock()
			n.srv, n.addr = srv, srv.ln.Addr().String()
			n.mu.Unlock()
		}
	}
	return nil
}

// serve binds addr and serves h on it in a goroutine tracked by s.wg.
func (s *Sim) serve(ctx context.Context, addr string, h http.Handler) (*server, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		IdleTimeout:       90 * time.Second,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	s.wg.Go(func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("serve", "addr", addr, "err", err)
		}
	})
	return &server{srv: srv, ln: ln}, nil
}

// Addrs are the bound addresses, as written to --addr-file.
type Addrs struct {
	Admin string `json:"admin"`
	// Nodes maps cluster code -> node name -> host:port.
	Nodes map[string]map[string]string `json:"nodes"`
}

// Addrs returns the bound addresses (empty before Start).
func (s *Sim) Addrs() Addrs {
	a := Addrs{Nodes: map[string]map[string]string{}}
	if s.admin != nil {
		a.Admin = s.admin.ln.Addr().String()
	}
	for _, rt := range s.clusters {
		m := map[string]string{}
		for _, n := range rt.nodes {
			n.mu.Lock()
			m[n.name] = n.addr
			n.mu.Unlock()
		}
		a.Nodes[rt.c.Code()] = m
	}
	return a
}

// setNodeUp takes a node down (listener and connections closed: clients see connection
// refused) or brings it back on the same address.
func (s *Sim) setNodeUp(n *node, up bool) error {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.up.Store(up)
	if !s.started.Load() {
		return nil // handler-only use: the handler drops connections while down
	}
	if !up && n.srv != nil {
		err := n.srv.srv.Close()
		n.srv = nil
		return err
	}
	if up && n.srv == nil {
		select {
		case <-s.done:
			return errors.New("simulator is shutting down")
		default:
		}
		srv, err := s.serve(context.Background(), n.addr, n.handler)
		if err != nil {
			n.up.Store(false)
			return fmt.Errorf("rebind %s: %w", n.addr, err)
		}
		n.srv = srv
	}
	return nil
}

// Reset returns the simulator to the loaded topology: no logins, faults or logged requests,
// the topology's call histories and no recorded device resets, every node up, clock offset zero, random source restarted.
func (s *Sim) Reset() error {
	s.model.Reset()
	s.rnd.reset()
	s.faultSeq.Store(0)
	var errs []error
	for _, rt := range s.clusters {
		errs = append(errs, s.ResetCluster(rt.c.Code()))
	}
	return errors.Join(errs...)
}

// ResetCluster returns one cluster to the loaded topology: no logins or last logins, no
// faults, an empty request log, every node up and without a latency yet. The clock and the random source are shared by
// all clusters and stay as they are.
func (s *Sim) ResetCluster(code string) error {
	rt, ok := s.cluster(code)
	if !ok {
		return fmt.Errorf("unknown cluster %q", code)
	}
	rt.c.Reset()
	rt.faults.clear()
	rt.reqs.clear()
	var errs []error
	for _, n := range rt.nodes {
		n.latency.us.Store(0)
		if !n.up.Load() {
			errs = append(errs, s.setNodeUp(n, true))
		}
	}
	return errors.Join(errs...)
}

// ResetDevice forgets one device's state: its login, its last login, its call history (back
// to the topology's), its resets and the faults scoped to it. Requests stay in the log. Returns the domain's code 11 for an unknown device.
func (s *Sim) ResetDevice(code, device string) error {
	rt, ok := s.cluster(code)
	if !ok {
		return fmt.Errorf("unknown cluster %q", code)
	}
	if err := rt.c.ResetDevice(device); err != nil {
		return err
	}
	rt.faults.clearDevice(device)
	return nil
}

func (s *Sim) servers() []*server {
	var out []*server
	if s.admin != nil {
		out = append(out, s.admin)
	}
	for _, rt := range s.clusters {
		for _, n := range rt.nodes {
			n.mu.Lock()
			if n.srv != nil {
				out = append(out, n.srv)
			}
			n.mu.Unlock()
		}
	}
	return out
}

// Shutdown stops accepting requests and waits for those in flight (injected latencies end at
// once) until ctx is done, then closes what is left.
func (s *Sim) Shutdown(ctx context.Context) error {
	s.closeOnce.Do(func() { close(s.done) })
	var errs []error
	for _, srv := range s.servers() {
		if err := srv.srv.Shutdown(ctx); err != nil {
			errs = append(errs, err, srv.srv.Close())
		}
	}
	s.wg.Wait()
	return errors.Join(errs...)
}

// Close stops every listener and connection at once and waits for the serving goroutines.
func (s *Sim) Close() error {
	s.closeOnce.Do(func() { close(s.done) })
	var errs []error
	for _, srv := range s.servers() {
		errs = append(errs, srv.srv.Close())
	}
	s.wg.Wait()
	return errors.Join(errs...)
}

// wait sleeps d unless the request or the simulator ends first; it reports whether d passed.
func (s *Sim) wait(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return true
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	case <-s.done:
		return false
	}
}
