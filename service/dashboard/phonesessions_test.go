package dashboard

import (
	"testing"
	"time"

	"github.com/emconnector/emconnector/service"
	"github.com/emconnector/emconnector/service/history"
)

func TestSessionsOf(t *testing.T) {
	at := func(m int) time.Time { return time.Date(2026, 1, 1, 8, m, 0, 0, time.UTC) }
	rec := func(m int, op service.Op, dev, user, class string) history.Record {
		return history.Record{Time: at(m), Op: string(op), Device: dev, User: user, Class: class}
	}
	type want struct {
		device, user string
		start, end   int // minutes; end -1: still open
	}
	tests := []struct {
		name string
		rows []history.Record // oldest first here; reversed for sessionsOf
		want []want           // newest start first
	}{
		{"login then logout", []history.Record{
			rec(0, service.OpLogin, "SEP1", "alice", "success"),
			rec(10, service.OpLogout, "SEP1", "", "success")},
			[]want{{"SEP1", "alice", 0, 10}}},
		{"a failed logout ends nothing", []history.Record{
			rec(0, service.OpLogin, "SEP1", "alice", "success"),
			rec(10, service.OpLogout, "SEP1", "", "cucm_error")},
			[]want{{"SEP1", "alice", 0, -1}}},
		{"a failed login starts nothing", []history.Record{
			rec(0, service.OpLogin, "SEP1", "alice", "cucm_error")}, nil},
		{"a query changes nothing", []history.Record{
			rec(0, service.OpLogin, "SEP1", "alice", "success"),
			rec(5, service.OpLoggedInUser, "SEP1", "alice", "success")},
			[]want{{"SEP1", "alice", 0, -1}}},
		{"a forced login ends the session it replaced", []history.Record{
			rec(0, service.OpLogin, "SEP1", "alice", "success"),
			rec(7, service.OpLogin, "SEP1", "bob", "success")},
			[]want{{"SEP1", "bob", 7, -1}, {"SEP1", "alice", 0, 7}}},
		{"logoutuser ends the session on its device row", []history.Record{
			rec(0, service.OpLogin, "SEP1", "alice", "success"),
			rec(1, service.OpLogin, "SEP2", "alice", "success"),
			rec(9, service.OpLogoutUser, "SEP1", "alice", "success"),
			rec(9, service.OpLogoutUser, "SEP2", "alice", "cucm_error")},
			[]want{{"SEP2", "alice", 1, -1}, {"SEP1", "alice", 0, 9}}},
		{"logoutuser that found no device ends nothing", []history.Record{
			rec(0, service.OpLogin, "SEP1", "alice", "success"),
			rec(9, service.OpLogoutUser, "", "alice", "success")},
			[]want{{"SEP1", "alice", 0, -1}}},
		{"an operator's logout (a logout with an actor)", []history.Record{
			rec(0, service.OpLogin, "SEP1", "alice", "success"),
			{Time: at(3), Op: "logout", Device: "SEP1", Class: "success", Actor: "admin"}},
			[]want{{"SEP1", "alice", 0, 3}}},
		{"devices are independent", []history.Record{
			rec(0, service.OpLogin, "SEP1", "alice", "success"),
			rec(1, service.OpLogin, "SEP2", "bob", "success"),
			rec(2, service.OpLogout, "SEP2", "", "success")},
			[]want{{"SEP2", "bob", 1, 2}, {"SEP1", "alice", 0, -1}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rows := make([]history.Record, len(tc.rows))
			for i, r := range tc.rows {
				rows[len(rows)-1-i] = r
			}
			got := sessionsOf(rows, at(60))
			if len(got) != len(tc.want) {
				t.Fatalf("sessions %+v, want %+v", got, tc.want)
			}
			for i, w := range tc.want {
				g := got[i]
				open := w.end < 0
				if g.Device != w.device || g.User != w.user || !g.Start.Equal(at(w.start)) || g.Open != open ||
					(!open && (!g.End.Equal(at(w.end)) || g.Length != at(w.end).Sub(at(w.start)))) {
					t.Errorf("session %d = %+v, want %+v", i, g, w)
				}
			}
		})
	}
}

func TestFailuresOf(t *testing.T) {
	rows := []history.Record{{Class: "success"}, {Class: "cucm_error"}, {Class: "invalid"}}
	if n := len(failuresOf(rows)); n != 2 {
		t.Errorf("%d failures, want 2", n)
	}
}
