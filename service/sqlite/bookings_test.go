package sqlite

import (
	"path/filepath"
	"testing"

	"github.com/emconnector/emconnector/service"
	"github.com/emconnector/emconnector/service/bookingsql/bookingtest"
)

func TestBookingContract(t *testing.T) {
	bookingtest.Contract(t, func(t *testing.T) service.BookingStore {
		p := NewPool(filepath.Join(t.TempDir(), "history.db"))
		t.Cleanup(func() { _ = p.Close() })
		return p.Bookings()
	})
}
