package postgres

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emconnector/emconnector/service/postgres/pgtest"
)

// replicas opens n coordinators on one new database, as n replicas would,
// and the database for inspection.
func replicas(t *testing.T, s *pgtest.Server, n int) ([]*Coordinator, *sql.DB) {
	t.Helper()
	return replicasWith(t, s, n, CoordinatorOptions{})
}

// testTimeout bounds each statement of the tests' coordinators instead of
// the 1 s default: the tests are not about that bound, and a statement
// slower than 1 s on a machine loaded by the whole suite under -race would
// take the coordination down and fail them for nothing.
const testTimeout = 10 * time.Second

// replicasWith is replicas with opts (Replica is set per replica, Timeout
// to testTimeout unless given).
func replicasWith(t *testing.T, s *pgtest.Server, n int, opts CoordinatorOptions) ([]*Coordinator, *sql.DB) {
	t.Helper()
	if opts.Timeout == 0 {
		opts.Timeout = testTimeout
	}
	dsn := s.CreateDB(t)
	out := make([]*Coordinator, n)
	for i := range out {
		opts.Replica = fmt.Sprintf("test-%d", i)
		c, err := NewCoordinator(dsn, opts)
		if err != nil {
			t.Fatal(err)
		}
		if !c.Status().Shared {
			t.Fatalf("replica %d not shared after start: %+v", i, c.Status())
		}
		t.Cleanup(c.Close)
		out[i] = c
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return out, db
}

// advisoryLocks counts the advisory locks granted in the database.
func advisoryLocks(t *testing.T, db *sql.DB) int {
	t.Helper()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted
		AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// enter is Enter within a deadline. What it takes is also given back at
// the end of the test (leaving twice is harmless): a test that fails
// holding it would otherwise hang in Close, which waits for the pool's
// sessions.
func enter(t *testing.T, c *Coordinator, cluster, device string, slots int, within time.Duration) (func(), error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), within)
	defer cancel()
	leave, err := c.Enter(ctx, cluster, device, slots)
	if err == nil {
		t.Cleanup(leave)
	}
	return leave, err
}

// eventually waits for cond: up to 30 s, which costs nothing when cond comes
// true and leaves room for a machine loaded by the whole suite under -race.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	const within = 30 * time.Second
	for end := time.Now().Add(within); time.Now().Before(end); time.Sleep(10 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("not within %v: %s", within, what)
}

// granted is the deadline of an enter that must succeed: generous, since it
// only bounds how long a failure takes to show.
const granted = 10 * time.Second

// neverPolls is a poll interval no test lasts: a waiter of a coordinator
// with it can only be woken by a notification (or a local handoff).
const neverPolls = time.Hour

// The budget is the cluster's total across replicas, and a release on one
// replica wakes a waiter on another (notification, not polling): the
// replicas poll once an hour, so the waiter that gets the slot within its
// deadline was woken by the release's notification. No wall-clock bound:
// the mechanism is what is asserted.
func TestBudgetSharedAcrossReplicas(t *testing.T) {
	s := pgtest.Require(t, server, startErr)
	rs, db := replicasWith(t, s, 2, CoordinatorOptions{Poll: neverPolls})
	a, b := rs[0], rs[1]
	l1, err := enter(t, a, "EU", "SEP1", 2, granted)
	if err != nil {
		t.Fatal(err)
	}
	l2, err := enter(t, b, "EU", "SEP2", 2, granted)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := enter(t, b, "EU", "SEP3", 2, 300*time.Millisecond); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a third request with 2 slots taken: %v, want the deadline", err)
	}
	us, err := enter(t, a, "US", "SEP3", 1, granted)
	if err != nil {
		t.Fatalf("another cluster has its own budget: %v", err)
	}
	got := make(chan error, 1)
	go func() {
		l3, err := enter(t, b, "eu", "SEP3", 2, granted)
		if err == nil {
			l3()
		}
		got <- err
	}()
	// The waiter has tried, found every slot taken and queued for one.
	eventually(t, "the third request waits for a slot", func() bool { return b.budget(clusterKey("EU")).waiters() == 1 })
	l1()
	if err := <-got; err != nil {
		t.Fatalf("the waiter did not get the released slot (its replica never polls, so only the notification could wake it): %v", err)
	}
	l2()
	us()
	eventually(t, "every lock given back", func() bool { return advisoryLocks(t, db) == 0 })
}

