package cucmsim

import (
	"bytes"
	"fmt"
	"net/http"
	"testing"

	"github.com/emconnector/emconnector/cucmsim/topology"
)

func TestSearchDevices(t *testing.T) {
	h := newHarness(t)
	if st := h.call(t, "PUT", "/v1/clusters/EU/logins/SEPE00000000003", map[string]any{"user": "ALMUSER01"}, nil); st != http.StatusNoContent {
		t.Fatalf("PUT login: %d", st)
	}
	tests := []struct {
		name   string
		query  string
		status int
		total  int
		first  string
		n      int
	}{
		{name: "every device, default page", query: "", status: 200, total: 17, first: "SEP1CE6C79BAF1F", n: 17},
		{name: "name, any case", query: "?q=sepe0000000000", status: 200, total: 8, first: "SEPE00000000001", n: 8},
		{name: "paged", query: "?q=SEPE0000000000&offset=2&limit=3", status: 200, total: 8, first: "SEPE00000000003", n: 3},
		{name: "offset past the end", query: "?q=SEPE0000000000&offset=50", status: 200, total: 8, n: 0},
		{name: "current user", query: "?q=almuser", status: 200, total: 1, first: "SEPE00000000003", n: 1},
		{name: "current profile", query: "?q=udp-almuser01", status: 200, total: 1, first: "SEPE00000000003", n: 1},
		{name: "nothing", query: "?q=nosuch", status: 200, total: 0, n: 0},
		{name: "limit zero", query: "?limit=0", status: 400},
		{name: "limit too big", query: fmt.Sprintf("?limit=%d", MaxDevicePage+1), status: 400},
		{name: "negative offset", query: "?offset=-1", status: 400},
		{name: "offset not a number", query: "?offset=x", status: 400},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var page devicePageJSON
			var out any = &page
			if tt.status != 200 {
				out = nil
			}
			if st := h.call(t, "GET", "/v1/clusters/EU/devices"+tt.query, nil, out); st != tt.status {
				t.Fatalf("status %d, want %d", st, tt.status)
			}
			if tt.status != 200 {
				return
			}
			if page.Total != tt.total || len(page.Devices) != tt.n {
				t.Fatalf("total %d, %d devices; want %d, %d: %+v", page.Total, len(page.Devices), tt.total, tt.n, page)
			}
			if tt.n > 0 && page.Devices[0].Name != tt.first {
				t.Errorf("first %q, want %q", page.Devices[0].Name, tt.first)
			}
		})
	}
	t.Run("unknown cluster", func(t *testing.T) {
		if st := h.call(t, "GET", "/v1/clusters/XX/devices", nil, nil); st != http.StatusNotFound {
			t.Fatalf("status %d", st)
		}
	})
	t.Run("the login shows", func(t *testing.T) {
		var page devicePageJSON
		h.call(t, "GET", "/v1/clusters/EU/devices?q=SEPE00000000003", nil, &page)
		if d := page.Devices[0]; d.User != "ALMUSER01" || d.Profile != "UDP-ALMUSER01" {
			t.Errorf("got %+v", d)
		}
	})
}

// BenchmarkSearchDevices is one search of the console on a 100 000-device cluster with a
// thousand logins: a name that matches nothing (the whole scan) and a first page of all.
func BenchmarkSearchDevices(b *testing.B) {
	var buf bytes.Buffer
	if err := topology.Generate(&buf, topology.GenOptions{Devices: 100000, Users: 1000, Clusters: 1}); err != nil {
		b.Fatal(err)
	}
	topo, err := topology.Parse("bench.yaml", buf.Bytes())
	if err != nil {
		b.Fatal(err)
	}
	c := NewModel(topo, nil).Clusters()[0]
	for i, d := range c.order[:1000] {
		if err := c.SetLogin(d.Name, topo.Clusters[0].Users[i].ID, "", 0); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		if page, total := c.SearchDevices("nosuch", 0, DefaultDevicePage); len(page) != 0 || total != 0 {
			b.Fatal(total)
		}
		if page, total := c.SearchDevices("", 0, DefaultDevicePage); len(page) != DefaultDevicePage || total != 100000 {
			b.Fatal(total)
		}
	}
}
