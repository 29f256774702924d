package history

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// Retention defaults.
const (
	DefaultRetention  = 90 * 24 * time.Hour
	DefaultPurgeEvery = 5 * time.Minute
	DefaultPurgeBatch = 1000
	// purgePause separates two batches of one purge, so that the writer's
	// transactions get the database in between.
	purgePause = 50 * time.Millisecond
)

// Retention deletes the rows older than Keep, in batches of Batch rows
// every Every.
type Retention struct {
	Store Store
	Keep  time.Duration
	Every time.Duration
	Batch int
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger learns of failed purges; nil discards.
	Logger *slog.Logger
}

func (r *Retention) now() time.Time {
	if r.Now == nil {
		return time.Now()
	}
	return r.Now()
}

func (r *Retention) batch() int {
	if r.Batch < 1 {
		return DefaultPurgeBatch
	}
	return r.Batch
}

// PurgeOnce deletes every row older than Keep, batch after batch, and
// returns how many it deleted; then the rollups of the hours and days
// before the same time, when the store keeps any.
func (r *Retention) PurgeOnce(ctx context.Context) (int64, error) {
	before := r.now().Add(-r.Keep)
	total, err := r.purgeRows(ctx, before)
	if err != nil {
		return total, err
	}
	return total, r.purgeRollups(ctx, before)
}

func (r *Retention) purgeRows(ctx context.Context, before time.Time) (int64, error) {
	var total int64
	for {
		n, err := r.Store.Purge(ctx, before, r.batch())
		total += n
		if err != nil || n < int64(r.batch()) {
			return total, err
		}
		select {
		case <-ctx.Done():
			return total, ctx.Err()
		case <-time.After(purgePause):
		}
	}
}

// purgeRollups drops the rollups of what purgeRows dropped: they keep no
// more of the past than the rows (Keep).
func (r *Retention) purgeRollups(ctx context.Context, before time.Time) error {
	rs, err := RollupsOf(ctx, r.Store)
	switch {
	case errors.Is(err, ErrNoRollups):
		return nil
	case err != nil:
		return err
	}
	return rs.PurgeRollups(ctx, before.UnixMilli())
}

// Run purges at once and then every Every until ctx ends.
func (r *Retention) Run(ctx context.Context) {
	every := r.Every
	if every <= 0 {
		every = DefaultPurgeEvery
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if n, err := r.PurgeOnce(ctx); err != nil && ctx.Err() == nil && r.Logger != nil {
			r.Logger.Warn("history: purge failed", "error", err, "deleted", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
