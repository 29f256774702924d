package dashboard

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/emconnector/emconnector/service"
	"github.com/emconnector/emconnector/service/history"
)

// backfillPages bounds the pages of history.MaxLimit rows read at start
// for the charts (1.5 million rows, far above a day at the rates of
// cmd/bcbench/README.md); beyond it the oldest minutes stay empty.
const backfillPages = 1500

// Recent is what the status page shows of the last 24 hours: per-minute
// counts of the requests, the phones logged in now and the breakers'
// state changes. It is fed by the same Event per request as the request
// log, the metrics and the history (it is one more service.Consumer), by
// the CUCM clients' breaker changes (BreakerChanged) and, once at start,
// by the history itself (Backfill). What it holds is this process's view:
// with replicas, each counts the requests it served after it started.
type Recent struct {
	started time.Time
	series  series
	phones  *phonesNow
	states  stateRing

	mu         sync.Mutex
	backfilled bool
	backErr    string
}

// NewRecent returns an empty Recent of a process started at started: the
// history's rows before started are Backfill's, those after are Consume's.
func NewRecent(started time.Time) *Recent {
	return &Recent{started: started.UTC(), phones: newPhonesNow()}
}

// Consume implements service.Consumer: it counts the rows the history
// gets of e (history.RecordsOf), so that the page's numbers are those of
// the history it links to, and whether CUCM answered e busy (26) and it
// was retried.
func (r *Recent) Consume(e service.Event) {
	for _, rec := range history.RecordsOf(e) {
		r.add(rec, e.BusyRetries > 0)
	}
}

func (r *Recent) add(rec history.Record, retried bool) {
	r.series.add(sample{Time: rec.Time, Cluster: rec.Cluster, Class: rec.Class, Code: rec.Code, Op: rec.Op,
		Duration: rec.Duration, Retried: retried})
	r.phones.apply(rec)
}

// BreakerChanged records a change of a node's breaker state.
func (r *Recent) BreakerChanged(c StateChange) { r.states.add(c) }

// Backfill reads what happened before the process started from the
// history: each device's newest change for the phones logged in now, and
// the rows of the last 24 hours for the charts. It tries again every retry
// until it succeeds or ctx ends (a database away at start), going on from
// the page it could not read, so that no row is counted twice.
func (r *Recent) Backfill(ctx context.Context, store history.Store, retry time.Duration) {
	b := backfill{r: r, store: store,
		q: history.Query{From: r.started.Add(-seriesMinutes * time.Minute), To: r.started, Limit: history.MaxLimit}}
	for {
		err := b.run(ctx)
		r.mu.Lock()
		r.backfilled, r.backErr = err == nil, ""
		if err != nil {
			r.backErr = "the history could not be read yet"
		}
		r.mu.Unlock()
		if err == nil {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(retry):
		}
	}
}

// backfill is where Backfill has got to.
type backfill struct {
	r      *Recent
	store  history.Store
	phones bool // the newest changes have been read
	q      history.Query
	pages  int
}

func (b *backfill) run(ctx context.Context) error {
	if !b.phones {
		changes, err := history.LastPhoneChanges(ctx, b.store, history.SessionOps(), b.r.started)
		if err != nil && !errors.Is(err, errors.ErrUnsupported) {
			return err
		} // unsupported: the day's rows below are all there is
		for _, rec := range changes {
			b.r.phones.apply(rec)
		}
		b.phones = true
	}
	for ; b.pages < backfillPages; b.pages++ {
		p, err := b.store.Query(ctx, b.q)
		if err != nil {
			return err
		}
		for _, rec := range p.Rows {
			b.r.add(rec, false) // the history does not keep the retries
		}
		if p.Next == "" {
			break
		}
		b.q.Cursor = p.Next
	}
	b.r.phones.markLoaded()
	return nil
}

// backfillState says whether the history before the start has been read,
// and why not.
func (r *Recent) backfillState() (bool, string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.backfilled, r.backErr
}
