package history_test

import (
	"context"
	"testing"

	"github.com/emconnector/emconnector/service/history"
	"github.com/emconnector/emconnector/service/history/historytest"
)

// A store that cannot be opened yet is tried again at each call, and
// opened once only.
func TestLazyOpensOnFirstUseAndRetries(t *testing.T) {
	ctx := context.Background()
	m := historytest.NewMemory()
	opens, fail := 0, true
	l := history.NewLazy(func(context.Context) (history.Store, error) {
		opens++
		if fail {
			return nil, errDown
		}
		return m, nil
	})
	if err := l.Close(); err != nil || opens != 0 {
		t.Fatalf("Close before use = %v, opens %d; want nil, 0", err, opens)
	}
	if err := l.Insert(ctx, []history.Record{row(1)}); err != errDown {
		t.Fatalf("Insert while down = %v, want errDown", err)
	}
	fail = false
	if err := l.Insert(ctx, []history.Record{row(1)}); err != nil {
		t.Fatal(err)
	}
	if _, err := l.Purge(ctx, row(0).Time, 10); err != nil {
		t.Fatal(err)
	}
	p, err := l.Query(ctx, history.Query{})
	if err != nil || len(p.Rows) != 1 || opens != 2 {
		t.Errorf("Query = %d rows, %v after %d opens; want 1 row, 2 opens", len(p.Rows), err, opens)
	}
}
