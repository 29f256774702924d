package historytest

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/emconnector/emconnector/service/history"
)

// PhoneChangesContract checks history.LastPhoneChanges on the stores open
// makes: per device the newest successful row of the operations asked,
// before the time asked, and nothing for devices without one.
func PhoneChangesContract(t *testing.T, open Factory) {
	s := open(t)
	t.Cleanup(func() { _ = s.Close() })
	at := func(sec int) time.Time { return base.Add(time.Duration(sec) * time.Second) }
	row := func(sec int, op, dev, user, class string) history.Record {
		r := Row(sec)
		r.Op, r.Device, r.User, r.Class = op, dev, user, class
		return r
	}
	insert(t, s,
		row(1, "login", "SEPA", "alice", "success"),
		row(2, "logout", "SEPA", "", "success"),
		row(3, "login", "SEPA", "bob", "success"),
		row(4, "login", "SEPA", "carol", "cucm_error"), // failed: changes nothing
		row(5, "deviceuserquery", "SEPA", "", "success"),
		row(1, "login", "SEPB", "dave", "success"),
		row(9, "logoutuser", "SEPB", "dave", "success"), // after "before"
		row(2, "deviceuserquery", "SEPC", "", "success"),
		row(3, "login", "", "erin", "success"),
	)
	ops := []string{"login", "logout", "logoutuser"}
	tests := []struct {
		name   string
		before time.Time
		want   map[string]string // device → user of its newest change
	}{
		{"every change", at(8), map[string]string{"SEPA": "bob", "SEPB": "dave"}},
		{"before the second login", at(3), map[string]string{"SEPA": "", "SEPB": "dave"}},
		{"before any", at(0), map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rows, err := history.LastPhoneChanges(context.Background(), s, ops, tt.before)
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, r := range rows {
				if _, dup := got[r.Device]; dup || !slices.Contains(ops, r.Op) || r.Class != "success" {
					t.Errorf("unexpected row %+v", r)
				}
				got[r.Device] = r.User
			}
			if len(got) != len(tt.want) {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
			for d, u := range tt.want {
				if g, ok := got[d]; !ok || g != u {
					t.Errorf("device %s: got %q (%v), want %q", d, g, ok, u)
				}
			}
		})
	}
}
