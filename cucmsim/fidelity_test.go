package cucmsim

import (
	"slices"
	"testing"
)

// TestNamesMatchCaseInsensitively: CUCM looks names up with my_lower(name) = my_lower(?).
// State keeps the configured spellings; answers echo the requested spelling where the request
// names the object (name and id attributes).
func TestNamesMatchCaseInsensitively(t *testing.T) {
	m, _ := newDemoModel(t)
	eu := cluster(t, m, "EU")
	p, err := eu.AuthenticateApp("BCAPP", "s3cret")
	wantCode(t, err, 0)
	if p.ID != "bcapp" {
		t.Errorf("principal ID = %q, want the configured bcapp", p.ID)
	}
	wantCode(t, eu.Login(bcapp, LoginRequest{Device: "sep1ce6c79baf1f", User: "almuser01", Profile: "udp-almuser01"}), 0)
	if got := eu.Logins(); len(got) != 1 || got[0].Device != "SEP1CE6C79BAF1F" || got[0].User != "ALMUSER01" || got[0].Profile != "UDP-ALMUSER01" {
		t.Errorf("Logins = %+v, want the configured spellings", got)
	}
	wantCode(t, eu.Login(bcapp, LoginRequest{Device: "SEP1CE6C79BAF1F", User: "AlmUser01"}), CodeAnotherUserLoggedIn)
	du, _ := eu.DeviceUsers(bcapp, []string{"sep1CE6c79baf1f"})
	if want := (DeviceUser{Device: "sep1CE6c79baf1f", Exists: true, User: "ALMUSER01", LastLogin: "ALMUSER01"}); du[0] != want {
		t.Errorf("DeviceUsers = %+v, want %+v", du[0], want)
	}
	ud, _ := eu.UserDevices(bcapp, []string{"almuser01"})
	if ud[0].User != "almuser01" || !slices.Equal(ud[0].Devices, []string{"SEP1CE6C79BAF1F"}) {
		t.Errorf("UserDevices = %+v", ud[0])
	}
	self, err := eu.AuthenticateApp("euself", "selfpass")
	wantCode(t, err, 0)
	wantCode(t, eu.Login(self, LoginRequest{Device: "SEP001120F678E2", User: "EuSelf"}), 0)
	wantCode(t, eu.Logout(bcapp, LogoutRequest{Device: "sep1ce6c79baf1f"}), 0)
	ok, err := eu.AuthenticateUserPIN("almuser01", "1234")
	if !ok || err != nil {
		t.Errorf("AuthenticateUserPIN(almuser01) = %v, %v", ok, err)
	}
	if !eu.AuthenticateAXL("BcApp", "s3cret") {
		t.Error("AuthenticateAXL(BcApp) refused")
	}
	names, _ := eu.CheckUsers(bcapp, []string{"almuser01", "nobody"})
	if !slices.Equal(names, []string{"ALMUSER01", ""}) {
		t.Errorf("CheckUsers = %q", names)
	}
}

// TestLastLogin: a device remembers its last user through logouts and logoutAll, until a reset.
func TestLastLogin(t *testing.T) {
	m, _ := newDemoModel(t)
	eu := cluster(t, m, "EU")
	last := func() string {
		du, err := eu.DeviceUsers(bcapp, []string{"SEP1CE6C79BAF1F"})
		wantCode(t, err, 0)
		return du[0].LastLogin
	}
	steps := []struct {
		name string
		do   func() error
		want string
	}{
		{"never used", func() error { return nil }, ""},
		{"login", func() error { return eu.Login(bcapp, LoginRequest{Device: "SEP1CE6C79BAF1F", User: "ALMUSER01"}) }, "ALMUSER01"},
		{"logout", func() error { return eu.Logout(bcapp, LogoutRequest{Device: "SEP1CE6C79BAF1F"}) }, "ALMUSER01"},
		{"other user", func() error { return eu.SetLogin("SEP1CE6C79BAF1F", "EUUSER03", "", 0) }, "EUUSER03"},
		{"logoutAll", func() error { return eu.LogoutAll(bcapp) }, "EUUSER03"},
		{"device reset", func() error { return eu.ResetDevice("sep1ce6c79baf1f") }, ""},
		{"login again", func() error { return eu.SetLogin("SEP1CE6C79BAF1F", "EUUSER04", "", 0) }, "EUUSER04"},
		{"cluster reset", func() error { eu.Reset(); return nil }, ""},
	}
	for _, s := range steps {
		wantCode(t, s.do(), 0)
		if got := last(); got != s.want {
			t.Errorf("after %s: last login %q, want %q", s.name, got, s.want)
		}
	}
	wantCode(t, eu.ResetDevice("SEPNOSUCH"), CodeDeviceNotFound)
}
