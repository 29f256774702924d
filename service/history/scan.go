package history

import (
	"context"
	"slices"
	"time"
)

// SessionOps are the operations whose rows change a phone's login
// (PhoneEffects): the only rows the usage reports read.
func SessionOps() []string {
	out := make([]string, 0, len(PhoneEffects))
	for op, eff := range PhoneEffects {
		if eff != NoEffect {
			out = append(out, string(op))
		}
	}
	slices.Sort(out)
	return out
}

// SessionScan selects the rows a SessionScanner streams: those of
// SessionOps within [From, To), of Cluster and Device when not "".
type SessionScan struct {
	From, To        time.Time
	Cluster, Device string
}

// SessionScanner is a Store that streams the rows of a SessionScan oldest
// first (time, then Seq) in one statement, without pages: the usage
// reports' read. The rows hold Seq, Time, Op, Device, User, Cluster, Class
// and Until only. fn's error stops the scan and is returned.
type SessionScanner interface {
	ScanSessions(ctx context.Context, s SessionScan, fn func(Record) error) error
}

// ScanSessions implements SessionScanner when the store it opens does;
// otherwise it pages through Query (ScanByPages).
func (l *Lazy) ScanSessions(ctx context.Context, sc SessionScan, fn func(Record) error) error {
	s, err := l.store.Get(ctx)
	if err != nil {
		return err
	}
	if ss, ok := s.(SessionScanner); ok {
		return ss.ScanSessions(ctx, sc, fn)
	}
	return ScanByPages(ctx, s, sc, fn)
}

// ScanByPages streams the rows of sc oldest first from any Store through
// its paged Query: the pages come newest first, so it holds the rows of
// SessionOps in memory before it hands them out. Stores that stream
// (SessionScanner) do better.
func ScanByPages(ctx context.Context, s Store, sc SessionScan, fn func(Record) error) error {
	q := Query{From: sc.From, To: sc.To, Cluster: sc.Cluster, Device: sc.Device, Limit: MaxLimit}
	ops := SessionOps()
	var rows []Record
	for {
		p, err := s.Query(ctx, q)
		if err != nil {
			return err
		}
		for _, r := range p.Rows {
			if slices.Contains(ops, r.Op) {
				rows = append(rows, r)
			}
		}
		if p.Next == "" {
			break
		}
		q.Cursor = p.Next
	}
	for _, r := range slices.Backward(rows) {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}
