package report

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/emconnector/emconnector/service/history"
)

func TestParse(t *testing.T) {
	now := time.Date(2026, 12, 6, 8, 0, 0, 0, time.UTC)
	paris, _ := time.LoadLocation("Europe/Paris")
	tests := []struct {
		name   string
		params map[string]string
		check  func(Filter) bool
		field  string // of the error; "" for none
	}{
		{"defaults", nil, func(f Filter) bool {
			return f.To.Equal(now) && f.From.Equal(now.Add(-DefaultRange)) && f.Group == Day && f.Zone == time.UTC &&
				f.Since.Equal(f.From)
		}, ""},
		{"dates in the zone; to is inclusive", map[string]string{"from": "2026-03-29", "to": "2026-03-29", "zone": "Europe/Paris"},
			func(f Filter) bool {
				return f.From.Equal(time.Date(2026, 3, 29, 0, 0, 0, 0, paris)) && f.To.Sub(f.From) == 23*time.Hour
			}, ""},
		{"instants", map[string]string{"from": "2026-12-01T08:00:00Z", "to": "2026-12-01T12:00:00+01:00", "group": "hour"},
			func(f Filter) bool { return f.To.Sub(f.From) == 3*time.Hour }, ""},
		{"bad group", map[string]string{"group": "month"}, nil, "group"},
		{"unknown zone", map[string]string{"zone": "Mars/Olympus"}, nil, "zone"},
		{"zone path", map[string]string{"zone": "../../etc/passwd"}, nil, "zone"},
		{"zone with a NUL", map[string]string{"zone": "UTC\x00"}, nil, "zone"},
		{"from after to", map[string]string{"from": "2026-12-05", "to": "2026-12-01"}, nil, "from"},
		{"a range over a year", map[string]string{"from": "2024-01-01", "to": "2026-01-01"}, nil, "from"},
		{"too many groups", map[string]string{"from": "2026-01-01", "to": "2026-12-01", "group": "hour"}, nil, "group"},
		{"bad date", map[string]string{"to": "yesterday"}, nil, "to"},
		{"year 9999", map[string]string{"from": "9999-01-01", "to": "9999-02-01"}, nil, "from"},
		{"since after to", map[string]string{"since": "2027-01-01"}, nil, "since"},
		{"invalid UTF-8", map[string]string{"user": "al\xffice"}, nil, "user"},
		{"control character", map[string]string{"cluster": "a\nb"}, nil, "cluster"},
		{"long device", map[string]string{"device": strings.Repeat("x", 300)}, nil, "device"},
		{"bad pattern", map[string]string{"device": "SEP["}, nil, "device"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, err := Parse(func(k string) string { return tc.params[k] }, now, time.UTC)
			if tc.field == "" {
				if err != nil || !tc.check(f) {
					t.Errorf("Parse = %+v, %v", f, err)
				}
				return
			}
			var bq *history.BadQueryError
			if !errors.As(err, &bq) || bq.Field != tc.field || !errors.Is(err, history.ErrBadQuery) {
				t.Errorf("error %v, want one about %s", err, tc.field)
			}
		})
	}
}
