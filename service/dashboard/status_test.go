package dashboard

import (
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/emconnector/emconnector/service/history/historytest"
)

func TestStatusShowsCoordination(t *testing.T) {
	since := time.Date(2026, 12, 1, 6, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		coord     func() Coordination
		want, not []string
	}{
		{"alone", nil, nil, []string{"Replicas", "PostgreSQL"}},
		{"shared", func() Coordination { return Coordination{Shared: true, Since: since, Replicas: 3, Fallbacks: 1} },
			[]string{"<h2>Replicas</h2>", `class="ok">Limits and device locks shared`, "since 2026-12-01 06:00:00.000 UTC", "3 replicas connected", "1 fallbacks"},
			[]string{"unreachable"}},
		{"down", func() Coordination {
			return Coordination{Since: since, Reason: "dial tcp 127.0.0.1:5432: connect: connection refused"}
		},
			[]string{`class="bad">PostgreSQL unreachable since 2026-12-01 06:00:00.000 UTC: this replica works on its own limits (dial tcp 127.0.0.1:5432: connect: connection refused)`},
			[]string{"replicas connected"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := New(Options{Users: []User{{Name: "desk", Role: RoleViewer, Hash: hash(t, "deskpw")}},
				Store: historytest.NewMemory(), Conn: &fakeConn{}, Coordination: tt.coord})
			if err != nil {
				t.Fatal(err)
			}
			r := httptest.NewRequest("GET", "/", nil)
			r.SetBasicAuth("desk", "deskpw")
			w := httptest.NewRecorder()
			d.ServeHTTP(w, r)
			body := w.Body.String()
			if w.Code != 200 {
				t.Fatalf("status %d", w.Code)
			}
			for _, s := range tt.want {
				if !strings.Contains(body, s) {
					t.Errorf("page lacks %q", s)
				}
			}
			for _, s := range tt.not {
				if strings.Contains(body, s) {
					t.Errorf("page has %q", s)
				}
			}
		})
	}
}

func TestClusterHealthClass(t *testing.T) {
	tests := []struct {
		v    clusterView
		want string
	}{
		{clusterView{Reachable: 2, Nodes: 2, Ready: true}, "ok"},
		{clusterView{Reachable: 1, Nodes: 2, Ready: true}, "degraded"},
		{clusterView{Reachable: 0, Nodes: 2}, "bad"},
		{clusterView{Stats: ClusterStats{Cluster: "EU"}, Reachable: 1, Nodes: 1, Ready: true}, "ok"},
	}
	for _, tt := range tests {
		if got := tt.v.Health(); got != tt.want {
			t.Errorf("%d/%d ready=%v: %q, want %q", tt.v.Reachable, tt.v.Nodes, tt.v.Ready, got, tt.want)
		}
	}
}
