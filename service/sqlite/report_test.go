package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/emconnector/emconnector/service/history"
	"github.com/emconnector/emconnector/service/history/report/reporttest"
	"github.com/emconnector/emconnector/service/history/rollup/rolluptest"
)

// The usage reports read the same rows from SQLite (ScanSessions) as from
// memory, on random histories.
func TestReportProperty(t *testing.T) {
	reporttest.Property(t, openFile)
}

// The reports the rollups serve in SQLite equal those from the rows.
func TestRollupProperty(t *testing.T) {
	rolluptest.Property(t, openFile)
}

func openFile(t *testing.T) history.Store {
	s, err := Open(context.Background(), filepath.Join(t.TempDir(), "h.db"))
	if err != nil {
		t.Fatal(err)
	}
	return s
}
