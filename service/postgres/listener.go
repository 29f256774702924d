package postgres

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
)

// CoordinationStatus is what the status page and the metrics show of the
// coordination.
type CoordinationStatus struct {
	// Shared is true while the limits are shared through PostgreSQL, false
	// while this replica works on its own limits.
	Shared bool
	// Since is when the current state began.
	Since time.Time
	// Why the coordination is down (a connection error, never the DSN's
	// password); empty while it is shared.
	Reason string
	// Fallbacks counts the switches to local limits; Waits the times a
	// request found its device or every slot taken and had to wait;
	// Handoffs the slots handed from a finishing request to a waiting one
	// of this replica without a round trip to PostgreSQL.
	Fallbacks, Waits, Handoffs int64
	// Replicas is the number of replicas whose listener was connected at
	// the last check (this one included), 0 when unknown.
	Replicas int
}

// Status returns the current state.
func (c *Coordinator) Status() CoordinationStatus {
	c.mu.Lock()
	defer c.mu.Unlock()
	return CoordinationStatus{Shared: c.shared.Load(), Since: c.since, Reason: c.lastErr,
		Fallbacks: c.fallbacks.Load(), Waits: c.waits.Load(), Handoffs: c.handoffs.Load(), Replicas: c.replicas}
}

// listen keeps one connection LISTENing for releases; the coordination is
// shared exactly while it is connected. ready is closed after the first
// attempt.
func (c *Coordinator) listen(ctx context.Context, ready chan struct{}) {
	defer close(c.done)
	var once sync.Once
	isReady := func() { once.Do(func() { close(ready) }) }
	defer isReady()
	for ctx.Err() == nil {
		err := c.listenOnce(ctx, isReady)
		if ctx.Err() != nil {
			return
		}
		c.down(err)
		isReady()
		select {
		case <-ctx.Done():
		case <-time.After(c.opts.Probe):
		}
	}
}

// listenOnce connects, LISTENs, declares the coordination shared (calling
// up) and delivers notifications until the connection fails or down
// interrupts it.
func (c *Coordinator) listenOnce(ctx context.Context, up func()) error {
	cctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	conn, err := pgx.ConnectConfig(cctx, c.cfg)
	cancel()
	if err != nil {
		return err
	}
	defer func() {
		cctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
		defer cancel()
		_ = conn.Close(cctx)
	}()
	lctx, interrupt := context.WithCancel(ctx)
	defer interrupt()
	if _, err := conn.Exec(lctx, "LISTEN "+channel); err != nil {
		return err
	}
	if err := c.countReplicas(lctx, conn); err != nil {
		return err
	}
	c.up(interrupt)
	up()
	next := time.Now().Add(countEvery)
	for {
		wctx, cancel := context.WithDeadline(lctx, next)
		n, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case err == nil:
			c.notify(n.Payload)
		case lctx.Err() != nil:
			if ctx.Err() != nil {
				return ctx.Err()
			}
			return errors.New("interrupted after a failed statement")
		case !errors.Is(err, context.DeadlineExceeded):
			return err
		}
		if time.Now().After(next) {
			// Also proves the connection alive when no release was notified.
			if err := c.countReplicas(lctx, conn); err != nil {
				return err
			}
			next = time.Now().Add(countEvery)
		}
	}
}

// countEvery is how often the listener counts the replicas.
const countEvery = 5 * time.Second

// listenerName prefixes the application_name of every replica's listener
// session, which is how the replicas are counted.
const listenerName = "bcservice-listener "

// countReplicas counts the listener sessions on this database, i.e. the
// replicas connected now.
func (c *Coordinator) countReplicas(ctx context.Context, conn *pgx.Conn) error {
	qctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	var n int
	err := conn.QueryRow(qctx, `SELECT count(*) FROM pg_stat_activity
		WHERE datname = current_database() AND application_name LIKE $1`, listenerName+"%").Scan(&n)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.replicas = n
	c.mu.Unlock()
	return nil
}

// up declares the coordination shared; interrupt ends the listener's wait.
func (c *Coordinator) up(interrupt context.CancelFunc) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.interrupt = interrupt
	if c.shared.Swap(true) {
		return
	}
	c.log.Info("coordination: limits shared through PostgreSQL", "down_for", c.opts.Now().Sub(c.since).Round(time.Millisecond))
	c.since, c.lastErr = c.opts.Now(), ""
}

// down switches to local limits after err (logged once per outage), wakes
// the waiters so they go local too, drops the pooled sessions (a restarted
// server leaves them all dead) and makes the listener reconnect, which is
// how the coordination comes back.
func (c *Coordinator) down(err error) {
	c.mu.Lock()
	was := c.shared.Swap(false)
	if was {
		c.since, c.lastErr = c.opts.Now(), err.Error()
		c.fallbacks.Add(1)
		c.log.Warn("coordination: PostgreSQL unreachable, working on this replica's own limits", "err", err)
	}
	if c.interrupt != nil {
		c.interrupt()
		c.interrupt = nil
	}
	c.mu.Unlock()
	if was {
		c.wakeAll()
		c.pool.Reset()
	}
}
