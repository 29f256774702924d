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