// Two requests for one device never run at once, whichever replica has
// them; the one waiting holds no slot.
func TestDeviceLockAcrossReplicas(t *testing.T) {
	s := pgtest.Require(t, server, startErr)
	rs, db := replicas(t, s, 2)
	l1, err := enter(t, rs[0], "EU", "SEPAAA", 5, granted)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := enter(t, rs[1], "EU", "sepaaa", 5, 300*time.Millisecond); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("same device (any case) on another replica: %v, want the deadline", err)
	}
	if n := advisoryLocks(t, db); n != 2 {
		t.Errorf("%d advisory locks after the timed-out waiter, want 2 (the first request's device and slot)", n)
	}
	l2, err := enter(t, rs[1], "US", "SEPAAA", 5, granted)
	if err != nil {
		t.Fatalf("the same name in another cluster is another device: %v", err)
	}
	l1()
	l3, err := enter(t, rs[1], "EU", "SEPAAA", 5, granted)
	if err != nil {
		t.Fatalf("after the release: %v", err)
	}
	l2()
	l3()
	eventually(t, "every lock given back", func() bool { return advisoryLocks(t, db) == 0 })
}

// Under load from three replicas, no more than `slots` requests are ever in,
// and never two for one device. Each replica admits 2 × slots requests at
// once, as emclient does.
func TestCoordinationHoldsUnderLoad(t *testing.T) {
	s := pgtest.Require(t, server, startErr)
	rs, db := replicas(t, s, 3)
	const slots, requests, devices = 3, 90, 6
	var in atomic.Int32
	var most atomic.Int32
	var byDevice [devices]atomic.Int32
	var wg sync.WaitGroup
	errs := make(chan error, requests)
	admission := make([]chan struct{}, len(rs))
	for i := range admission {
		admission[i] = make(chan struct{}, 2*slots)
	}
	for i := range requests {
		wg.Add(1)
		go func() {
			defer wg.Done()
			dev, r := i%devices, i%len(rs)
			admission[r] <- struct{}{}
			defer func() { <-admission[r] }()
			leave, err := enter(t, rs[r], "EU", fmt.Sprintf("SEP%d", dev), slots, 20*time.Second)
			if err != nil {
				errs <- err
				return
			}
			n := in.Add(1)
			for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
			}
			if byDevice[dev].Add(1) > 1 {
				errs <- fmt.Errorf("two requests in for device %d", dev)
			}
			time.Sleep(5 * time.Millisecond)
			byDevice[dev].Add(-1)
			in.Add(-1)
			leave()
		}()
	}
	wg.Wait()
	for i, r := range rs {
		t.Logf("replica %d: %+v", i, r.Status())
	}
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if m := most.Load(); m > slots || m < 2 {
		t.Errorf("at most %d requests were in at once, want 2..%d", m, slots)
	}
	eventually(t, "every lock given back", func() bool { return advisoryLocks(t, db) == 0 })
}

// A replica that goes away holding a slot and a device (its sessions end,
// as when its process is killed; features/ kills a real one) frees them for
// the others at their waiters' next poll, without any notification. The
// mechanism is asserted, not a time: the survivor is seen polling (its Waits
// count, one a poll, grows while nothing is released) before the kill, and
// no release is ever notified, so only a poll can have found the locks free.
func TestDeadReplicaReleases(t *testing.T) {
	s := pgtest.Require(t, server, startErr)
	rs, db := replicas(t, s, 2)
	dead, err := enter(t, rs[0], "EU", "SEPDEAD", 1, granted)
	if err != nil {
		t.Fatal(err)
	}
	got := make(chan error, 1)
	go func() {
		l, err := enter(t, rs[1], "EU", "SEPDEAD", 1, granted)
		if err == nil {
			l()
		}
		got <- err
	}()
	eventually(t, "the survivor polls for the device", func() bool { return rs[1].Status().Waits >= 2 })
	// No release statement, no notification: the sessions just end.
	if _, err := db.Exec("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'test-0'"); err != nil {
		t.Fatal(err)
	}
	if err := <-got; err != nil {
		t.Fatalf("the survivor did not get the dead replica's device and slot: %v", err)
	}
	eventually(t, "every lock given back", func() bool { return advisoryLocks(t, db) == 0 })
	dead() // fails on the ended session, which is harmless
}

