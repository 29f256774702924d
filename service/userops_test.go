package service

import (
	"context"
	"testing"
	"time"
)

// twoClusterUser: EUUSER is known in EU and US (a user may be provisioned in both), logged in on
// SEPEU1 and SEPEU2 in EU and SEPUS1 in US.
func twoClusterUser(t *testing.T) (*Connector, *memCluster, *memCluster) {
	t.Helper()
	c, eu, us := world(t, "")
	eu.devices["SEPEU1"], eu.devices["SEPEU2"] = "EUUSER", "EUUSER"
	us.users["EUUSER"] = "1234"
	us.devices["SEPUS1"] = "EUUSER"
	return c, eu, us
}

func TestGetUserDevices(t *testing.T) {
	tests := []struct {
		name     string
		req      Request
		setup    func(eu, us *memCluster)
		wantCode int
		want     []DeviceResult
	}{
		{"every cluster", Request{User: "EUUSER"}, nil, 0,
			[]DeviceResult{{Device: "SEPEU1", Cluster: "EU"}, {Device: "SEPEU2", Cluster: "EU"}, {Device: "SEPUS1", Cluster: "US"}}},
		{"named cluster", Request{User: "EUUSER", Cluster: "us"}, nil, 0, []DeviceResult{{Device: "SEPUS1", Cluster: "US"}}},
		{"nowhere", Request{User: "USUSER"}, nil, 0, []DeviceResult{}},
		{"unknown user", Request{User: "GHOST"}, nil, EMCodeUserNotFound, nil},
		{"unknown in the named cluster", Request{User: "USUSER", Cluster: "EU"}, nil, EMCodeUserNotFound, nil},
		{"unknown cluster", Request{User: "EUUSER", Cluster: "XX"}, nil, CodeClusterNotFound, nil},
		{"one cluster down", Request{User: "EUUSER"}, func(eu, us *memCluster) { us.fail["UserDevices"] = unreachable }, CodeUnreachable,
			[]DeviceResult{{Device: "SEPEU1", Cluster: "EU"}, {Device: "SEPEU2", Cluster: "EU"}}},
		{"EM error passed through", Request{User: "EUUSER"}, func(eu, us *memCluster) { us.fail["UserDevices"] = CUCMError(3, "bad") }, 3, nil},
		{"empty user", Request{User: ""}, nil, CodeUserEmpty, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, eu, us := twoClusterUser(t)
			if tt.setup != nil {
				tt.setup(eu, us)
			}
			tt.req.Op = OpUserDevices
			r := c.Serve(context.Background(), goodCred, tt.req)
			if r.Code != tt.wantCode || !sameDevices(r.Devices, tt.want) {
				t.Errorf("got %d %q %+v; want %d %+v", r.Code, r.Text, r.Devices, tt.wantCode, tt.want)
			}
			if !r.HasUser || r.User != tt.req.User {
				t.Errorf("answer user %q, want the request's", r.User)
			}
		})
	}
}

func sameDevices(got, want []DeviceResult) bool {
	if (got == nil) != (want == nil) || len(got) != len(want) {
		return false
	}
	for i := range got {
		if got[i].Device != want[i].Device || got[i].Cluster != want[i].Cluster || got[i].Code != want[i].Code {
			return false
		}
	}
	return true
}

func TestLogoutUser(t *testing.T) {
	c, eu, us := twoClusterUser(t)
	eu.fail["Logout"] = nil
	r := c.Serve(context.Background(), goodCred, Request{Op: OpLogoutUser, User: "EUUSER"})
	if r.Code != 0 || len(r.Devices) != 3 || r.Text != "User EUUSER logged out of 3 device(s)" {
		t.Fatalf("got %+v", r)
	}
	for _, d := range []string{"SEPEU1", "SEPEU2"} {
		if eu.devices[d] != "" {
			t.Errorf("%s still holds %q", d, eu.devices[d])
		}
	}
	if us.devices["SEPUS1"] != "" {
		t.Error("SEPUS1 still logged in")
	}
	if r := c.Serve(context.Background(), goodCred, Request{Op: OpLogoutUser, User: "EUUSER"}); r.Code != 0 || len(r.Devices) != 0 {
		t.Errorf("second logoutuser: %+v, want 0 with no devices", r)
	}
}

