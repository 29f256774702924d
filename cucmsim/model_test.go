package cucmsim

import (
	"errors"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/emconnector/emconnector/cucmsim/topology"
)

// fakeClock is a settable Clock for expiry tests.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (f *fakeClock) Now() time.Time { f.mu.Lock(); defer f.mu.Unlock(); return f.t }

func (f *fakeClock) Add(d time.Duration) { f.mu.Lock(); f.t = f.t.Add(d); f.mu.Unlock() }

func loadDemo(t testing.TB) *topology.Topology {
	t.Helper()
	topo, err := topology.Load("../testdata/topology/demo.yaml")
	if err != nil {
		t.Fatal(err)
	}
	return topo
}

func newDemoModel(t testing.TB) (*Model, *fakeClock) {
	clock := &fakeClock{t: time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)}
	return NewModel(loadDemo(t), clock), clock
}

func cluster(t testing.TB, m *Model, code string) *Cluster {
	t.Helper()
	c, ok := m.Cluster(code)
	if !ok {
		t.Fatalf("no cluster %s", code)
	}
	return c
}

var (
	bcapp = Principal{ID: "bcapp", ProxyRights: true}
	self  = Principal{ID: "EUSELF", EndUser: true}
)

func wantCode(t *testing.T, err error, want int) {
	t.Helper()
	got := -1
	if err == nil {
		got = 0
	} else {
		var e *Error
		if !errors.As(err, &e) {
			t.Fatalf("got error %T %v, want *Error", err, err)
		}
		got = e.Code
		if e.Text == "" {
			t.Errorf("error %d has no text", e.Code)
		}
	}
	if got != want {
		t.Fatalf("got code %d (%v), want %d", got, err, want)
	}
}

// pinAccepted records that user's home cluster accepted the user's PIN now, as AXL
// doAuthenticateUser does (emApiRoaming afterPINCheck).
func pinAccepted(m *Model, user string) { m.pins.accepted(user, m.Now().UnixNano()) }

// TestEMAPIRoaming: what a visited cluster does with an EM API login of a user homed elsewhere,
// by emApiRoaming, and how long an accepted PIN lasts.
func TestEMAPIRoaming(t *testing.T) {
	tests := []struct {
		name     string
		policy   topology.EMAPIRoaming
		checkPIN string // "" = no doAuthenticateUser; else the PIN given to the home cluster
		wait     time.Duration
		want     int
	}{
		{"afterPINCheck, PIN accepted", topology.RoamingAfterPINCheck, "5678", 0, 0},
		{"afterPINCheck, no PIN check", topology.RoamingAfterPINCheck, "", 0, 23},
		{"afterPINCheck, wrong PIN", topology.RoamingAfterPINCheck, "0000", 0, 23},
		{"afterPINCheck, accepted PIN still fresh", topology.RoamingAfterPINCheck, "5678", topology.PINCheckValidity, 0},
		{"afterPINCheck, accepted PIN too old", topology.RoamingAfterPINCheck, "5678", topology.PINCheckValidity + time.Second, 23},
		{"always, no PIN check", topology.RoamingAlways, "", 0, 0},
		{"never, PIN accepted", topology.RoamingNever, "5678", 0, 23},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, clock := newDemoModel(t)
			eu, us := cluster(t, m, "EU"), cluster(t, m, "US")
			us.policy.EMAPIRoaming = tt.policy
			if tt.checkPIN != "" {
				if _, err := eu.AuthenticateUserPIN("EUROAM01", tt.checkPIN); err != nil {
					t.Fatal(err)
				}
			}
			clock.Add(tt.wait)
			wantCode(t, us.Login(bcapp, LoginRequest{Device: "SEPA00000000001", User: "euroam01"}), tt.want)
		})
	}
	m, _ := newDemoModel(t)
	us := cluster(t, m, "US")
	pinAccepted(m, "EUROAM01")
	wantCode(t, us.Login(bcapp, LoginRequest{Device: "SEPA000000000FF", User: "EUROAM01"}), 32)
	wantCode(t, us.Login(bcapp, LoginRequest{Device: "SEPA00000000001", User: "EUROAM01"}), 23) // one PIN, one login
	pinAccepted(m, "EUROAM01")
	m.Reset()
	wantCode(t, cluster(t, m, "US").Login(bcapp, LoginRequest{Device: "SEPA00000000001", User: "EUROAM01"}), 23)
}

