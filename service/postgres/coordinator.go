package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Coordinator makes several bcservice replicas share each CUCM cluster's
// concurrency budget and lock each device once across all of them, with
// PostgreSQL's session-level advisory locks (cmd/bcservice/README.md, "Replicas"):
//
//   - slot i of cluster C is the two-key lock (key(C), i), i < the cluster's
//     maxConcurrentRequests; device D of C is the one-key lock key(C, D);
//   - both are taken in one statement on a pooled connection that the
//     request keeps until it has CUCM's answer, and given back in one
//     statement that also notifies the waiters (LISTEN/NOTIFY), off the
//     request's path;
//   - a waiter looks again on a notification, or every Poll without one;
//   - session locks end with the session, so a replica that dies releases
//     what it held as soon as PostgreSQL sees its connection close (at once
//     for a killed process, within the TCP keepalive bound for a lost host).
//
// When PostgreSQL cannot be reached, Enter fails at once and the replica
// works on its own limits until the listener is connected again (probed
// every Probe).
type Coordinator struct {
	pool *pgxpool.Pool
	cfg  *pgx.ConnConfig // the listener's
	opts CoordinatorOptions
	log  *slog.Logger

	shared    atomic.Bool
	fallbacks atomic.Int64
	waits     atomic.Int64
	handoffs  atomic.Int64

	mu        sync.Mutex
	since     time.Time               // of the current state
	lastErr   string                  // why the coordination is down
	interrupt context.CancelFunc      // ends the listener's wait (down)
	wake      map[int32]chan struct{} // device waiters, by cluster key
	budgets   map[int32]*budget
	replicas  int // listeners seen at the last count

	releases sync.WaitGroup // leave calls still running
	cancel   context.CancelFunc
	done     chan struct{}
}

// CoordinatorOptions tune a Coordinator; zero values take the defaults.
type CoordinatorOptions struct {
	// Replica names this process in pg_stat_activity (application_name).
	Replica string
	// Logger receives the state changes (WARN when the coordination is
	// lost, INFO when it is back); nil discards.
	Logger *slog.Logger
	// Timeout bounds one statement or connection attempt (default 1 s).
	Timeout time.Duration
	// Poll is how often a waiter looks again when no release was notified
	// (default 100 ms): it bounds the wait after a replica died holding a
	// slot, since a dead replica notifies nobody.
	Poll time.Duration
	// Probe is how often an unreachable PostgreSQL is tried again
	// (default 1 s).
	Probe time.Duration
	// MaxConns bounds the pool (default 16): a request holds a session for
	// its device lock, and one more for a slot handed over by another
	// request, so size it from the requests a replica admits (bcservice:
	// 3 × the clusters' maxConcurrentRequests). MinConns are opened at
	// start and kept (default 0), so that a burst does not wait for new
	// sessions.
	MaxConns, MinConns int32
	// Now is the clock of the status times; nil means time.Now.
	Now func() time.Time
}

// Defaults of CoordinatorOptions.
const (
	DefaultCoordinationTimeout = time.Second
	DefaultCoordinationPoll    = 100 * time.Millisecond
	DefaultCoordinationProbe   = time.Second
	DefaultCoordinationConns   = 16
	// keepaliveIdle, keepaliveInterval and keepaliveCount make PostgreSQL
	// end the session of a replica whose host vanished (no FIN) within
	// idle + interval × count = 10 s (cmd/bcservice/README.md, "Replicas"), which frees
	// its locks.
	keepaliveIdle     = 5
	keepaliveInterval = 1
	keepaliveCount    = 5
)

// channel carries the notifications of released locks (payload).
const channel = "bcservice_release"

// The release statements: each unlocks and notifies the waiters, $1… the
// keys, then the channel and the payload.
const (
	unlockDeviceSQL = "SELECT pg_advisory_unlock($1::bigint), pg_notify($2, $3)"
	unlockSlotSQL   = "SELECT pg_advisory_unlock($1::int, $2::int), pg_notify($3, $4)"
	unlockBothSQL   = "SELECT pg_advisory_unlock($1::int, $2::int), pg_advisory_unlock($3::bigint), pg_notify($4, $5)"
)

