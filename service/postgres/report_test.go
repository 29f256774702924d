package postgres

import (
	"testing"

	"github.com/emconnector/emconnector/service/history/report/reporttest"
	"github.com/emconnector/emconnector/service/history/rollup/rolluptest"
)

// The usage reports read the same rows from PostgreSQL (ScanSessions) as
// from memory, on random histories.
func TestReportProperty(t *testing.T) {
	reporttest.Property(t, open)
}

// The reports the rollups serve in PostgreSQL equal those from the rows.
func TestRollupProperty(t *testing.T) {
	rolluptest.Property(t, open)
}
