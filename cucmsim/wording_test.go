package cucmsim

import (
	"testing"
	"time"

	"github.com/emconnector/emconnector/cucmsim/topology"
)

func TestErrorText(t *testing.T) {
	field := topology.DefaultPolicy()
	field.Wording = topology.WordingField
	field.ErrorTexts = map[int]string{19: "nobody here ({appID})", 3: "denied {appID}"}
	tests := []struct {
		name   string
		policy topology.Policy
		code   int
		appID  string
		want   string
	}{
		{"devnet 3 names the appID", topology.DefaultPolicy(), 3, "bcapp", "Could not authenticate 'bcapp'"},
		{"devnet 3 without appID", topology.DefaultPolicy(), 3, "", "Invalid App User"},
		{"devnet 18", topology.DefaultPolicy(), 18, "bcapp", "Another user logged in"},
		{"devnet 22", topology.DefaultPolicy(), 22, "", "Device logon disabled"},
		{"field 18", field, 18, "bcapp", "Phone currently has user logged in"},
		{"field 22", field, 22, "bcapp", "Device does not allow hoteling"},
		{"field 25 as devnet", field, 25, "bcapp", "User logged in elsewhere"},
		{"override beats the wording", field, 3, "bcapp", "denied bcapp"},
		{"override with appID", field, 19, "x", "nobody here (x)"},
	}
	for _, tt := range tests {
		c := &Cluster{policy: tt.policy}
		if got := c.ErrorText(tt.code, tt.appID); got != tt.want {
			t.Errorf("%s: ErrorText(%d, %q) = %q, want %q", tt.name, tt.code, tt.appID, got, tt.want)
		}
	}
}

func TestOperationLatency(t *testing.T) {
	p := topology.DefaultPolicy()
	p.Latency = topology.Latency{ByOperation: map[string]time.Duration{"login": 300 * time.Millisecond, "logout": 50 * time.Millisecond}, Jitter: 100 * time.Millisecond}
	c := &Cluster{policy: p}
	tests := []struct {
		op   string
		rnd  float64
		want time.Duration
	}{
		{"login", 0.5, 300 * time.Millisecond},
		{"login", 0, 200 * time.Millisecond},
		{"login", 0.75, 350 * time.Millisecond},
		{"logout", 0, 0}, // never below zero
		{"deviceUserQuery", 0.9, 0},
	}
	for _, tt := range tests {
		if got := c.OperationLatency(tt.op, func() float64 { return tt.rnd }); got != tt.want {
			t.Errorf("OperationLatency(%s, rnd %v) = %v, want %v", tt.op, tt.rnd, got, tt.want)
		}
	}
}