func TestLoginRules(t *testing.T) {
	type setup struct{ cluster, device, user string }
	tests := []struct {
		name    string
		cluster string
		setup   []setup
		p       Principal
		req     LoginRequest
		// roam: the user's home cluster accepted the user's PIN just before (emApiRoaming).
		roam bool
		want int
	}{
		{name: "success with default profile", cluster: "EU", p: bcapp, req: LoginRequest{Device: "SEP1CE6C79BAF1F", User: "ALMUSER01"}, want: 0},
		{name: "no proxy rights", cluster: "EU", p: Principal{ID: "noproxy"}, req: LoginRequest{Device: "SEP1CE6C79BAF1F", User: "ALMUSER01"}, want: 10},
		{name: "end user for itself", cluster: "EU", p: self, req: LoginRequest{Device: "SEP1CE6C79BAF1F", User: "EUSELF"}, want: 0},
		{name: "end user for another", cluster: "EU", p: self, req: LoginRequest{Device: "SEP1CE6C79BAF1F", User: "ALMUSER01"}, want: 10},
		{name: "blank user", cluster: "EU", p: bcapp, req: LoginRequest{Device: "SEP1CE6C79BAF1F"}, want: 2},
		{name: "blank device", cluster: "EU", p: bcapp, req: LoginRequest{User: "ALMUSER01"}, want: 11},
		{name: "unknown device", cluster: "EU", p: bcapp, req: LoginRequest{Device: "SEPFFFFFFFFFFFF", User: "ALMUSER01"}, want: 11},
		{name: "EM disabled", cluster: "EU", p: bcapp, req: LoginRequest{Device: "SEPEEEEEEEEEEEE", User: "ALMUSER01"}, want: 22},
		{name: "unknown user", cluster: "EU", p: bcapp, req: LoginRequest{Device: "SEP1CE6C79BAF1F", User: "NOBODY"}, want: 23},
		{name: "locked user", cluster: "EU", p: bcapp, req: LoginRequest{Device: "SEP1CE6C79BAF1F", User: "EULOCKED"}, want: 4},
		{name: "unknown profile", cluster: "EU", p: bcapp, req: LoginRequest{Device: "SEP1CE6C79BAF1F", User: "ALMUSER01", Profile: "UDP-NOPE"}, want: 12},
		{name: "user without profiles", cluster: "EU", p: bcapp, req: LoginRequest{Device: "SEP1CE6C79BAF1F", User: "EUNOPROF"}, want: 12},
		{name: "explicit shared profile", cluster: "EU", p: bcapp, req: LoginRequest{Device: "SEP1CE6C79BAF1F", User: "EUNOPROF", Profile: "UDP-SHARED"}, want: 0},
		{name: "untrusted IP", cluster: "EU", p: bcapp, req: LoginRequest{Device: "SEP1CE6C79BAF1F", User: "ALMUSER01", RemoteIP: "192.0.2.1"}, want: 28},
		{name: "trusted IP", cluster: "EU", p: bcapp, req: LoginRequest{Device: "SEP1CE6C79BAF1F", User: "ALMUSER01", RemoteIP: "10.1.2.3"}, want: 0},
		{name: "garbage IP is untrusted", cluster: "EU", p: bcapp, req: LoginRequest{Device: "SEP1CE6C79BAF1F", User: "ALMUSER01", RemoteIP: "not-an-ip"}, want: 28},
		{name: "proxy not allowed", cluster: "US", p: bcapp, req: LoginRequest{Device: "SEPA00000000001", User: "USUSER02", ViaProxy: true}, want: 30},
		{name: "another user on device", cluster: "EU", setup: []setup{{"EU", "SEP1CE6C79BAF1F", "EUUSER03"}}, p: bcapp, req: LoginRequest{Device: "SEP1CE6C79BAF1F", User: "ALMUSER01"}, want: 18},
		{name: "same user again, policy error", cluster: "EU", setup: []setup{{"EU", "SEP1CE6C79BAF1F", "ALMUSER01"}}, p: bcapp, req: LoginRequest{Device: "SEP1CE6C79BAF1F", User: "ALMUSER01"}, want: 18},
		{name: "same user again, policy success", cluster: "US", setup: []setup{{"US", "SEPA00000000001", "USUSER02"}}, p: bcapp, req: LoginRequest{Device: "SEPA00000000001", User: "USUSER02"}, want: 0},
		{name: "logged in elsewhere", cluster: "EU", setup: []setup{{"EU", "SEPE00000000001", "ALMUSER01"}}, p: bcapp, req: LoginRequest{Device: "SEP1CE6C79BAF1F", User: "ALMUSER01"}, want: 25},
		{name: "emcc roaming EU user into US", cluster: "US", p: bcapp, req: LoginRequest{Device: "SEPA00000000001", User: "EUROAM01"}, roam: true, want: 0},
		{name: "emcc not activated", cluster: "US", p: bcapp, req: LoginRequest{Device: "SEPA00000000001", User: "EUNOEMCC"}, roam: true, want: 31},
		{name: "emcc device not capable", cluster: "US", p: bcapp, req: LoginRequest{Device: "SEPA000000000FF", User: "EUROAM01"}, roam: true, want: 32},
		{name: "emcc duplicate device name", cluster: "US", p: bcapp, req: LoginRequest{Device: "SEPDDDDDDDDDDDD", User: "EUROAM01"}, roam: true, want: 37},
		{name: "emcc home cluster disabled", cluster: "EU", p: bcapp, req: LoginRequest{Device: "SEPE00000000001", User: "LABUSER01"}, roam: true, want: 36},
		{name: "emcc visiting cluster disabled", cluster: "LAB", p: bcapp, req: LoginRequest{Device: "SEPB00000000001", User: "ALMUSER01"}, roam: true, want: 36},
		{name: "roaming without an accepted PIN is an unknown user", cluster: "US", p: bcapp, req: LoginRequest{Device: "SEPA00000000001", User: "EUROAM01"}, want: 23},
		{name: "time zero", cluster: "EU", p: bcapp, req: LoginRequest{Device: "SEP1CE6C79BAF1F", User: "ALMUSER01", TimeSet: true, Minutes: 0}, want: 1},
		{name: "time too long", cluster: "EU", p: bcapp, req: LoginRequest{Device: "SEP1CE6C79BAF1F", User: "ALMUSER01", TimeSet: true, Minutes: 10081}, want: 1},
		{name: "time max", cluster: "EU", p: bcapp, req: LoginRequest{Device: "SEP1CE6C79BAF1F", User: "ALMUSER01", TimeSet: true, Minutes: 10080}, want: 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _ := newDemoModel(t)
			for _, s := range tt.setup {
				if err := cluster(t, m, s.cluster).SetLogin(s.device, s.user, "", 0); err != nil {
					t.Fatalf("setup: %v", err)
				}
			}
			c := cluster(t, m, tt.cluster)
			if tt.roam {
				pinAccepted(m, tt.req.User)
			}
			before := c.Logins()
			err := c.Login(tt.p, tt.req)
			wantCode(t, err, tt.want)
			after := c.Logins()
			if tt.want != 0 {
				if !slices.Equal(before, after) {
					t.Errorf("failed login changed state: before %v, after %v", before, after)
				}
				return
			}
			i := slices.IndexFunc(after, func(l LoginInfo) bool { return l.Device == tt.req.Device })
			if i < 0 || after[i].User != tt.req.User {
				t.Fatalf("logins after success = %+v, want %s on %s", after, tt.req.User, tt.req.Device)
			}
			if wantEMCC := tt.req.User == "EUROAM01"; after[i].EMCC != wantEMCC {
				t.Errorf("emcc = %v, want %v", after[i].EMCC, wantEMCC)
			}
		})
	}
}

