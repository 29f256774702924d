package history

import (
	"slices"
	"testing"
	"time"

	"github.com/emconnector/emconnector/service"
)

// Every operation that changes a phone (audited in the operation table)
// has its effect on the device's login in PhoneEffects.
func TestPhoneEffectsCoverEveryAuditedOperation(t *testing.T) {
	for _, op := range service.Operations() {
		if _, ok := PhoneEffects[op.Op]; op.Audited && !ok {
			t.Errorf("operation %s changes a phone but SessionsOf does not know what it does", op.Op)
		}
	}
}

func TestSessionsOfLoginsWithADuration(t *testing.T) {
	at := func(m int) time.Time { return time.Date(2026, 1, 1, 8, m, 0, 0, time.UTC) }
	login := func(m int, dev, user string, until int) Record {
		r := Record{Time: at(m), Op: "login", Device: dev, User: user, Class: "success"}
		if until > 0 {
			r.Until = at(until)
		}
		return r
	}
	tests := []struct {
		name     string
		rows     []Record // oldest first
		now      int
		end      int // of the first login's session; -1 still open
		sessions int
	}{
		{"CUCM ended it", []Record{login(0, "SEP1", "alice", 30)}, 40, 30, 1},
		{"not yet ended", []Record{login(0, "SEP1", "alice", 30)}, 20, -1, 1},
		{"a logout before the end", []Record{login(0, "SEP1", "alice", 30),
			{Time: at(10), Op: "logout", Device: "SEP1", Class: "success"}}, 40, 10, 1},
		{"a login after the end does not replace it", []Record{login(0, "SEP1", "alice", 30), login(50, "SEP1", "bob", 0)},
			60, 30, 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rows := slices.Clone(tc.rows)
			slices.Reverse(rows)
			got := SessionsOf(rows, at(tc.now))
			if len(got) != tc.sessions {
				t.Fatalf("sessions %+v", got)
			}
			first := got[len(got)-1]
			if tc.end < 0 && !first.Open || tc.end >= 0 && (first.Open || !first.End.Equal(at(tc.end)) ||
				first.Length != time.Duration(tc.end)*time.Minute) {
				t.Errorf("first session %+v, want end %d", first, tc.end)
			}
		})
	}
}

func TestRecordsOfKeepsUntil(t *testing.T) {
	e := service.Event{Op: service.OpLogin, Device: "SEP1", User: "alice", Start: time.Now(),
		Fields: []service.Field{{Name: service.FieldUntil, Value: "2026-12-06T10:00:00Z"}}}
	if r := RecordsOf(e); !r[0].Until.Equal(time.Date(2026, 12, 6, 10, 0, 0, 0, time.UTC)) {
		t.Errorf("Until = %v", r[0].Until)
	}
}
