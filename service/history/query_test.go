package history_test

import (
	"errors"
	"testing"

	"github.com/emconnector/emconnector/service/history"
)

func TestClampLimit(t *testing.T) {
	tests := []struct{ in, want int }{{0, 100}, {-1, 1}, {1, 1}, {500, 500}, {1000, 1000}, {1001, 1000}}
	for _, tc := range tests {
		if got := history.ClampLimit(tc.in); got != tc.want {
			t.Errorf("ClampLimit(%d) = %d, want %d", tc.in, got, tc.want)
		}
	}
}

func TestCursor(t *testing.T) {
	p := history.Position{TimeMS: 1767225600123, Seq: 42}
	got, err := history.DecodeCursor(history.EncodeCursor(p))
	if err != nil || got != p {
		t.Errorf("round trip = %+v, %v; want %+v", got, err, p)
	}
	for _, bad := range []string{"", "%%%", "MTIz", "YS5i", "MS4"} {
		if _, err := history.DecodeCursor(bad); !errors.Is(err, history.ErrBadCursor) {
			t.Errorf("DecodeCursor(%q) = %v, want ErrBadCursor", bad, err)
		}
	}
}
