package cucmsim

import (
	"errors"
	"regexp"
	"testing"
	"time"
)

// TestCallHistoryRules: a hard reset empties the call history, a soft one and every EM logout
// keep it; resets of the simulator restore the topology's count and forget the resets.
func TestCallHistoryRules(t *testing.T) {
	const dev = "SEP1CE6C79BAF1F" // callHistory: 12 in demo.yaml
	tests := []struct {
		name    string
		do      func(t *testing.T, m *Model, eu *Cluster)
		want    int
		resets  int
		wantErr int
	}{
		{name: "topology seed", do: func(*testing.T, *Model, *Cluster) {}, want: 12},
		{name: "set", do: func(t *testing.T, _ *Model, eu *Cluster) { wantCode(t, eu.SetCallHistory("sep1ce6c79baf1f", 30), 0) }, want: 30},
		{name: "hard reset empties", do: func(t *testing.T, _ *Model, eu *Cluster) {
			_, err := eu.DeviceReset(DeviceResetRequest{Name: dev, Hard: true})
			wantCode(t, err, 0)
		}, want: 0, resets: 1},
		{name: "soft reset keeps", do: func(t *testing.T, _ *Model, eu *Cluster) {
			_, err := eu.DeviceReset(DeviceResetRequest{Name: dev})
			wantCode(t, err, 0)
		}, want: 12, resets: 1},
		{name: "EM logout keeps", do: func(t *testing.T, _ *Model, eu *Cluster) {
			wantCode(t, eu.Login(bcapp, LoginRequest{Device: dev, User: "ALMUSER01"}), 0)
			wantCode(t, eu.Logout(bcapp, LogoutRequest{Device: dev}), 0)
		}, want: 12},
		{name: "logoutAll keeps", do: func(t *testing.T, _ *Model, eu *Cluster) {
			wantCode(t, eu.SetLogin(dev, "ALMUSER01", "", 0), 0)
			wantCode(t, eu.LogoutAll(bcapp), 0)
		}, want: 12},
		{name: "device reset restores", do: func(t *testing.T, _ *Model, eu *Cluster) {
			_, _ = eu.DeviceReset(DeviceResetRequest{Name: dev, Hard: true})
			wantCode(t, eu.ResetDevice(dev), 0)
		}, want: 12},
		{name: "cluster reset restores", do: func(t *testing.T, _ *Model, eu *Cluster) {
			wantCode(t, eu.SetCallHistory(dev, 3), 0)
			_, _ = eu.DeviceReset(DeviceResetRequest{Name: dev})
			eu.Reset()
		}, want: 12},
		{name: "model reset restores", do: func(t *testing.T, m *Model, eu *Cluster) {
			_, _ = eu.DeviceReset(DeviceResetRequest{Name: dev, Hard: true})
			m.Reset()
		}, want: 12},
		{name: "negative count", do: func(t *testing.T, _ *Model, eu *Cluster) { wantCode(t, eu.SetCallHistory(dev, -1), 1) }, want: 12},
		{name: "count above the maximum", do: func(t *testing.T, _ *Model, eu *Cluster) {
			wantCode(t, eu.SetCallHistory(dev, MaxCallHistory+1), 1)
		}, want: 12},
		{name: "unknown device", do: func(t *testing.T, _ *Model, eu *Cluster) {
			wantCode(t, eu.SetCallHistory("SEPNOSUCH", 1), 11)
			_, err := eu.DeviceReset(DeviceResetRequest{Name: "SEPNOSUCH", Hard: true})
			wantCode(t, err, 11)
			_, err = eu.Device("SEPNOSUCH")
			wantCode(t, err, 11)
		}, want: 12},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _ := newDemoModel(t)
			eu := cluster(t, m, "EU")
			tt.do(t, m, eu)
			st, err := eu.Device(dev)
			wantCode(t, err, 0)
			if st.CallHistory != tt.want || len(st.Resets) != tt.resets {
				t.Errorf("callHistory %d, %d resets; want %d, %d", st.CallHistory, len(st.Resets), tt.want, tt.resets)
			}
		})
	}
}

func TestDeviceResetRecordAndUUID(t *testing.T) {
	m, clock := newDemoModel(t)
	eu, us := cluster(t, m, "EU"), cluster(t, m, "US")
	uuid, err := eu.DeviceReset(DeviceResetRequest{Name: "sep001120f678e2", Hard: true})
	wantCode(t, err, 0)
	if !regexp.MustCompile(`^\{[0-9A-F]{8}-[0-9A-F]{4}-5[0-9A-F]{3}-[89AB][0-9A-F]{3}-[0-9A-F]{12}\}$`).MatchString(uuid) {
		t.Fatalf("uuid %q is not an AXL UUID", uuid)
	}
	if uuid != eu.DeviceUUID("SEP001120F678E2") {
		t.Errorf("uuid depends on the spelling")
	}
	if eu.DeviceUUID("SEPDDDDDDDDDDDD") == us.DeviceUUID("SEPDDDDDDDDDDDD") {
		t.Errorf("two clusters give a shared device name the same uuid")
	}
	clock.Add(time.Minute)
	lower := "{" + uuidKey(uuid) + "}"
	for _, u := range []string{uuid, uuidKey(uuid), "  " + lower + " "} {
		if got, err := eu.DeviceReset(DeviceResetRequest{UUID: u}); err != nil || got != uuid {
			t.Errorf("reset by uuid %q = %q, %v", u, got, err)
		}
	}
	var e *Error
	if _, err := us.DeviceReset(DeviceResetRequest{UUID: uuid}); !errors.As(err, &e) || e.Code != CodeDeviceNotFound {
		t.Errorf("another cluster's uuid: %v, want 11", err)
	}
	st, _ := eu.Device("SEP001120F678E2")
	if len(st.Resets) != 4 || !st.Resets[0].Hard || st.Resets[1].Hard || !st.Resets[1].Time.After(st.Resets[0].Time) {
		t.Errorf("resets = %+v", st.Resets)
	}
	for range maxResetRecords + 5 {
		_, _ = eu.DeviceReset(DeviceResetRequest{Name: "SEP001120F678E2"})
	}
	if st, _ := eu.Device("SEP001120F678E2"); len(st.Resets) != maxResetRecords {
		t.Errorf("kept %d resets, want %d", len(st.Resets), maxResetRecords)
	}
}

// TestDeviceStateShowsLogin: a hard reset leaves the EM login alone (it lives in the
// database), and the device state shows it.
func TestDeviceStateShowsLogin(t *testing.T) {
	m, _ := newDemoModel(t)
	us := cluster(t, m, "US")
	pinAccepted(m, "EUROAM01")
	wantCode(t, us.Login(bcapp, LoginRequest{Device: "SEPA00000000001", User: "EUROAM01"}), 0)
	_, err := us.DeviceReset(DeviceResetRequest{Name: "SEPA00000000001", Hard: true})
	wantCode(t, err, 0)
	st, err := us.Device("sepa00000000001")
	wantCode(t, err, 0)
	if st.Name != "SEPA00000000001" || st.User != "EUROAM01" || !st.EMCC || st.LastLogin != "EUROAM01" || st.Profile == "" || !st.EMEnabled {
		t.Errorf("state = %+v", st)
	}
}