// With its database gone the coordinator answers at once that it is local
// (and says so in its status); once the database is back, it shares again.
func TestOutageFallsBackToLocalAndRecovers(t *testing.T) {
	s, err := pgtest.Start() // its own server: this test stops it
	s = pgtest.Require(t, s, err)
	defer s.Stop()
	c, err := NewCoordinator(s.CreateDB(t), CoordinatorOptions{Probe: 200 * time.Millisecond, Timeout: testTimeout})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	held, err := enter(t, c, "EU", "SEP1", 1, granted)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Halt(); err != nil {
		t.Fatal(err)
	}
	held() // the release fails: the session is gone anyway
	eventually(t, "local limits", func() bool { return !c.Status().Shared })
	if _, err := enter(t, c, "EU", "SEP2", 1, granted); !errors.Is(err, errLocal) {
		t.Fatalf("enter during the outage: %v, want the local answer", err)
	}
	// It must not wait for the database, which is asserted by the path, not
	// a time: with a context ended already, any try of PostgreSQL would
	// answer the context's error, so the local answer was given without one.
	ended, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Enter(ended, "EU", "SEP2", 1); !errors.Is(err, errLocal) {
		t.Errorf("enter during the outage with an ended context: %v, want the local answer without trying the database", err)
	}
	st := c.Status()
	if st.Fallbacks != 1 || st.Reason == "" {
		t.Errorf("status during the outage: %+v", st)
	}
	if err := s.Resume(); err != nil {
		t.Fatal(err)
	}
	eventually(t, "shared again", func() bool { return c.Status().Shared })
	l, err := enter(t, c, "EU", "SEP2", 1, granted)
	if err != nil {
		t.Fatalf("after the outage: %v", err)
	}
	l()
}

// An unusable DSN is refused without repeating its password.
func TestCoordinatorRefusesBadDSN(t *testing.T) {
	_, err := NewCoordinator("postgres://u:s3cret@host:notaport/db", CoordinatorOptions{})
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Fatalf("err = %v", err)
	}
}

// A request that finishes hands its slot to a request of the same replica
// that waits for it, without going through PostgreSQL; after maxHandoffs in
// a row the slot goes back to PostgreSQL (where the other replicas' waiters
// get their turn), so the last of the chain got it from there. The replica
// never polls: a waiter that polled would leave the queue for a moment, and
// a release in that moment would go through PostgreSQL instead of a handoff.
func TestSlotHandedOverLocally(t *testing.T) {
	s := pgtest.Require(t, server, startErr)
	rs, db := replicasWith(t, s, 1, CoordinatorOptions{Poll: neverPolls})
	a := rs[0]
	held, err := enter(t, a, "EU", "SEP0", 1, granted)
	if err != nil {
		t.Fatal(err)
	}
	// A chain of maxHandoffs+1 local requests, each waiting for the one before.
	for i := 1; i <= maxHandoffs+1; i++ {
		next := make(chan func(), 1)
		go func() {
			l, err := enter(t, a, "EU", fmt.Sprintf("SEP%d", i), 1, granted)
			if err != nil {
				t.Error(err)
				l = func() {}
			}
			next <- l
		}()
		eventually(t, "the next request waits", func() bool { return a.budget(clusterKey("EU")).waiters() == 1 })
		held()
		held = <-next
	}
	if got := a.Status().Handoffs; got != maxHandoffs {
		t.Errorf("%d handoffs, want %d", got, maxHandoffs)
	}
	held()
	eventually(t, "every lock given back", func() bool { return advisoryLocks(t, db) == 0 })
}
