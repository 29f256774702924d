package postgres

import (
	"testing"

	"github.com/emconnector/emconnector/service/history/historytest"
)

func TestPhoneChanges(t *testing.T) {
	historytest.PhoneChangesContract(t, open)
}