func TestLoginProfileAndAutoLogout(t *testing.T) {
	m, _ := newDemoModel(t)
	us := cluster(t, m, "US")
	wantCode(t, us.Login(bcapp, LoginRequest{Device: "SEPA00000000001", User: "USUSER02"}), 0)
	wantCode(t, us.Login(bcapp, LoginRequest{Device: "SEPA00000000002", User: "USUSER02"}), 0)
	got := us.Logins()
	if len(got) != 1 || got[0].Device != "SEPA00000000002" || got[0].Profile != "UDP-USUSER02" {
		t.Fatalf("auto-logout: logins = %+v, want only SEPA00000000002", got)
	}
	eu := cluster(t, m, "EU")
	wantCode(t, eu.Login(bcapp, LoginRequest{Device: "SEPE00000000001", User: "EUUSER02", Profile: "UDP-EUUSER02-7970"}), 0)
	if got := eu.Logins(); got[0].Profile != "UDP-EUUSER02-7970" {
		t.Errorf("profile = %q, want the named one", got[0].Profile)
	}
}

func TestLoginExpiry(t *testing.T) {
	tests := []struct {
		name    string
		cluster string
		device  string
		user    string
		timeSet bool
		minutes int
		wantExp time.Duration // 0: no expiry
	}{
		{name: "indefinite, no system max", cluster: "EU", device: "SEPE00000000001", user: "ALMUSER01"},
		{name: "60 minutes", cluster: "EU", device: "SEPE00000000001", user: "ALMUSER01", timeSet: true, minutes: 60, wantExp: 60 * time.Minute},
		{name: "indefinite bounded by system max", cluster: "US", device: "SEPA00000000001", user: "USUSER02", wantExp: 480 * time.Minute},
		{name: "request shorter than max", cluster: "US", device: "SEPA00000000001", user: "USUSER02", timeSet: true, minutes: 30, wantExp: 30 * time.Minute},
		{name: "request longer than max", cluster: "US", device: "SEPA00000000001", user: "USUSER02", timeSet: true, minutes: 600, wantExp: 480 * time.Minute},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, clock := newDemoModel(t)
			c := cluster(t, m, tt.cluster)
			wantCode(t, c.Login(bcapp, LoginRequest{Device: tt.device, User: tt.user, TimeSet: tt.timeSet, Minutes: tt.minutes}), 0)
			l := c.Logins()[0]
			if tt.wantExp == 0 {
				if !l.Expires.IsZero() {
					t.Fatalf("expires = %v, want none", l.Expires)
				}
				clock.Add(10000 * time.Hour)
				if len(c.Logins()) != 1 {
					t.Fatal("login without expiry disappeared")
				}
				return
			}
			if got := l.Expires.Sub(l.Since); got != tt.wantExp {
				t.Fatalf("expiry after %v, want %v", got, tt.wantExp)
			}
			clock.Add(tt.wantExp - time.Second)
			res, _ := c.DeviceUsers(bcapp, []string{tt.device})
			if res[0].User != tt.user {
				t.Fatalf("login gone a second early")
			}
			m.Advance(time.Second) // the control API's clock offset counts too
			res, _ = c.DeviceUsers(bcapp, []string{tt.device})
			if res[0].User != "" {
				t.Fatalf("login still there at expiry: %+v", res[0])
			}
			wantCode(t, c.Logout(bcapp, LogoutRequest{Device: tt.device}), 19)
			wantCode(t, c.Login(bcapp, LoginRequest{Device: "SEPE00000000002", User: tt.user}), map[string]int{"EU": 0, "US": 11}[tt.cluster])
		})
	}
}

