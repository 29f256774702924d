package history

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emconnector/emconnector/service"
)

// Writer defaults (cmd/bcservice/README.md, "Request history").
const (
	DefaultQueueSize    = 10_000
	DefaultBatchSize    = 200
	DefaultInterval     = 100 * time.Millisecond
	DefaultRetryMin     = 100 * time.Millisecond
	DefaultRetryMax     = 10 * time.Second
	DefaultWriteTimeout = 10 * time.Second
	DefaultWarnEvery    = 30 * time.Second
)

// WriterOptions tune a Writer; zero values take the defaults.
type WriterOptions struct {
	// QueueSize bounds the rows waiting to be written; when it is full,
	// new rows are dropped and counted.
	QueueSize int
	// BatchSize rows at most go in one transaction, which is committed when
	// full or every Interval (group commit).
	BatchSize int
	Interval  time.Duration
	// RetryMin and RetryMax bound the exponential backoff after a failed
	// write; WriteTimeout bounds one attempt.
	RetryMin, RetryMax time.Duration
	WriteTimeout       time.Duration
	// Logger receives a WARN at most every WarnEvery while writes fail or
	// rows are dropped; nil discards.
	Logger    *slog.Logger
	WarnEvery time.Duration
	// Now is the clock of LastCommit; nil means time.Now.
	Now func() time.Time
}

