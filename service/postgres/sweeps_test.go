package postgres

import (
	"testing"

	"github.com/emconnector/emconnector/service/history/sweepstest"
	"github.com/emconnector/emconnector/service/postgres/pgtest"
)

// Two pools on one database are two replicas.
func TestSweepsContract(t *testing.T) {
	sweepstest.Contract(t, func(t *testing.T) (a, b sweepstest.Store, insert sweepstest.Insert) {
		s := pgtest.Require(t, server, startErr)
		dsn := s.CreateDB(t)
		pa, pb := NewPool(dsn), NewPool(dsn)
		t.Cleanup(func() { _ = pa.Close(); _ = pb.Close() })
		return pa.Sweeps(), pb.Sweeps(), pa.History().Insert
	})
}
