package cucmsim

import (
	"fmt"
	"net/http"
	"testing"
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
