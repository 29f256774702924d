package dashboard_test

import (
	"testing"
	"time"

	"github.com/emconnector/emconnector/service/dashboard"
	"github.com/emconnector/emconnector/service/dashboard/sessiontest"
)

func TestMemorySessionsContract(t *testing.T) {
	sessiontest.Contract(t, func(_ *testing.T, idle, absolute time.Duration, now func() time.Time) dashboard.SessionStore {
		return dashboard.NewMemorySessions(idle, absolute, now)
	})
}
