package historytest

import (
	"testing"

	"github.com/emconnector/emconnector/service/history"
)

func TestMemoryPhoneChanges(t *testing.T) {
	PhoneChangesContract(t, func(*testing.T) history.Store { return NewMemory() })
}