func TestLogoutRules(t *testing.T) {
	tests := []struct {
		name  string
		p     Principal
		setup string // user logged in on SEPE00000000001 first
		req   LogoutRequest
		want  int
	}{
		{name: "success", p: bcapp, setup: "ALMUSER01", req: LogoutRequest{Device: "SEPE00000000001"}, want: 0},
		{name: "nobody", p: bcapp, req: LogoutRequest{Device: "SEPE00000000001"}, want: 19},
		{name: "unknown device", p: bcapp, req: LogoutRequest{Device: "SEP000000000000"}, want: 11},
		{name: "blank device", p: bcapp, req: LogoutRequest{}, want: 11},
		{name: "EM disabled", p: bcapp, req: LogoutRequest{Device: "SEPEEEEEEEEEEEE"}, want: 5},
		{name: "no proxy rights", p: Principal{ID: "noproxy"}, setup: "ALMUSER01", req: LogoutRequest{Device: "SEPE00000000001"}, want: 10},
		{name: "end user own device", p: self, setup: "EUSELF", req: LogoutRequest{Device: "SEPE00000000001"}, want: 0},
		{name: "end user other's device", p: self, setup: "ALMUSER01", req: LogoutRequest{Device: "SEPE00000000001"}, want: 10},
		{name: "untrusted IP", p: bcapp, setup: "ALMUSER01", req: LogoutRequest{Device: "SEPE00000000001", RemoteIP: "192.0.2.1"}, want: 28},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, _ := newDemoModel(t)
			eu := cluster(t, m, "EU")
			if tt.setup != "" {
				wantCode(t, eu.SetLogin("SEPE00000000001", tt.setup, "", 0), 0)
			}
			wantCode(t, eu.Logout(tt.p, tt.req), tt.want)
			if n := len(eu.Logins()); (tt.want == 0 && n != 0) || (tt.want != 0 && tt.setup != "" && n != 1) {
				t.Errorf("logins after = %d", n)
			}
		})
	}
}