func TestLogoutUserPartialFailure(t *testing.T) {
	c, eu, us := twoClusterUser(t)
	us.fail["Logout"] = CUCMError(30, "Proxy not allowed")
	r := c.Serve(context.Background(), goodCred, Request{Op: OpLogoutUser, User: "EUUSER"})
	if r.Code != 30 || len(r.Devices) != 3 || r.Devices[2].Code != 30 || r.Devices[0].Code != 0 {
		t.Fatalf("got %+v", r)
	}
	if eu.devices["SEPEU1"] != "" || us.devices["SEPUS1"] != "EUUSER" {
		t.Errorf("EU not logged out or US logged out: %v %v", eu.devices, us.devices)
	}
	// The overall answer reports CUCM's refusal as one, with the operation's failure text.
	if !r.FromCUCM || r.Text != "Logout of user EUUSER failed: Proxy not allowed" || r.Devices[2].Text != "Proxy not allowed" {
		t.Errorf("got FromCUCM %v, text %q, entry text %q", r.FromCUCM, r.Text, r.Devices[2].Text)
	}
}

func TestLogoutUserClusterDown(t *testing.T) {
	c, eu, us := twoClusterUser(t)
	us.fail["UserDevices"] = unreachable
	r := c.Serve(context.Background(), goodCred, Request{Op: OpLogoutUser, User: "EUUSER"})
	if r.Code != CodeUnreachable || len(r.Devices) != 3 || r.Devices[2].Cluster != "US" || r.Devices[2].Device != "" || r.Devices[2].Code != CodeUnreachable {
		t.Fatalf("got %+v; the cluster that could not be asked must be listed", r)
	}
	if eu.devices["SEPEU1"] != "" {
		t.Error("the reachable cluster's devices were not logged out")
	}
}

func TestLoginOptions(t *testing.T) {
	now := time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		opts      LoginOptions
		holder    string
		wantCode  int
		wantText  string
		wantOn    string
		wantField []Field
	}{
		{"duration", LoginOptions{Duration: 90}, "", 0,
			"Login successful for EUUSER on device SEPEU1, until 2026-12-01T11:30:00Z", "EUUSER", []Field{{FieldUntil, "2026-12-01T11:30:00Z"}}},
		{"force over another user", LoginOptions{Force: true}, "OTHER", 0,
			"Login successful for EUUSER on device SEPEU1, replacing OTHER", "EUUSER", []Field{{FieldReplaced, "OTHER"}}},
		{"force over nobody", LoginOptions{Force: true}, "", 0, "Login successful for EUUSER on device SEPEU1", "EUUSER", nil},
		{"no force", LoginOptions{}, "OTHER", 18, "Login failed for EUUSER on device SEPEU1 in cluster EU: Another user logged in", "OTHER", nil},
		{"profile", LoginOptions{Profile: "DP_EUUSER"}, "", 0, "Login successful for EUUSER on device SEPEU1", "EUUSER", nil},
		{"unknown profile", LoginOptions{Profile: "NOPE"}, "", 12, "Login failed for EUUSER on device SEPEU1 in cluster EU: Dev. Profile not found", "", nil},
		{"forced then failed", LoginOptions{Force: true, Profile: "NOPE"}, "OTHER", 12,
			"Login failed for EUUSER on device SEPEU1 in cluster EU: Dev. Profile not found (user OTHER was logged out first: the device was left free)", "",
			[]Field{{FieldReplaced, "OTHER"}, {FieldLeftFree, "true"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eu, us := newMem("EU"), newMem("US")
			eu.devices["SEPEU1"] = tt.holder
			eu.users["EUUSER"] = "1234"
			c, _ := NewConnector([]Cluster{eu, us}, Options{Default: "EU", Now: func() time.Time { return now }})
			r := c.Serve(context.Background(), goodCred, Request{Op: OpLogin, Device: "SEPEU1", User: "EUUSER", Login: tt.opts})
			if r.Code != tt.wantCode || r.Text != tt.wantText || eu.devices["SEPEU1"] != tt.wantOn {
				t.Errorf("got %d %q (device holds %q); want %d %q (%q)", r.Code, r.Text, eu.devices["SEPEU1"], tt.wantCode, tt.wantText, tt.wantOn)
			}
			if len(r.Fields) != len(tt.wantField) {
				t.Fatalf("fields %v, want %v", r.Fields, tt.wantField)
			}
			for i := range r.Fields {
				if r.Fields[i] != tt.wantField[i] {
					t.Errorf("fields %v, want %v", r.Fields, tt.wantField)
				}
			}
			if tt.opts.Duration > 0 && eu.durations["SEPEU1"] != tt.opts.Duration {
				t.Errorf("duration %d sent, want %d", eu.durations["SEPEU1"], tt.opts.Duration)
			}
		})
	}
}

