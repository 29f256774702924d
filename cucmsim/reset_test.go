package cucmsim

import (
	"testing"
)

// TestScopedReset: a cluster reset and a device reset clean only their own part, so suites
// sharing one simulator do not disturb each other.
func TestScopedReset(t *testing.T) {
	h := newHarness(t)
	seed := func() {
		for _, l := range []struct{ code, device, user string }{
			{"EU", "SEP1CE6C79BAF1F", "ALMUSER01"}, {"EU", "SEP001120F678E2", "EUUSER03"}, {"US", "SEPA00000000001", "USUSER02"},
		} {
			if st := h.call(t, "PUT", "/v1/clusters/"+l.code+"/logins/"+l.device, map[string]any{"user": l.user}, nil); st != 204 {
				t.Fatalf("seed %v: %d", l, st)
			}
		}
		if st := h.call(t, "POST", "/v1/clusters/EU/faults", map[string]any{"device": "sep1ce6c79baf1f", "emCode": 6}, nil); st != 201 {
			t.Fatalf("add fault: %d", st)
		}
		if st := h.call(t, "POST", "/v1/clusters/EU/faults", map[string]any{"device": "SEP001120F678E2", "emCode": 6}, nil); st != 201 {
			t.Fatalf("add fault: %d", st)
		}
	}
	count := func(path string) int {
		var v []map[string]any
		h.call(t, "GET", path, nil, &v)
		return len(v)
	}
	tests := []struct {
		name                         string
		path                         string
		status                       int
		euLogins, usLogins, euFaults int
	}{
		{"device", "/v1/clusters/eu/devices/sep1ce6c79baf1f/reset", 204, 1, 1, 1},
		{"cluster", "/v1/clusters/EU/reset", 204, 0, 1, 0},
		{"unknown device", "/v1/clusters/EU/devices/SEPNOSUCH/reset", 404, 2, 1, 2},
		{"unknown cluster", "/v1/clusters/XX/reset", 404, 2, 1, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if st := h.call(t, "POST", "/v1/reset", nil, nil); st != 204 {
				t.Fatalf("reset: %d", st)
			}
			seed()
			if st := h.call(t, "POST", tt.path, nil, nil); st != tt.status {
				t.Fatalf("POST %s = %d, want %d", tt.path, st, tt.status)
			}
			if got := count("/v1/clusters/EU/logins"); got != tt.euLogins {
				t.Errorf("EU logins = %d, want %d", got, tt.euLogins)
			}
			if got := count("/v1/clusters/US/logins"); got != tt.usLogins {
				t.Errorf("US logins = %d, want %d", got, tt.usLogins)
			}
			if got := count("/v1/clusters/EU/faults"); got != tt.euFaults {
				t.Errorf("EU faults = %d, want %d", got, tt.euFaults)
			}
		})
	}
}
