package historytest

import (
	"testing"

	"github.com/emconnector/emconnector/service/history"
)

// The contract's own check: the in-memory store passes it.
func TestMemoryContract(t *testing.T) {
	StoreContract(t, func(*testing.T) history.Store { return NewMemory() })
}

func TestMemoryRollupContract(t *testing.T) {
	RollupContract(t, func(*testing.T) history.Store { return NewMemory() })
}