func TestLogoutAll(t *testing.T) {
	m, _ := newDemoModel(t)
	eu := cluster(t, m, "EU")
	wantCode(t, eu.SetLogin("SEPE00000000001", "EUUSER02", "", 0), 0)
	wantCode(t, eu.SetLogin("SEPE00000000003", "EUUSER03", "", 0), 0)
	wantCode(t, cluster(t, m, "US").SetLogin("SEPA00000000001", "USUSER02", "", 0), 0)
	wantCode(t, eu.LogoutAll(Principal{ID: "noproxy"}), 10)
	wantCode(t, eu.LogoutAll(self), 10)
	wantCode(t, eu.LogoutAll(bcapp), 0)
	if n := len(eu.Logins()); n != 0 {
		t.Errorf("logins after logoutAll = %d", n)
	}
	if n := len(cluster(t, m, "US").Logins()); n != 1 {
		t.Errorf("logoutAll on EU touched US: %d logins left, want 1", n)
	}
	wantCode(t, eu.Login(bcapp, LoginRequest{Device: "SEPE00000000004", User: "EUUSER03"}), 0)
}

func TestAuthenticateApp(t *testing.T) {
	m, _ := newDemoModel(t)
	eu := cluster(t, m, "EU")
	tests := []struct {
		id, cert string
		want     int
		wantP    Principal
	}{
		{"bcapp", "s3cret", 0, bcapp},
		{"bcapp", "wrong", 3, Principal{}},
		{"nobody", "x", 3, Principal{}},
		{"", "", 3, Principal{}},
		{"noproxy", "n0proxy", 0, Principal{ID: "noproxy"}},
		{"expired", "old-pass", 27, Principal{}},
		{"expired", "wrong", 3, Principal{}},
		{"EUSELF", "selfpass", 0, self},
		{"ALMUSER01", "", 3, Principal{}}, // users without a password cannot be appIDs
	}
	for _, tt := range tests {
		p, err := eu.AuthenticateApp(tt.id, tt.cert)
		wantCode(t, err, tt.want)
		if p != tt.wantP {
			t.Errorf("AuthenticateApp(%q) = %+v, want %+v", tt.id, p, tt.wantP)
		}
		if tt.want == 3 && err.Error() != "EM error 3: Could not authenticate '"+tt.id+"'" {
			t.Errorf("text = %q", err)
		}
	}
}

func TestAuthenticateUserPIN(t *testing.T) {
	m, _ := newDemoModel(t)
	eu := cluster(t, m, "EU")
	tests := []struct {
		user, pin string
		want      bool
		code      int
	}{
		{"ALMUSER01", "1234", true, 0},
		{"ALMUSER01", "1235", false, 0},
		{"ALMUSER01", "", false, 0},
		{"EULOCKED", "4444", false, 0},
		{"USROAM01", "4321", false, 23}, // homed in US
	}
	for _, tt := range tests {
		ok, err := eu.AuthenticateUserPIN(tt.user, tt.pin)
		wantCode(t, err, tt.code)
		if ok != tt.want {
			t.Errorf("AuthenticateUserPIN(%s) = %v, want %v", tt.user, ok, tt.want)
		}
	}
	if !eu.AuthenticateAXL("bcapp", "s3cret") || eu.AuthenticateAXL("noproxy", "n0proxy") || eu.AuthenticateAXL("expired", "old-pass") || eu.AuthenticateAXL("bcapp", "x") {
		t.Error("AuthenticateAXL: wrong answers")
	}
}

