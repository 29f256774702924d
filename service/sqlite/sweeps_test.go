package sqlite

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"

	"github.com/emconnector/emconnector/service/history/sqlstore"
	"github.com/emconnector/emconnector/service/history/sweepstest"
)

func TestSweepsContract(t *testing.T) {
	sweepstest.Contract(t, func(t *testing.T) (a, b sweepstest.Store, insert sweepstest.Insert) {
		s, err := Open(context.Background(), filepath.Join(t.TempDir(), "history.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = s.Close() })
		db := func(context.Context) (*sql.DB, error) { return s.DB(), nil }
		return sqlstore.NewSweeps(db, Placeholder), sqlstore.NewSweeps(db, Placeholder), s.Insert
	})
}
