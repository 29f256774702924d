package rollup

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/emconnector/emconnector/service/history"
)

// DefaultEvery is how often the job looks for settled hours.
const DefaultEvery = time.Minute

// Job runs Advance on a store every Every until its context ends: each
// replica of the service runs one; the one whose batch lands first moves
// the watermark, the others' batches are dropped (history.ErrRollupMoved).
type Job struct {
	Store history.Store
	Every time.Duration
	// Zones are those whose days are kept whole besides UTC's: the
	// reports' default zone.
	Zones []*time.Location
	// Now is the clock; nil means time.Now.
	Now func() time.Time
	// Logger learns of failed runs; nil discards.
	Logger *slog.Logger
}

// Run advances the rollups at once and then every Every until ctx ends.
func (j *Job) Run(ctx context.Context) {
	every := j.Every
	if every <= 0 {
		every = DefaultEvery
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		if err := j.once(ctx); err != nil && ctx.Err() == nil && j.Logger != nil {
			j.Logger.Warn("history: rollups not advanced", "error", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (j *Job) once(ctx context.Context) error {
	now := time.Now
	if j.Now != nil {
		now = j.Now
	}
	rs, err := history.RollupsOf(ctx, j.Store)
	switch {
	case errors.Is(err, history.ErrNoRollups):
		return nil
	case err != nil:
		return err // the database is away: the next tick tries again
	}
	_, err = Advance(ctx, rs, now(), j.Zones...)
	if errors.Is(err, errCorrupt) { // rebuilt from the rows
		return rs.ResetRollups(ctx)
	}
	return err
}