func (o *CoordinatorOptions) defaults() {
	if o.Timeout <= 0 {
		o.Timeout = DefaultCoordinationTimeout
	}
	if o.Poll <= 0 {
		o.Poll = DefaultCoordinationPoll
	}
	if o.Probe <= 0 {
		o.Probe = DefaultCoordinationProbe
	}
	if o.MaxConns <= 0 {
		o.MaxConns = DefaultCoordinationConns
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Replica == "" {
		o.Replica = "bcservice"
	}
}

// NewCoordinator prepares the coordination over the database of dsn and
// starts its listener. It fails only on a DSN it cannot use; a database
// that cannot be reached yet leaves the coordinator on local limits until
// it can. Close stops it.
func NewCoordinator(dsn string, opts CoordinatorOptions) (*Coordinator, error) {
	opts.defaults()
	pcfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("coordination: postgres %s: invalid DSN", Redact(dsn))
	}
	setSessionParams(pcfg.ConnConfig, opts)
	pcfg.MaxConns = opts.MaxConns
	pcfg.MinConns = min(opts.MinConns, opts.MaxConns)
	pcfg.AfterConnect = prepareSession
	pool, err := pgxpool.NewWithConfig(context.Background(), pcfg)
	if err != nil {
		return nil, fmt.Errorf("coordination: postgres %s: %w", Redact(dsn), err)
	}
	lcfg := pcfg.ConnConfig.Copy()
	lcfg.RuntimeParams["application_name"] = listenerName + opts.Replica
	c := &Coordinator{pool: pool, cfg: lcfg, opts: opts, log: opts.Logger,
		wake: map[int32]chan struct{}{}, budgets: map[int32]*budget{}, done: make(chan struct{}), since: opts.Now(), lastErr: "not connected yet"}
	ctx, cancel := context.WithCancel(context.Background())
	c.cancel = cancel
	ready := make(chan struct{})
	go c.listen(ctx, ready)
	<-ready // the first attempt has ended, so a reachable database coordinates the first request
	if c.shared.Load() {
		c.warm(int(pcfg.MinConns))
	}
	return c, nil
}

// warm opens n sessions now rather than in the pool's background, so that
// the first requests after the start do not share the server with their
// creation.
func (c *Coordinator) warm(n int) {
	ctx, cancel := context.WithTimeout(context.Background(), c.opts.Timeout)
	defer cancel()
	conns := make([]*pgxpool.Conn, 0, n)
	for range n {
		conn, err := c.pool.Acquire(ctx)
		if err != nil {
			break
		}
		conns = append(conns, conn)
	}
	for _, conn := range conns {
		conn.Release()
	}
}

// setSessionParams names the replica and sets the server-side keepalives of
// every session (listener and pool).
func setSessionParams(cc *pgx.ConnConfig, opts CoordinatorOptions) {
	cc.ConnectTimeout = opts.Timeout
	cc.RuntimeParams["application_name"] = opts.Replica
	cc.RuntimeParams["tcp_keepalives_idle"] = fmt.Sprint(keepaliveIdle)
	cc.RuntimeParams["tcp_keepalives_interval"] = fmt.Sprint(keepaliveInterval)
	cc.RuntimeParams["tcp_keepalives_count"] = fmt.Sprint(keepaliveCount)
}

