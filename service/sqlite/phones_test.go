package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/emconnector/emconnector/service/history"
	"github.com/emconnector/emconnector/service/history/historytest"
)

func TestPhoneChanges(t *testing.T) {
	historytest.PhoneChangesContract(t, func(t *testing.T) history.Store {
		s, err := Open(context.Background(), filepath.Join(t.TempDir(), "history.db"))
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}

// The lazy store the service uses answers it too.
func TestLazyPhoneChanges(t *testing.T) {
	path := filepath.Join(t.TempDir(), "history.db")
	historytest.PhoneChangesContract(t, func(t *testing.T) history.Store {
		return history.NewLazy(func(ctx context.Context) (history.Store, error) { return Open(ctx, path) })
	})
}
