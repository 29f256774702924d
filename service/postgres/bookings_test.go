package postgres

import (
	"testing"

	"github.com/emconnector/emconnector/service"
	"github.com/emconnector/emconnector/service/bookingsql/bookingtest"
	"github.com/emconnector/emconnector/service/postgres/pgtest"
)

func TestBookingContract(t *testing.T) {
	bookingtest.Contract(t, func(t *testing.T) service.BookingStore {
		s := pgtest.Require(t, server, startErr)
		p := NewPool(s.CreateDB(t))
		t.Cleanup(func() { _ = p.Close() })
		return p.Bookings()
	})
}
