package service

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
)

// memCluster is an in-memory Cluster: devices (device -> user), users
// (user -> PIN) and a forced error per method.
type memCluster struct {
	code    string
	mu      sync.Mutex
	devices map[string]string
	users   map[string]string
	fail    map[string]error // method name -> error
	calls   []string
	// durations holds each login's duration; resets the devices reset.
	durations     map[string]int
	resets        []string
	clearOnLogout bool
	// roamers is shared by the clusters of one world: the users whose PIN a
	// home cluster accepted, whom the others then log in (as cucmsim does with
	// emApiRoaming afterPINCheck); a user the cluster does not know otherwise gets 23.
	roamers map[string]bool
}

func newMem(code string) *memCluster {
	return &memCluster{code: code, devices: map[string]string{}, users: map[string]string{}, fail: map[string]error{}, durations: map[string]int{}}
}

func (m *memCluster) Code() string { return m.code }

func (m *memCluster) call(name string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.calls = append(m.calls, name)
	return m.fail[name]
}

func (m *memCluster) Login(_ context.Context, _ Credentials, device, user string, opts LoginOptions) (LoginReport, error) {
	if err := m.call("Login"); err != nil {
		return LoginReport{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	cur, ok := m.devices[device]
	var rep LoginReport
	_, local := m.users[user]
	switch {
	case !ok:
		return rep, CUCMError(11, "Device does not exist")
	case !local && !m.roamers[user]:
		return rep, CUCMError(23, "User does not exist")
	case cur != "" && opts.Force:
		rep.Replaced, m.devices[device] = cur, ""
	case cur != "":
		return rep, CUCMError(18, "Another user logged in")
	}
	if opts.Profile != "" && opts.Profile != "DP_"+user {
		rep.LeftFree = rep.Replaced != ""
		return rep, CUCMError(12, "Dev. Profile not found")
	}
	m.devices[device] = user
	m.durations[device] = opts.Duration
	return rep, nil
}

func (m *memCluster) ResetDevice(_ context.Context, _ Credentials, device string) error {
	if err := m.call("ResetDevice"); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.resets = append(m.resets, device)
	return nil
}

func (m *memCluster) ClearsCallHistoryOnLogout() bool { return m.clearOnLogout }

func (m *memCluster) Logout(_ context.Context, _ Credentials, device string) error {
	if err := m.call("Logout"); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	cur, ok := m.devices[device]
	switch {
	case !ok:
		return CUCMError(11, "Device does not exist")
	case cur == "":
		return CUCMError(19, "No user logged in")
	}
	m.devices[device] = ""
	return nil
}

func (m *memCluster) DeviceUser(_ context.Context, _ Credentials, device string) (DeviceStatus, error) {
	if err := m.call("DeviceUser"); err != nil {
		return DeviceStatus{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	cur, ok := m.devices[device]
	return DeviceStatus{Exists: ok, User: cur}, nil
}

func (m *memCluster) UserDevices(_ context.Context, _ Credentials, user string) (UserStatus, error) {
	if err := m.call("UserDevices"); err != nil {
		return UserStatus{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.users[user]
	st := UserStatus{Exists: ok}
	for d, u := range m.devices {
		if ok && u == user {
			st.Devices = append(st.Devices, d)
		}
	}
	return st, nil
}

func (m *memCluster) AuthenticateUser(_ context.Context, _ Credentials, user, pin string) (bool, error) {
	if err := m.call("AuthenticateUser"); err != nil {
		return false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	p, ok := m.users[user]
	if ok && p == pin && m.roamers != nil {
		m.roamers[user] = true
	}
	return ok && p == pin, nil
}

var goodCred = Credentials{AppID: "bcapp", AppCertificate: "s3cret"}

// world: EU has SEPEU1 and user EUUSER (PIN 1234); US has SEPUS1 and USUSER (PIN 5678).
func world(t *testing.T, def string) (*Connector, *memCluster, *memCluster) {
	t.Helper()
	eu, us := newMem("EU"), newMem("US")
	eu.devices["SEPEU1"] = ""
	eu.users["EUUSER"] = "1234"
	us.devices["SEPUS1"] = ""
	us.users["USUSER"] = "5678"
	eu.roamers = map[string]bool{}
	us.roamers = eu.roamers
	c, err := NewConnector([]Cluster{eu, us}, Options{Default: def})
	if err != nil {
		t.Fatal(err)
	}
	return c, eu, us
}

var unreachable = Errorf(CodeUnreachable, "CUCM cluster X unreachable")

// TestOptimisticLogin: which CUCM calls a login makes. A local user's login is
// one EM request; only CUCM's 23 starts the roaming path; a forced login asks
// first, so that it never logs the current user out for an unknown user.
func TestOptimisticLogin(t *testing.T) {
	tests := []struct {
		name         string
		req          Request
		setup        func(eu, us *memCluster)
		wantCode     int
		wantEU       []string
		wantUS       []string
		wantOnDevice string
	}{
		{"local user: one login", Request{Device: "SEPEU1", User: "EUUSER"}, nil, 0,
			[]string{"Login"}, nil, "EUUSER"},
		{"roaming user with the right PIN", Request{Device: "SEPEU1", User: "USUSER", PIN: "5678"}, nil, 0,
			[]string{"Login", "Login"}, []string{"UserDevices", "AuthenticateUser"}, "USUSER"},
		{"roaming user without PIN", Request{Device: "SEPEU1", User: "USUSER"}, nil, CodePINRequired,
			[]string{"Login"}, []string{"UserDevices"}, ""},
		{"unknown user", Request{Device: "SEPEU1", User: "GHOST", PIN: "1"}, nil, EMCodeUserNotFound,
			[]string{"Login"}, []string{"UserDevices"}, ""},
		{"occupied device: CUCM's 18 at once", Request{Device: "SEPEU1", User: "EUUSER"}, func(eu, us *memCluster) { eu.devices["SEPEU1"] = "OTHER" }, 18,
			[]string{"Login"}, nil, "OTHER"},
		{"forced login asks first", Request{Device: "SEPEU1", User: "EUUSER", Login: LoginOptions{Force: true}}, func(eu, us *memCluster) { eu.devices["SEPEU1"] = "OTHER" }, 0,
			[]string{"UserDevices", "Login"}, nil, "EUUSER"},
		{"forced login of an unknown user leaves the current user", Request{Device: "SEPEU1", User: "GHOST", Login: LoginOptions{Force: true}}, func(eu, us *memCluster) { eu.devices["SEPEU1"] = "OTHER" }, EMCodeUserNotFound,
			[]string{"UserDevices"}, []string{"UserDevices"}, "OTHER"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, eu, us := world(t, "EU")
			if tt.setup != nil {
				tt.setup(eu, us)
			}
			tt.req.Op = OpLogin
			if r := c.Serve(context.Background(), goodCred, tt.req); r.Code != tt.wantCode {
				t.Fatalf("code %d %q, want %d", r.Code, r.Text, tt.wantCode)
			}
			if !slices.Equal(eu.calls, tt.wantEU) || !slices.Equal(us.calls, tt.wantUS) {
				t.Errorf("calls EU %v US %v, want EU %v US %v", eu.calls, us.calls, tt.wantEU, tt.wantUS)
			}
			if got := eu.devices["SEPEU1"]; got != tt.wantOnDevice {
				t.Errorf("SEPEU1 holds %q, want %q", got, tt.wantOnDevice)
			}
		})
	}
}

func TestConnectorLogin(t *testing.T) {
	tests := []struct {
		name        string
		def         string
		req         Request
		cred        Credentials
		setup       func(eu, us *memCluster)
		wantCode    int
		wantCluster string
		wantOn      func(eu, us *memCluster) string
	}{
		{"local login on default", "EU", Request{Device: "SEPEU1", User: "EUUSER"}, goodCred, nil, 0, "EU", func(eu, us *memCluster) string { return eu.devices["SEPEU1"] }},
		{"local login ignores PIN", "EU", Request{Device: "SEPEU1", User: "EUUSER", PIN: "0000"}, goodCred, nil, 0, "EU", func(eu, us *memCluster) string { return eu.devices["SEPEU1"] }},
		{"cluster code case-insensitive", "", Request{Device: "SEPUS1", User: "USUSER", Cluster: "us"}, goodCred, nil, 0, "US", func(eu, us *memCluster) string { return us.devices["SEPUS1"] }},
		{"unknown cluster", "EU", Request{Device: "SEPEU1", User: "EUUSER", Cluster: "XX"}, goodCred, nil, CodeClusterNotFound, "", nil},
		{"search finds US", "", Request{Device: "SEPUS1", User: "USUSER"}, goodCred, nil, 0, "US", func(eu, us *memCluster) string { return us.devices["SEPUS1"] }},
		{"search finds nothing", "", Request{Device: "SEPNONE", User: "USUSER"}, goodCred, nil, 11, "", nil},
		{"search all down", "", Request{Device: "SEPUS1", User: "USUSER"}, goodCred, func(eu, us *memCluster) { eu.fail["DeviceUser"], us.fail["DeviceUser"] = unreachable, unreachable }, CodeUnreachable, "", nil},
		{"search one down, other lacks device", "", Request{Device: "SEPNONE", User: "USUSER"}, goodCred, func(eu, us *memCluster) { eu.fail["DeviceUser"] = unreachable }, CodeUnreachable, "", nil},
		{"search one down, other has device", "", Request{Device: "SEPUS1", User: "USUSER"}, goodCred, func(eu, us *memCluster) { eu.fail["DeviceUser"] = unreachable }, 0, "US", nil},
		{"search passes EM error", "", Request{Device: "SEPNONE", User: "USUSER"}, goodCred, func(eu, us *memCluster) { eu.fail["DeviceUser"] = CUCMError(3, "Could not authenticate 'bcapp'") }, 3, "", nil},
		{"roaming without PIN", "EU", Request{Device: "SEPEU1", User: "USUSER"}, goodCred, nil, CodePINRequired, "EU", nil},
		{"roaming with right PIN", "EU", Request{Device: "SEPEU1", User: "USUSER", PIN: "5678"}, goodCred, nil, 0, "EU", func(eu, us *memCluster) string { return eu.devices["SEPEU1"] }},
		{"roaming with wrong PIN", "EU", Request{Device: "SEPEU1", User: "USUSER", PIN: "1111"}, goodCred, nil, CodePINInvalid, "EU", func(eu, us *memCluster) string { return eu.devices["SEPEU1"] }},
		{"roaming user unknown everywhere", "EU", Request{Device: "SEPEU1", User: "GHOST", PIN: "1111"}, goodCred, nil, EMCodeUserNotFound, "EU", nil},
		{"user unknown everywhere, no PIN", "EU", Request{Device: "SEPEU1", User: "GHOST"}, goodCred, nil, EMCodeUserNotFound, "EU", nil},
		{"user unknown, home cluster down", "EU", Request{Device: "SEPEU1", User: "GHOST"}, goodCred, func(eu, us *memCluster) { us.fail["UserDevices"] = unreachable }, CodeUnreachable, "EU", nil},
		{"roaming home cluster down", "EU", Request{Device: "SEPEU1", User: "USUSER", PIN: "5678"}, goodCred, func(eu, us *memCluster) { us.fail["UserDevices"] = unreachable }, CodeUnreachable, "EU", nil},
		{"roaming AXL down", "EU", Request{Device: "SEPEU1", User: "USUSER", PIN: "5678"}, goodCred, func(eu, us *memCluster) { us.fail["AuthenticateUser"] = unreachable }, CodeUnreachable, "EU", nil},
		{"CUCM code passed through", "EU", Request{Device: "SEPEU1", User: "EUUSER"}, goodCred, func(eu, us *memCluster) { eu.devices["SEPEU1"] = "OTHER" }, 18, "EU", nil},
		{"missing certificate", "EU", Request{Device: "SEPEU1", User: "EUUSER"}, Credentials{AppID: "bcapp"}, nil, CodeCredentials, "", nil},
		{"invalid device before anything", "EU", Request{Device: "SEP EU1", User: "EUUSER"}, goodCred, nil, CodeInvalidDevice, "", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, eu, us := world(t, tt.def)
			if tt.setup != nil {
				tt.setup(eu, us)
			}
			tt.req.Op = OpLogin
			r := c.Serve(context.Background(), tt.cred, tt.req)
			if r.Code != tt.wantCode {
				t.Fatalf("Serve(%+v) = %d %q, want code %d", tt.req, r.Code, r.Text, tt.wantCode)
			}
			if r.Cluster != tt.wantCluster {
				t.Errorf("cluster %q, want %q", r.Cluster, tt.wantCluster)
			}
			if tt.wantOn != nil {
				want := tt.req.User
				if tt.wantCode != 0 {
					want = ""
				}
				if got := tt.wantOn(eu, us); got != want {
					t.Errorf("device holds %q, want %q", got, want)
				}
			}
			if r.Code != 0 && tt.req.PIN != "" && strings.Contains(r.Text, tt.req.PIN) {
				t.Errorf("text %q leaks the PIN", r.Text)
			}
		})
	}
}

func TestConnectorNoCUCMCallOnBadInput(t *testing.T) {
	c, eu, us := world(t, "")
	for _, req := range []Request{{Device: ""}, {Device: "SEP1", User: ""}, {Device: "SEP1", User: "u", Cluster: "a.b"}, {Device: "SEP1", User: "u", PIN: "x"}} {
		req.Op = OpLogin
		c.Serve(context.Background(), goodCred, req)
	}
	c.Serve(context.Background(), Credentials{}, Request{Op: OpLogout, Device: "SEPEU1"})
	if len(eu.calls)+len(us.calls) != 0 {
		t.Errorf("CUCM was called for invalid input: %v %v", eu.calls, us.calls)
	}
}

func TestConnectorLogoutAndLoggedInUser(t *testing.T) {
	c, eu, _ := world(t, "")
	eu.devices["SEPEU1"] = "EUUSER"
	ctx := context.Background()
	r := c.Serve(ctx, goodCred, Request{Op: OpLoggedInUser, Device: "SEPEU1"})
	if r.Code != 0 || r.User != "EUUSER" || r.Cluster != "EU" {
		t.Fatalf("getloggedinuser = %+v", r)
	}
	if n := len(eu.calls); n != 1 {
		t.Errorf("search result not reused: %d calls %v", n, eu.calls)
	}
	if r := c.Serve(ctx, goodCred, Request{Op: OpLogout, Device: "SEPEU1"}); r.Code != 0 {
		t.Fatalf("logout: %+v", r)
	}
	r = c.Serve(ctx, goodCred, Request{Op: OpLoggedInUser, Device: "SEPEU1", Cluster: "EU"})
	if r.Code != 0 || r.User != "" {
		t.Errorf("after logout: %+v; want nobody", r)
	}
	if r := c.Serve(ctx, goodCred, Request{Op: OpLogout, Device: "SEPEU1", Cluster: "EU"}); r.Code != 19 {
		t.Errorf("second logout: %+v, want 19", r)
	}
	if r := c.Serve(ctx, goodCred, Request{Op: OpLoggedInUser, Device: "SEPX", Cluster: "EU"}); r.Code != 11 {
		t.Errorf("unknown device: %+v, want 11", r)
	}
}

func TestNewConnectorErrors(t *testing.T) {
	if _, err := NewConnector([]Cluster{newMem("EU"), newMem("eu")}, Options{}); err == nil {
		t.Error("duplicate codes accepted")
	}
	if _, err := NewConnector([]Cluster{newMem("EU")}, Options{Default: "US"}); err == nil {
		t.Error("unknown default accepted")
	}
}

func TestResultFor(t *testing.T) {
	login := Request{Op: OpLogin, Device: "SEP1CE6C79BAF1F", User: "ALMUSER01"}
	tests := []struct {
		name     string
		req      Request
		out      Found
		err      error
		wantCode int
		wantText string
		wantUser string
	}{
		{"login ok", login, Found{Cluster: "EU"}, nil, 0, "Login successful for ALMUSER01 on device SEP1CE6C79BAF1F", "ALMUSER01"},
		{"logout ok", Request{Op: OpLogout, Device: "SEP1CE6C79BAF1F"}, Found{}, nil, 0, "Logout successful for device SEP1CE6C79BAF1F", ""},
		{"who ok", Request{Op: OpLoggedInUser, Device: "SEP001120F678E2"}, Found{User: "ALMUSER01"}, nil, 0, "Get logged in user request successful", "ALMUSER01"},
		{"who nobody", Request{Op: OpLoggedInUser, Device: "SEP1"}, Found{}, nil, 0, "No user logged in on device SEP1", ""},
		{"CUCM error names all", login, Found{Cluster: "EU"}, CUCMError(18, "Another user logged in"), 18,
			"Login failed for ALMUSER01 on device SEP1CE6C79BAF1F in cluster EU: Another user logged in", "ALMUSER01"},
		{"service error as is", login, Found{}, Errorf(CodeClusterNotFound, "Cluster with code [XX] not found"), 1001, "Cluster with code [XX] not found", "ALMUSER01"},
		{"deadline", login, Found{}, context.DeadlineExceeded, CodeBusy, "Service busy: request deadline passed", "ALMUSER01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := ResultFor(tt.req, tt.out, tt.err)
			if r.Code != tt.wantCode || r.Text != tt.wantText || r.User != tt.wantUser {
				t.Errorf("got code %d text %q user %q; want %d %q %q", r.Code, r.Text, r.User, tt.wantCode, tt.wantText, tt.wantUser)
			}
		})
	}
}
