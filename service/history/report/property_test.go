package report_test

import (
	"testing"

	"github.com/emconnector/emconnector/service/history"
	"github.com/emconnector/emconnector/service/history/historytest"
	"github.com/emconnector/emconnector/service/history/report/reporttest"
)

// A store without streaming (ScanByPages) gives the reports the same rows.
func TestPropertyPagedStore(t *testing.T) {
	reporttest.Property(t, func(*testing.T) history.Store { return historytest.NewMemory() })
}
