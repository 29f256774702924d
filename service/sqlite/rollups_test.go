package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/emconnector/emconnector/service/history"
	"github.com/emconnector/emconnector/service/history/historytest"
)

// SQLite keeps the rollups as the contract says, its write lock ordering
// racing batches and inserts.
func TestRollupContract(t *testing.T) {
	historytest.RollupContract(t, func(t *testing.T) history.Store {
		s, err := Open(context.Background(), filepath.Join(t.TempDir(), "history.db"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// The service's history store (the pool's, opened lazily) keeps the
// rollups: the rollup job and the reports reach them through Lazy.Rollups.
func TestPoolHistoryHasRollups(t *testing.T) {
	p := NewPool(filepath.Join(t.TempDir(), "history.db"))
	defer p.Close()
	rs, err := p.History().(*history.Lazy).Rollups(context.Background())
	if err != nil {
		t.Fatalf("Rollups: %v", err)
	}
	if st, err := rs.RollupState(context.Background()); err != nil || st.Watermark != 0 {
		t.Errorf("RollupState = %+v, %v; want the zero state", st, err)
	}
}