func TestLogoutClearsCallHistory(t *testing.T) {
	yes, no := true, false
	tests := []struct {
		name         string
		clusterClear bool
		clear        *bool
		resetErr     error
		wantCode     int
		wantReset    bool
	}{
		{"not asked", false, nil, nil, 0, false},
		{"asked", false, &yes, nil, 0, true},
		{"cluster default", true, nil, nil, 0, true},
		{"refused per request", true, &no, nil, 0, false},
		{"reset failed", false, &yes, Errorf(CodeUnreachable, "AXL of cluster EU unreachable"), CodeHistoryNotCleared, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, eu, _ := world(t, "EU")
			eu.devices["SEPEU1"] = "EUUSER"
			eu.clearOnLogout = tt.clusterClear
			eu.fail["ResetDevice"] = tt.resetErr
			r := c.Serve(context.Background(), goodCred, Request{Op: OpLogout, Device: "SEPEU1", ClearCallHistory: tt.clear})
			if r.Code != tt.wantCode || (len(eu.calls) > 0 && eu.calls[len(eu.calls)-1] == "ResetDevice") != tt.wantReset {
				t.Errorf("got %d %q, calls %v; want %d, reset %v", r.Code, r.Text, eu.calls, tt.wantCode, tt.wantReset)
			}
			if eu.devices["SEPEU1"] != "" {
				t.Error("the logout did not stand")
			}
			if tt.wantCode == 0 && tt.wantReset && r.Text != "Logout successful for device SEPEU1, call history cleared" {
				t.Errorf("text %q", r.Text)
			}
		})
	}
}

func TestSetOption(t *testing.T) {
	tests := []struct {
		name, value string
		want        int
	}{
		{OptionDuration, "1", 0}, {OptionDuration, " 10080 ", 0}, {OptionDuration, "0", CodeInvalidFormat},
		{OptionDuration, "10081", CodeInvalidFormat}, {OptionDuration, "1h", CodeInvalidFormat},
		{OptionForce, "true", 0}, {OptionForce, "FALSE", 0}, {OptionForce, "yes", CodeInvalidFormat},
		{OptionDeviceProfile, "UDP ALM 01", 0}, {OptionDeviceProfile, "", CodeInvalidFormat},
		{OptionDeviceProfile, "a\nb", CodeInvalidFormat}, {OptionDeviceProfile, string(make([]byte, 51)), CodeInvalidFormat},
		{OptionClearCallHistory, "1", 0}, {OptionClearCallHistory, "maybe", CodeInvalidFormat},
	}
	for _, tt := range tests {
		var r Request
		if got := ErrorCode(r.SetOption(tt.name, tt.value)); got != tt.want {
			t.Errorf("SetOption(%s, %q) = %d, want %d", tt.name, tt.value, got, tt.want)
		}
	}
}