func TestQueries(t *testing.T) {
	m, _ := newDemoModel(t)
	eu, us := cluster(t, m, "EU"), cluster(t, m, "US")
	wantCode(t, eu.SetLogin("SEP402CF4915265", "em@cisco.com", "", 0), 0)
	pinAccepted(m, "EUROAM01")
	wantCode(t, us.Login(bcapp, LoginRequest{Device: "SEPA00000000003", User: "EUROAM01"}), 0)

	du, err := eu.DeviceUsers(bcapp, []string{"SEPFFFFFFFFFFFF", "SEP402CF4915265", "SEP003094C25B15"})
	wantCode(t, err, 0)
	want := []DeviceUser{{Device: "SEPFFFFFFFFFFFF"}, {Device: "SEP402CF4915265", Exists: true, User: "em@cisco.com", LastLogin: "em@cisco.com"}, {Device: "SEP003094C25B15", Exists: true}}
	if !slices.Equal(du, want) {
		t.Errorf("DeviceUsers = %+v, want %+v", du, want)
	}
	du, _ = us.DeviceUsers(bcapp, []string{"SEPA00000000003"})
	if !du[0].EMCC || du[0].User != "EUROAM01" {
		t.Errorf("EMCC device = %+v", du[0])
	}

	ud, err := us.UserDevices(bcapp, []string{"EUROAM01", "USUSER02"})
	wantCode(t, err, 0)
	if ud[0].Exists || !ud[1].Exists || len(ud[1].Devices) != 0 {
		t.Errorf("UserDevices = %+v: roaming users do not exist on the visited cluster", ud)
	}
	wantCode(t, eu.SetLogin("SEP003094C25B49", "ALMUSER01", "", 0), 0)
	wantCode(t, eu.SetLogin("SEP003094C25B15", "ALMUSER01", "", 0), 0)
	ud, _ = eu.UserDevices(bcapp, []string{"ALMUSER01"})
	if !slices.Equal(ud[0].Devices, []string{"SEP003094C25B15", "SEP003094C25B49"}) {
		t.Errorf("devices = %v, want sorted", ud[0].Devices)
	}

	dp, err := eu.DeviceProfiles(bcapp, []string{"em@cisco.com", "x"})
	wantCode(t, err, 0)
	wantP := []ProfileInfo{{Name: "EM-SCCP-Profile-7970"}, {Name: "EM-SIP-Profile-8845", Default: true}}
	if !slices.Equal(dp[0].Profiles, wantP) || dp[1].Exists {
		t.Errorf("DeviceProfiles = %+v", dp)
	}

	_, err = eu.DeviceUsers(Principal{ID: "noproxy"}, []string{"SEP003094C25B15"})
	wantCode(t, err, 10)
	_, err = eu.UserDevices(self, []string{"EUSELF"})
	wantCode(t, err, 0)
	_, err = eu.DeviceProfiles(self, []string{"ALMUSER01"})
	wantCode(t, err, 10)
	_, err = eu.DeviceUsers(self, []string{"SEP003094C25B15"})
	wantCode(t, err, 10)
}

func TestSetAndClearLogin(t *testing.T) {
	m, _ := newDemoModel(t)
	eu := cluster(t, m, "EU")
	wantCode(t, eu.SetLogin("SEPNOPE", "ALMUSER01", "", 0), 11)
	wantCode(t, eu.SetLogin("SEPE00000000001", "NOPE", "", 0), 23)
	wantCode(t, eu.SetLogin("SEPE00000000001", "ALMUSER01", "NOPE", 0), 12)
	wantCode(t, eu.SetLogin("SEPE00000000001", "EUNOPROF", "", 0), 12)
	wantCode(t, eu.SetLogin("SEPE00000000001", "USROAM01", "", 30), 0)
	l := eu.Logins()[0]
	if !l.EMCC || l.Profile != "UDP-USROAM01" || l.Expires.Sub(l.Since) != 30*time.Minute {
		t.Errorf("SetLogin result = %+v", l)
	}
	wantCode(t, eu.ClearLogin("SEPE00000000001"), 0)
	wantCode(t, eu.ClearLogin("SEPE00000000001"), 19)
	m.Advance(time.Hour)
	wantCode(t, eu.SetLogin("SEPE00000000001", "ALMUSER01", "", 0), 0)
	m.Reset()
	if len(eu.Logins()) != 0 || !m.Now().Equal(time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Errorf("Reset left logins or clock offset")
	}
}

func TestBegin(t *testing.T) {
	m, _ := newDemoModel(t)
	lab := cluster(t, m, "LAB") // maxConcurrentRequests: 1
	release, err := lab.Begin()
	wantCode(t, err, 0)
	_, err = lab.Begin()
	wantCode(t, err, 26)
	release()
	release, err = lab.Begin()
	wantCode(t, err, 0)
	release()
}

func TestConcurrentLogins(t *testing.T) {
	m, _ := newDemoModel(t)
	us := cluster(t, m, "US")
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Go(func() {
			dev := []string{"SEPA00000000001", "SEPA00000000002", "SEPA00000000003"}[i%3]
			_ = us.Login(bcapp, LoginRequest{Device: dev, User: []string{"USUSER02", "USUSER03"}[i%2]})
			_, _ = us.DeviceUsers(bcapp, []string{dev})
			_ = us.Logout(bcapp, LogoutRequest{Device: dev})
		})
	}
	wg.Wait()
	// auto-logout: each user is on at most one device; every device has at most one user.
	seen := map[string]bool{}
	for _, l := range us.Logins() {
		if seen[l.User] {
			t.Errorf("user %s on two devices", l.User)
		}
		seen[l.User] = true
	}
}
