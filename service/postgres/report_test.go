package postgres

import (
	"testing"

	"github.com/emconnector/emconnector/service/history/report/reporttest"
)

// The usage reports read the same rows from PostgreSQL (ScanSessions) as
// from memory, on random histories.
func TestReportProperty(t *testing.T) {
	reporttest.Property(t, open)
}
