// Package historytest holds the contract every history.Store passes
// (StoreContract) and an in-memory Store for the tests of its users.
package historytest

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"sync"
	"time"

	"github.com/emconnector/emconnector/service/history"
)

// Memory is a history.Store in memory whose Insert can be made to fail.
type Memory struct {
	mu       sync.Mutex
	rows     []history.Record
	seq      int64
	fail     error
	inserts  int
	attempts int
	// rollups are the history.RollupStore's (rollups.go).
	rollups rollupData
}

// NewMemory returns an empty Memory.
func NewMemory() *Memory { return &Memory{} }

// Fail makes every Insert return err until Fail(nil).
func (m *Memory) Fail(err error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.fail = err
}

// Rows returns the rows written, in insertion order.
func (m *Memory) Rows() []history.Record {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.rows)
}

// Inserts counts the successful Insert calls (transactions).
func (m *Memory) Inserts() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.inserts
}

// Attempts counts the Insert calls, failed ones included.
func (m *Memory) Attempts() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.attempts
}

// Insert implements history.Store.
func (m *Memory) Insert(ctx context.Context, rows []history.Record) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.attempts++
	if m.fail != nil {
		return m.fail
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if len(rows) == 0 {
		return nil
	}
	for _, r := range rows {
		m.seq++
		r.Seq = m.seq
		r.Time = r.Time.UTC().Truncate(time.Millisecond)
		r.Duration = r.Duration.Truncate(time.Millisecond)
		m.rows = append(m.rows, r)
	}
	m.markStale(rows)
	m.inserts++
	return nil
}

// Query implements history.Store.
func (m *Memory) Query(_ context.Context, q history.Query) (history.Page, error) {
	if err := q.Validate(); err != nil {
		return history.Page{}, err
	}
	var after *history.Position
	if q.Cursor != "" {
		p, err := history.DecodeCursor(q.Cursor)
		if err != nil {
			return history.Page{}, err
		}
		after = &p
	}
	m.mu.Lock()
	var out []history.Record
	for _, r := range m.rows {
		if matches(r, q, after) {
			out = append(out, r)
		}
	}
	m.mu.Unlock()
	slices.SortFunc(out, func(a, b history.Record) int {
		return cmp.Or(b.Time.Compare(a.Time), cmp.Compare(b.Seq, a.Seq))
	})
	limit := history.ClampLimit(q.Limit)
	var page history.Page
	if len(out) > limit {
		out = out[:limit]
		last := out[limit-1]
		page.Next = history.EncodeCursor(history.Position{TimeMS: last.Time.UnixMilli(), Seq: last.Seq})
	}
	page.Rows = out
	return page, nil
}

func matches(r history.Record, q history.Query, after *history.Position) bool {
	ms := r.Time.UnixMilli()
	switch {
	case q.Device != "" && r.Device != q.Device, q.User != "" && r.User != q.User,
		q.Cluster != "" && r.Cluster != q.Cluster, q.Op != "" && r.Op != q.Op,
		q.Class != "" && r.Class != q.Class, q.HasCode && r.Code != q.Code,
		!q.From.IsZero() && ms < q.From.UnixMilli(), !q.To.IsZero() && ms >= q.To.UnixMilli():
		return false
	case after != nil:
		return ms < after.TimeMS || (ms == after.TimeMS && r.Seq < after.Seq)
	}
	return true
}

// Purge implements history.Store.
func (m *Memory) Purge(_ context.Context, before time.Time, limit int) (int64, error) {
	if limit < 1 {
		return 0, errors.New("historytest: purge limit must be positive")
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	var n int64
	m.rows = slices.DeleteFunc(m.rows, func(r history.Record) bool {
		if n < int64(limit) && r.Time.Before(before) {
			n++
			return true
		}
		return false
	})
	return n, nil
}

// Close implements history.Store.
func (m *Memory) Close() error { return nil }
