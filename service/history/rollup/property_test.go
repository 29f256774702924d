package rollup_test

import (
	"testing"

	"github.com/emconnector/emconnector/service/history"
	"github.com/emconnector/emconnector/service/history/historytest"
	"github.com/emconnector/emconnector/service/history/rollup/rolluptest"
)

func TestRollupsEqualRowsInMemory(t *testing.T) {
	rolluptest.Property(t, func(*testing.T) history.Store { return historytest.NewMemory() })
}
