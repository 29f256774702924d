package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/emconnector/emconnector/service"
)

// Sweeps keeps the sweeps' runs and leases (service.SweepStore) and reads
// the logins' ages from the request history (service.RecentLogins), in the
// history's database (migrations sweep_runs and sweep_leases). The lease is
// one row per sweep, taken with an upsert that succeeds only when the row
// is new, ran out, or is already the taker's: the databases' own row
// locking makes exactly one of several replicas the runner.
type Sweeps struct {
	db func(context.Context) (*sql.DB, error)
	ph func(n int) string
}

// NewSweeps returns the sweeps' store on the database db opens (the
// process's pool), whose SQL uses placeholder ph.
func NewSweeps(db func(context.Context) (*sql.DB, error), ph func(n int) string) *Sweeps {
	return &Sweeps{db: db, ph: ph}
}

// q numbers the ? placeholders of query in ph's syntax.
func (s *Sweeps) q(query string) string {
	var b strings.Builder
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteString(s.ph(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func ms(t time.Time) int64 { return t.UnixMilli() }

func fromMS(v int64) time.Time {
	if v == 0 {
		return time.Time{}
	}
	return time.UnixMilli(v).UTC()
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// Claim implements service.SweepStore.
func (s *Sweeps) Claim(ctx context.Context, c service.SweepClaim) (service.SweepClaimed, error) {
	db, err := s.db(ctx)
	if err != nil {
		return service.SweepClaimed{}, err
	}
	state, _, err := s.runState(ctx, db, c.Sweep, c.At)
	if err != nil || (state != "" && state != service.SweepRunning) {
		return service.SweepClaimed{Finished: state != ""}, err
	}
	res, err := db.ExecContext(ctx, s.q(`INSERT INTO sweep_leases (sweep, owner, until_ms) VALUES (?, ?, ?)
		ON CONFLICT (sweep) DO UPDATE SET owner = excluded.owner, until_ms = excluded.until_ms
		WHERE sweep_leases.until_ms < ? OR sweep_leases.owner = excluded.owner`),
		c.Sweep, c.Owner, ms(c.Until), ms(c.Now))
	if err != nil {
		return service.SweepClaimed{}, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return service.SweepClaimed{}, err // held by a live runner
	}
	res, err = db.ExecContext(ctx, s.q(`INSERT INTO sweep_runs (sweep, scheduled_ms, manual, state, owner, app_id, started_ms)
		VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT (sweep, scheduled_ms) DO NOTHING`),
		c.Sweep, ms(c.At), boolInt(c.Manual), service.SweepRunning, c.Owner, service.Storable(c.AppID, service.MaxNameBytes), ms(c.Now))
	if err != nil {
		return service.SweepClaimed{}, s.release(ctx, db, c.Sweep, c.Owner, err)
	}
	if n, err := res.RowsAffected(); err == nil && n == 1 {
		return service.SweepClaimed{Claimed: true, Started: c.Now}, nil
	}
	return s.takeOver(ctx, db, c)
}

// takeOver makes c.Owner, who holds the lease, the runner of a run that
// exists: resumed while it is running (its runner stopped), else not
// claimed (it finished meanwhile).
func (s *Sweeps) takeOver(ctx context.Context, db *sql.DB, c service.SweepClaim) (service.SweepClaimed, error) {
	state, started, err := s.runState(ctx, db, c.Sweep, c.At)
	if err != nil || state != service.SweepRunning {
		return service.SweepClaimed{Finished: err == nil}, s.release(ctx, db, c.Sweep, c.Owner, err)
	}
	if _, err := db.ExecContext(ctx, s.q(`UPDATE sweep_runs SET owner = ?, resumed = 1 WHERE sweep = ? AND scheduled_ms = ?`),
		c.Owner, c.Sweep, ms(c.At)); err != nil {
		return service.SweepClaimed{}, s.release(ctx, db, c.Sweep, c.Owner, err)
	}
	return service.SweepClaimed{Claimed: true, Resumed: true, Started: started}, nil
}

// runState is the state of a run ("" when it does not exist) and when it
// started.
func (s *Sweeps) runState(ctx context.Context, db *sql.DB, sweep string, at time.Time) (string, time.Time, error) {
	var state string
	var started int64
	err := db.QueryRowContext(ctx, s.q(`SELECT state, started_ms FROM sweep_runs WHERE sweep = ? AND scheduled_ms = ?`), sweep, ms(at)).Scan(&state, &started)
	if errors.Is(err, sql.ErrNoRows) {
		return "", time.Time{}, nil
	}
	return state, fromMS(started), err
}

// release gives owner's lease on sweep back, and returns cause.
func (s *Sweeps) release(ctx context.Context, db *sql.DB, sweep, owner string, cause error) error {
	_, err := db.ExecContext(ctx, s.q(`DELETE FROM sweep_leases WHERE sweep = ? AND owner = ?`), sweep, owner)
	return errors.Join(cause, err)
}

// Renew implements service.SweepStore.
func (s *Sweeps) Renew(ctx context.Context, sweep, owner string, until time.Time) (bool, error) {
	db, err := s.db(ctx)
	if err != nil {
		return false, err
	}
	res, err := db.ExecContext(ctx, s.q(`UPDATE sweep_leases SET until_ms = ? WHERE sweep = ? AND owner = ?`), ms(until), sweep, owner)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// Finish implements service.SweepStore.
func (s *Sweeps) Finish(ctx context.Context, owner string, r service.SweepReport) error {
	db, err := s.db(ctx)
	if err != nil {
		return err
	}
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }() // no-op after Commit
	if _, err := tx.ExecContext(ctx, s.q(`UPDATE sweep_runs SET state = ?, finished_ms = ?, resumed = ?, examined = ?, logged_in = ?,
		logged_out = ?, spared = ?, failures = ? WHERE sweep = ? AND scheduled_ms = ? AND owner = ?`),
		r.State, ms(r.Finished), boolInt(r.Resumed), r.Examined, r.LoggedIn, r.LoggedOut, r.Spared, r.FailureText(),
		r.Sweep, ms(r.Scheduled), owner); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM sweep_leases WHERE sweep = ? AND owner = ?`), r.Sweep, owner); err != nil {
		return err
	}
	return tx.Commit()
}

// Stale implements service.SweepStore.
func (s *Sweeps) Stale(ctx context.Context, sweep string, now time.Time) ([]time.Time, error) {
	db, err := s.db(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, s.q(`SELECT scheduled_ms FROM sweep_runs WHERE sweep = ? AND state = ?
		AND NOT EXISTS (SELECT 1 FROM sweep_leases WHERE sweep_leases.sweep = sweep_runs.sweep AND sweep_leases.until_ms >= ?)
		ORDER BY scheduled_ms`), sweep, service.SweepRunning, ms(now))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []time.Time
	for rows.Next() {
		var at int64
		if err := rows.Scan(&at); err != nil {
			return nil, err
		}
		out = append(out, fromMS(at))
	}
	return out, rows.Err()
}

// Reports implements service.SweepStore.
func (s *Sweeps) Reports(ctx context.Context, sweep string, limit int) ([]service.SweepReport, error) {
	db, err := s.db(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := db.QueryContext(ctx, s.q(`SELECT scheduled_ms, manual, state, app_id, resumed, started_ms, finished_ms,
		examined, logged_in, logged_out, spared, failures FROM sweep_runs WHERE sweep = ? ORDER BY scheduled_ms DESC LIMIT ?`), sweep, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []service.SweepReport
	for rows.Next() {
		r := service.SweepReport{Sweep: sweep}
		var at, started, finished int64
		var manual, resumed int
		var failures string
		if err := rows.Scan(&at, &manual, &r.State, &r.AppID, &resumed, &started, &finished,
			&r.Examined, &r.LoggedIn, &r.LoggedOut, &r.Spared, &failures); err != nil {
			return nil, err
		}
		r.Scheduled, r.Started, r.Finished = fromMS(at), fromMS(started), fromMS(finished)
		r.Manual, r.Resumed, r.Failures = manual == 1, resumed == 1, service.ParseFailures(failures)
		out = append(out, r)
	}
	return out, rows.Err()
}

// maxRecentLogins bounds the history rows one RecentLogins reads.
const maxRecentLogins = 200000

// RecentLogins implements service.RecentLogins: the successful logins of
// the history since `since` (the time index), kept for the cluster and
// devices asked, the latest per device.
func (s *Sweeps) RecentLogins(ctx context.Context, cluster string, devices []string, since time.Time) (map[string]service.SeenLogin, error) {
	db, err := s.db(ctx)
	if err != nil {
		return nil, err
	}
	want := make(map[string]bool, len(devices))
	for _, d := range devices {
		want[strings.ToUpper(d)] = true
	}
	rows, err := db.QueryContext(ctx, s.q(`SELECT device, user_id, cluster, time_ms FROM `+Table+`
		WHERE time_ms >= ? AND op = ? AND code = 0 ORDER BY time_ms LIMIT ?`), ms(since), string(service.OpLogin), maxRecentLogins)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]service.SeenLogin{}
	for rows.Next() {
		var device, user, cl string
		var at int64
		if err := rows.Scan(&device, &user, &cl, &at); err != nil {
			return nil, err
		}
		if key := strings.ToUpper(device); want[key] && strings.EqualFold(cl, cluster) {
			out[key] = service.SeenLogin{User: user, Time: fromMS(at)}
		}
	}
	return out, rows.Err()
}

var (
	_ service.SweepStore   = (*Sweeps)(nil)
	_ service.RecentLogins = (*Sweeps)(nil)
)
