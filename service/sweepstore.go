package service

import (
	"context"
	"time"
)

// SweepStore keeps the sweeps' runs and hands each run to one runner
// across replicas (cmd/bcservice/README.md, "Sweeps"): a run is the row
// (sweep, scheduled time), and a sweep has at most one runner at a time,
// the owner of its lease. service/history/sqlstore implements it on the
// history's database.
type SweepStore interface {
	// Claim makes owner the runner of sweep's run at `at` until `until`
	// (the lease; Renew extends it). It fails (Claimed false) while
	// another owner's lease on the sweep is live, and for a run that
	// finished. A run left running by an owner whose lease ran out is
	// taken over: Resumed.
	Claim(ctx context.Context, c SweepClaim) (SweepClaimed, error)
	// Renew extends owner's lease on sweep; false means it was lost.
	Renew(ctx context.Context, sweep, owner string, until time.Time) (bool, error)
	// Finish records r, the run owner claimed, and gives the lease back.
	Finish(ctx context.Context, owner string, r SweepReport) error
	// Stale lists sweep's runs left running whose lease ran out (their
	// runner stopped without finishing), oldest first.
	Stale(ctx context.Context, sweep string, now time.Time) ([]time.Time, error)
	// Reports returns sweep's latest runs, newest first.
	Reports(ctx context.Context, sweep string, limit int) ([]SweepReport, error)
}

// SweepClaim asks for a run.
type SweepClaim struct {
	Sweep  string
	At     time.Time // the scheduled time (a manual run: when it was asked)
	Manual bool
	AppID  string
	Owner  string
	Now    time.Time
	Until  time.Time
}

// SweepClaimed is a Claim's outcome.
type SweepClaimed struct {
	Claimed bool
	// Resumed: the run had been started by a runner that stopped.
	Resumed bool
	// Started is when the run first started (now for a new run).
	Started time.Time
	// Finished: the run had finished (not claimed, and never again).
	Finished bool
}

// RecentLogins tells a sweep how old a login is: the request history's
// successful logins (service/history/sqlstore implements it).
type RecentLogins interface {
	// RecentLogins returns, for each of devices of cluster (any case; the
	// map's keys upper case) that had a successful login at or after
	// since, the latest such login.
	RecentLogins(ctx context.Context, cluster string, devices []string, since time.Time) (map[string]SeenLogin, error)
}

// SeenLogin is a login the history saw.
type SeenLogin struct {
	User string
	Time time.Time
}
