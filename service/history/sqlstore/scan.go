package sqlstore

import (
	"context"
	"strings"
	"time"

	"github.com/emconnector/emconnector/service/history"
)

// ScanSessions streams the rows of s oldest first (history.SessionScanner).
// The (time_ms, seq) index serves the range in order; the operation is a
// filter on it.
func (s *Store) ScanSessions(ctx context.Context, sc history.SessionScan, fn func(history.Record) error) error {
	var conds []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		conds = append(conds, strings.Replace(cond, "?", s.ph(len(args)), 1))
	}
	add("time_ms >= ?", sc.From.UnixMilli())
	add("time_ms < ?", sc.To.UnixMilli())
	var ops []string
	for _, op := range history.SessionOps() {
		args = append(args, op)
		ops = append(ops, s.ph(len(args)))
	}
	conds = append(conds, "op IN ("+strings.Join(ops, ", ")+")")
	if sc.Cluster != "" {
		add("cluster = ?", sc.Cluster)
	}
	if sc.Device != "" {
		add("device = ?", sc.Device)
	}
	// only what a session needs: the other columns cost a string each
	query := "SELECT seq, time_ms, op, device, user_id, cluster, class, until_ms FROM " + Table +
		" WHERE " + strings.Join(conds, " AND ") + " ORDER BY time_ms, seq"
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var r history.Record
		var timeMS, until int64
		if err := rows.Scan(&r.Seq, &timeMS, &r.Op, &r.Device, &r.User, &r.Cluster, &r.Class, &until); err != nil {
			return err
		}
		r.Time = time.UnixMilli(timeMS).UTC()
		if until != 0 {
			r.Until = time.UnixMilli(until).UTC()
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	return rows.Err()
}