// enterSQL is a session-local function (pg_temp, so no migration and nothing
// left behind): it takes the device lock unless held already, then the first
// free slot from `first` on. It answers the slot, -1 when the device is held
// but no slot is free (the device lock is kept), -2 when another session
// holds the device (nothing is taken). PL/pgSQL fixes the order in which the
// locks are tried, which a single SELECT would leave to the planner.
const enterSQL = `CREATE FUNCTION pg_temp.bcservice_enter(device bigint, cluster int, slots int, first int, held bool)
RETURNS int LANGUAGE plpgsql AS $$
DECLARE s int;
BEGIN
  IF NOT held AND NOT pg_try_advisory_lock(device) THEN
    RETURN -2;
  END IF;
  FOR i IN 0..slots-1 LOOP
    s := (first + i) % slots;
    IF pg_try_advisory_lock(cluster, s) THEN
      RETURN s;
    END IF;
  END LOOP;
  RETURN -1;
END $$`

func prepareSession(ctx context.Context, conn *pgx.Conn) error {
	_, err := conn.Exec(ctx, enterSQL)
	return err
}

// Enter implements emclient.Coordinator.
func (c *Coordinator) Enter(ctx context.Context, cluster, device string, slots int) (func(), error) {
	if !c.shared.Load() {
		return nil, errLocal
	}
	ck, dk := clusterKey(cluster), deviceKey(cluster, device)
	actx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	conn, err := c.pool.Acquire(actx)
	cancel()
	if err != nil {
		return nil, c.failed(ctx, err)
	}
	held, first := false, rand.IntN(max(slots, 1))
	for {
		// Before trying: a release after the try still wakes us.
		devWake, since := c.wakeup(ck), c.budget(ck).generation()
		r, err := c.try(ctx, conn, dk, ck, slots, first, held)
		if err != nil {
			destroy(conn)
			return nil, c.failed(ctx, err)
		}
		var s *slot
		switch {
		case r >= 0:
			s = &slot{conn: conn, key: ck, index: int32(r)}
		case r == -1:
			// The device is ours, every slot is taken: wait for a local
			// request to hand its slot over, or for a release anywhere.
			held = true
			s, err = c.budget(ck).await(ctx, since, c.opts.Poll)
		default:
			err = c.pause(ctx, devWake)
		}
		if err != nil {
			if s != nil {
				c.passOn(s, cluster)
			}
			destroy(conn) // which gives the device lock back, if held
			return nil, err
		}
		if s != nil {
			c.log.Debug("coordination: entered", "cluster", cluster, "slot", s.index, "handoffs", s.handoffs)
			return c.leaver(&hold{dev: conn, devKey: dk, slot: s, cluster: cluster}), nil
		}
		c.waits.Add(1)
		if !c.shared.Load() {
			destroy(conn)
			return nil, errLocal
		}
	}
}

// pause waits for a release notified for the cluster, or Poll, or ctx.
func (c *Coordinator) pause(ctx context.Context, wake <-chan struct{}) error {
	select {
	case <-wake:
	case <-time.After(c.opts.Poll):
	case <-ctx.Done():
		return ctx.Err()
	}
	return nil
}

// errLocal is Enter's answer while the coordination is down.
var errLocal = errors.New("coordination: PostgreSQL unreachable, on local limits")

func (c *Coordinator) try(ctx context.Context, conn *pgxpool.Conn, dk int64, ck int32, slots, first int, held bool) (int, error) {
	tctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	var r int
	err := conn.QueryRow(tctx, "SELECT pg_temp.bcservice_enter($1, $2, $3, $4, $5)", dk, ck, slots, first, held).Scan(&r)
	return r, err
}

// hold is what one request holds: its device lock on dev, and a slot
// (whose lock is on dev too when it was taken in the same statement, on
// another session when a local request handed it over).
type hold struct {
	dev     *pgxpool.Conn
	devKey  int64
	slot    *slot
	cluster string
}

// leaver returns the function that gives the hold back, in the background:
// the request answers without waiting for PostgreSQL.
func (c *Coordinator) leaver(h *hold) func() {
	var once sync.Once
	return func() {
		once.Do(func() {
			c.releases.Add(1)
			go func() {
				defer c.releases.Done()
				c.leave(h)
			}()
		})
	}
}