func (o *WriterOptions) defaults() {
	def := func(p *time.Duration, d time.Duration) {
		if *p <= 0 {
			*p = d
		}
	}
	if o.QueueSize <= 0 {
		o.QueueSize = DefaultQueueSize
	}
	if o.BatchSize <= 0 {
		o.BatchSize = DefaultBatchSize
	}
	def(&o.Interval, DefaultInterval)
	def(&o.RetryMin, DefaultRetryMin)
	def(&o.RetryMax, DefaultRetryMax)
	def(&o.WriteTimeout, DefaultWriteTimeout)
	def(&o.WarnEvery, DefaultWarnEvery)
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

// Writer is the service.Consumer that records each API request in a Store
// without ever making the request wait: Consume only enqueues (or drops
// and counts when the queue is full) and one goroutine writes batches.
// While the store fails, rows stay queued up to the bound and the batch is
// retried with backoff; Close flushes what is queued.
type Writer struct {
	store Store
	opts  WriterOptions
	queue chan Record

	stop chan struct{} // closed by Close
	done chan struct{} // closed when the goroutine has finished
	// runCtx is cancelled when Close's context ends, so that a write in
	// progress does not outlive the flush bound.
	runCtx    context.Context
	cancelRun context.CancelFunc
	closeCtx  context.Context
	closeErr  error
	once      sync.Once
	closed    atomic.Bool

	dropped    atomic.Uint64
	rejected   atomic.Uint64
	inFlight   atomic.Int64 // rows taken from the queue, not yet committed
	lastCommit atomic.Int64 // unix nanoseconds; 0: never
	// lastWarn and warnedDrops are the goroutine's only.
	lastWarn    time.Time
	warnedDrops uint64
	// lastReject is when a rejected row was last logged (the goroutine's).
	lastReject time.Time
}

// Stats is the Writer's state for the metrics.
type Stats struct {
	// Dropped counts rows lost: queue full, or not written by Close.
	Dropped uint64
	// Rejected counts rows the database refused on their own (ErrRefused)
	// and that were therefore skipped; the rows around them were written.
	Rejected uint64
	// Depth is the rows waiting: queued plus the batch being written.
	Depth int
	// LastCommit is when a batch was last committed; zero if never.
	LastCommit time.Time
}

// NewWriter starts a Writer on store.
func NewWriter(store Store, opts WriterOptions) *Writer {
	opts.defaults()
	runCtx, cancel := context.WithCancel(context.Background())
	w := &Writer{
		store:     store,
		opts:      opts,
		queue:     make(chan Record, opts.QueueSize),
		stop:      make(chan struct{}),
		done:      make(chan struct{}),
		runCtx:    runCtx,
		cancelRun: cancel,
	}
	go w.run()
	return w
}

// Consume records the rows of e (RecordsOf) (service.Consumer).
// It never blocks.
func (w *Writer) Consume(e service.Event) {
	for _, r := range RecordsOf(e) {
		w.Add(r)
	}
}

// Add enqueues r, or drops and counts it when the queue is full or the
// Writer is closed. It never blocks.
func (w *Writer) Add(r Record) {
	if w.closed.Load() {
		w.dropped.Add(1)
		return
	}
	select {
	case w.queue <- r:
	default:
		w.dropped.Add(1)
	}
}

// Stats returns the counters the metrics read.
func (w *Writer) Stats() Stats {
	s := Stats{Dropped: w.dropped.Load(), Rejected: w.rejected.Load(), Depth: len(w.queue) + int(w.inFlight.Load())}
	if ns := w.lastCommit.Load(); ns != 0 {
		s.LastCommit = time.Unix(0, ns)
	}
	return s
}

// Close stops accepting rows and writes those queued, retrying until ctx
// ends; the rows it could not write are counted as dropped and reported
// in the error. The store is not closed. Later calls return the same.
func (w *Writer) Close(ctx context.Context) error {
	w.once.Do(func() {
		w.closeCtx = ctx
		w.closed.Store(true)
		stopAfter := context.AfterFunc(ctx, w.cancelRun)
		defer stopAfter()
		defer w.cancelRun()
		close(w.stop)
		<-w.done
	})
	return w.closeErr
}

func (w *Writer) run() {
	defer close(w.done)
	batch := make([]Record, 0, w.opts.BatchSize)
	tick := time.NewTicker(w.opts.Interval)
	defer tick.Stop()
	for {
		select {
		case r := <-w.queue:
			batch = append(batch, r)
			w.inFlight.Add(1)
			if len(batch) < w.opts.BatchSize {
				continue
			}
		case <-tick.C:
			w.reportDrops()
		case <-w.stop:
			w.closeErr = w.drain(batch)
			return
		}
		if len(batch) == 0 {
			continue
		}
		// write fails only when Close interrupts its retries.
		if rest, err := w.write(w.runCtx, batch, w.stop); err != nil {
			w.closeErr = w.drain(rest)
			return
		}
		batch = batch[:0]
	}
}

// drain writes batch and then the queue, batch by batch, until done or
// closeCtx ends.
func (w *Writer) drain(batch []Record) error {
	for {
	fill:
		for len(batch) < w.opts.BatchSize {
			select {
			case r := <-w.queue:
				batch = append(batch, r)
				w.inFlight.Add(1)
			default:
				break fill
			}
		}
		if len(batch) == 0 {
			return nil
		}
		if rest, err := w.write(w.closeCtx, batch, w.closeCtx.Done()); err != nil {
			lost := len(rest) + w.discardQueue()
			w.dropped.Add(uint64(lost))
			w.inFlight.Store(0)
			w.opts.Logger.Warn("history: rows lost at shutdown", "rows", lost, "error", err)
			return fmt.Errorf("history: %d rows not written: %w", lost, err)
		}
		batch = batch[:0]
	}
}

// discardQueue empties the queue and returns how many rows it held.
func (w *Writer) discardQueue() int {
	for n := 0; ; n++ {
		select {
		case <-w.queue:
		default:
			return n
		}
	}
}

// write inserts batch, retrying with exponential backoff until it is
// committed, ctx ends or abort is closed (then it returns the rows not
// written and the last error). A batch the database refuses (ErrRefused)
// is split in halves, each written the same way, so that one row it
// cannot store is rejected alone and never stops the rows after it.
func (w *Writer) write(ctx context.Context, batch []Record, abort <-chan struct{}) (rest []Record, err error) {
	backoff := w.opts.RetryMin
	for {
		actx, cancel := context.WithTimeout(ctx, w.opts.WriteTimeout)
		err := w.store.Insert(actx, batch)
		cancel()
		if err == nil {
			w.inFlight.Add(-int64(len(batch)))
			w.lastCommit.Store(w.opts.Now().UnixNano())
			return nil, nil
		}
		if errors.Is(err, ErrRefused) {
			return w.split(ctx, batch, abort, err)
		}
		w.warn("history: write failed; rows are kept in the queue and retried", "error", err, "rows", len(batch))
		select {
		case <-time.After(backoff):
		case <-abort:
			return batch, err
		case <-ctx.Done():
			return batch, err
		}
		backoff = min(2*backoff, w.opts.RetryMax)
	}
}

// split writes the halves of a refused batch, or rejects its one row.
func (w *Writer) split(ctx context.Context, batch []Record, abort <-chan struct{}, err error) ([]Record, error) {
	if len(batch) == 1 {
		w.reject(batch[0], err)
		return nil, nil
	}
	half := len(batch) / 2
	if rest, err := w.write(ctx, batch[:half], abort); err != nil {
		return slices.Concat(rest, batch[half:]), err
	}
	return w.write(ctx, batch[half:], abort)
}

// reject counts a row the database refused and logs it at most once every
// WarnEvery, naming the row by request id and operation only: its values
// are what the database could not take, and may be long.
func (w *Writer) reject(r Record, err error) {
	w.inFlight.Add(-1)
	n := w.rejected.Add(1)
	now := w.opts.Now()
	if !w.lastReject.IsZero() && now.Sub(w.lastReject) < w.opts.WarnEvery {
		return
	}
	w.lastReject = now
	w.opts.Logger.Warn("history: the database refused a row; it is skipped and the history goes on",
		"request_id", service.Storable(r.ID, 64), "op", service.Storable(r.Op, 64),
		"error", service.Storable(err.Error(), 512), "rejected_total", n)
}

// reportDrops warns when rows were dropped since the last warning.
func (w *Writer) reportDrops() {
	if w.dropped.Load() > w.warnedDrops {
		w.warn("history: rows dropped (queue full)")
	}
}

// warn logs at most once every WarnEvery, with the drop count and the
// queue depth, so that a long outage does not flood the log.
func (w *Writer) warn(msg string, args ...any) {
	now := w.opts.Now()
	if !w.lastWarn.IsZero() && now.Sub(w.lastWarn) < w.opts.WarnEvery {
		return
	}
	w.lastWarn = now
	s := w.Stats()
	w.warnedDrops = s.Dropped
	w.opts.Logger.Warn(msg, append(args, "dropped_total", s.Dropped, "queue_depth", s.Depth)...)
}
