package websession_test

import (
	"testing"
	"time"

	"github.com/emconnector/emconnector/service/websession"
	"github.com/emconnector/emconnector/service/websession/websessiontest"
)

func TestMemorySessionsContract(t *testing.T) {
	websessiontest.Contract(t, func(_ *testing.T, idle, absolute time.Duration, now func() time.Time) websession.Store {
		return websession.NewMemory(idle, absolute, now)
	})
}
