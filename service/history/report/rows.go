package report

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/emconnector/emconnector/service/history"
)

// Window is the span of history rows a report of f at now reads: from
// Lookback before the range (or before Since, if earlier) to its end or
// now, whichever is later (the rows after the range end the sessions
// begun in it: their lengths are whole).
func Window(f Filter, now time.Time) (from, to time.Time) {
	return earlier(f.From, f.Since).Add(-Lookback), later(f.To, now)
}

// errTooManyRows stops a scan past MaxRows.
var errTooManyRows = errors.New("too many rows")

// Run computes the report of f from store's rows: those of the operations
// that change a phone (history.SessionOps) within Window(f, now), streamed
// oldest first (history.SessionScanner, or pages of Query for a store that
// does not stream), at most MaxRows of them. A device pattern without a
// wildcard narrows the read; the cluster and the user cannot: a session is
// a device's (the device page's rule, whatever the cluster of the row
// that ends it) and a logout row names no user. They select the sessions
// by their login.
func Run(ctx context.Context, store history.Store, f Filter, now time.Time, hours *BusinessHours) (Report, error) {
	if err := f.Validate(); err != nil {
		return Report{}, err
	}
	from, to := Window(f, now)
	sc := history.SessionScan{From: from, To: to, Device: f.literalDevice()}
	b, n := newBuilder(f, now), 0
	add := func(r history.Record) error {
		if n++; n > MaxRows {
			return errTooManyRows
		}
		b.add(r)
		return nil
	}
	var err error
	if ss, ok := store.(history.SessionScanner); ok {
		err = ss.ScanSessions(ctx, sc, add)
	} else {
		err = history.ScanByPages(ctx, store, sc, add)
	}
	switch {
	case errors.Is(err, errTooManyRows):
		return Report{}, bad("from", "the report would read more than %d history rows: choose a shorter range or one device", MaxRows)
	case err != nil:
		return Report{}, fmt.Errorf("report: %w", err)
	}
	return b.finish(hours), nil
}