// leave gives the device lock back (notifying its waiters) and passes the
// slot on. When both locks are on one session, a local request that waits
// gets the slot (and the session) at once, and the device is unlocked on
// that session beside it; otherwise one statement frees both.
func (c *Coordinator) leave(h *hold) {
	s := h.slot
	if s.conn != h.dev {
		c.passOn(s, h.cluster)
		c.release(h.dev, h.cluster, c.run(h.dev, unlockDeviceSQL, h.devKey, channel, payload(s.key, "d")))
		return
	}
	s.mu.Lock() // the next holder uses the session after the device unlock
	if c.handTo(s) {
		if err := c.run(s.conn, unlockDeviceSQL, h.devKey, channel, payload(s.key, "d")); err != nil {
			c.lose(s, h.cluster, err)
		}
		s.mu.Unlock()
		return
	}
	defer s.mu.Unlock()
	if s.lost {
		return
	}
	c.release(s.conn, h.cluster, c.run(s.conn, unlockBothSQL, s.key, s.index, h.devKey, channel, payload(s.key, "ds")))
}

// maxHandoffs bounds how many local requests in a row one slot serves
// before it goes back to PostgreSQL, where every replica's waiters compete
// for it: handing over locally saves the round trips of a release and a
// retake, the bound keeps a replica from holding a slot while others wait.
const maxHandoffs = 8

// handTo gives s to a local waiter, if one waits and s has served fewer
// than maxHandoffs requests in a row.
func (c *Coordinator) handTo(s *slot) bool {
	if s.handoffs >= maxHandoffs {
		return false
	}
	s.handoffs++
	if !c.budget(s.key).handTo(s) {
		s.handoffs--
		return false
	}
	c.handoffs.Add(1)
	return true
}

// passOn hands slot s to a local waiter, or gives it back to PostgreSQL
// (notifying the waiters) when none waits or s has served maxHandoffs
// requests in a row.
func (c *Coordinator) passOn(s *slot, cluster string) {
	if c.handTo(s) {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.lost {
		return
	}
	c.release(s.conn, cluster, c.run(s.conn, unlockSlotSQL, s.key, s.index, channel, payload(s.key, "s")))
}

// run executes a release statement on conn's session.
func (c *Coordinator) run(conn *pgxpool.Conn, sql string, args ...any) error {
	ctx, cancel := context.WithTimeout(context.Background(), c.opts.Timeout)
	defer cancel()
	_, err := conn.Exec(ctx, sql, args...)
	return err
}

// release returns conn to the pool after its last statement, or closes its
// session when that failed, which releases its locks just the same
// (without a notification: the waiters' poll finds them).
func (c *Coordinator) release(conn *pgxpool.Conn, cluster string, err error) {
	if err != nil {
		c.log.Debug("coordination: release failed", "cluster", cluster, "err", err)
		destroy(conn)
		return
	}
	conn.Release()
}

// lose closes the session of slot s after a failed statement; whoever
// holds s next has nothing left to release. The caller holds s.mu.
func (c *Coordinator) lose(s *slot, cluster string, err error) {
	c.release(s.conn, cluster, err)
	s.lost = true
}

// failed handles an error of Enter: an ended ctx is the caller's deadline;
// anything else takes the coordination down.
func (c *Coordinator) failed(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	c.down(err)
	return errLocal
}

// destroy closes conn's session (which releases its locks) and drops it
// from the pool.
func destroy(conn *pgxpool.Conn) {
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	_ = conn.Conn().Close(ctx)
	conn.Release()
}

// budget returns this replica's side of cluster key ck's budget.
func (c *Coordinator) budget(ck int32) *budget {
	c.mu.Lock()
	defer c.mu.Unlock()
	b := c.budgets[ck]
	if b == nil {
		b = &budget{}
		c.budgets[ck] = b
	}
	return b
}

// Close stops the listener, waits for the releases under way and closes the
// pool (which ends the sessions, so anything still held is released).
func (c *Coordinator) Close() {
	c.cancel()
	<-c.done
	c.releases.Wait()
	c.pool.Close()
}
