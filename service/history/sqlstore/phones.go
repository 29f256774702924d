package sqlstore

import (
	"context"
	"strings"
	"time"

	"github.com/emconnector/emconnector/service/history"
)

// LastPhoneChanges implements history.PhoneChanges: for each distinct
// device (a walk of the device index), the newest matching row found by
// walking that device's rows of the index newest first; a device's rows
// are mostly logins and logouts, so each walk stops after a few.
func (s *Store) LastPhoneChanges(ctx context.Context, ops []string, before time.Time) ([]history.Record, error) {
	if len(ops) == 0 {
		return nil, nil
	}
	args := []any{before.UnixMilli()}
	marks := make([]string, 0, len(ops))
	for _, op := range ops {
		args = append(args, op)
		marks = append(marks, s.ph(len(args)))
	}
	query := "SELECT seq, " + columns + " FROM " + Table + " WHERE seq IN (SELECT (SELECT x.seq FROM " + Table +
		" x WHERE x.device = d.device AND x.time_ms < " + s.ph(1) + " AND x.class = 'success' AND x.op IN (" +
		strings.Join(marks, ", ") + ") ORDER BY x.time_ms DESC, x.seq DESC LIMIT 1) FROM (SELECT DISTINCT device FROM " +
		Table + " WHERE device <> '') d)"
	rows, err := s.db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []history.Record
	for rows.Next() {
		r, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}
