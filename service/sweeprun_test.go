package service

import (
	"context"
	"path"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// ListDevices makes memCluster an Inventory: LIKE is approximated by a glob.
func (m *memCluster) ListDevices(_ context.Context, _ Credentials, pattern string, _ int) ([]string, error) {
	if err := m.call("ListDevices"); err != nil {
		return nil, err
	}
	glob := strings.NewReplacer("%", "*", "_", "?").Replace(pattern)
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for d := range m.devices {
		if ok, _ := path.Match(glob, d); ok {
			out = append(out, d)
		}
	}
	slices.Sort(out)
	return out, nil
}

func (m *memCluster) DeviceUsers(_ context.Context, _ Credentials, devices []string, _ int) ([]DeviceStatus, error) {
	if err := m.call("DeviceUsers"); err != nil {
		return nil, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]DeviceStatus, len(devices))
	for i, d := range devices {
		u, ok := m.devices[d]
		out[i] = DeviceStatus{Exists: ok, User: u}
	}
	return out, nil
}

// memSweeps is an in-memory SweepStore: one lease per sweep, one row per run.
type memSweeps struct {
	mu     sync.Mutex
	leases map[string]string // sweep -> owner (no expiry in memory)
	runs   map[string]*SweepReport
	busy   bool // every claim fails: held elsewhere
}

func newMemSweeps() *memSweeps {
	return &memSweeps{leases: map[string]string{}, runs: map[string]*SweepReport{}}
}

func (s *memSweeps) Claim(_ context.Context, c SweepClaim) (SweepClaimed, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	key := c.Sweep + "@" + c.At.String()
	if r, ok := s.runs[key]; ok && r.State != SweepRunning {
		return SweepClaimed{Finished: true}, nil
	}
	if o, held := s.leases[c.Sweep]; s.busy || (held && o != c.Owner) {
		return SweepClaimed{}, nil
	}
	s.leases[c.Sweep] = c.Owner
	if r, ok := s.runs[key]; ok {
		return SweepClaimed{Claimed: true, Resumed: true, Started: r.Started}, nil
	}
	s.runs[key] = &SweepReport{Sweep: c.Sweep, Scheduled: c.At, State: SweepRunning, Started: c.Now}
	return SweepClaimed{Claimed: true, Started: c.Now}, nil
}

func (s *memSweeps) Renew(context.Context, string, string, time.Time) (bool, error) { return true, nil }

func (s *memSweeps) Finish(_ context.Context, owner string, r SweepReport) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	r.Devices = nil
	s.runs[r.Sweep+"@"+r.Scheduled.String()] = &r
	delete(s.leases, r.Sweep)
	return nil
}

func (s *memSweeps) Stale(context.Context, string, time.Time) ([]time.Time, error) { return nil, nil }

func (s *memSweeps) Reports(_ context.Context, sweep string, _ int) ([]SweepReport, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []SweepReport
	for _, r := range s.runs {
		if r.Sweep == sweep {
			out = append(out, *r)
		}
	}
	return out, nil
}

// memLogins is the history's recent logins: device -> login.
type memLogins map[string]SeenLogin

func (m memLogins) RecentLogins(_ context.Context, _ string, devices []string, since time.Time) (map[string]SeenLogin, error) {
	out := map[string]SeenLogin{}
	for _, d := range devices {
		if l, ok := m[strings.ToUpper(d)]; ok && !l.Time.Before(since) {
			out[strings.ToUpper(d)] = l
		}
	}
	return out, nil
}

var sweepNow = time.Date(2026, 12, 6, 23, 0, 0, 0, time.UTC)

func TestSweepRun(t *testing.T) {
	tests := []struct {
		name       string
		dry        bool
		fail       map[string]error
		wantCode   int
		wantFields map[string]string
		wantLeft   map[string]string // devices -> user after the run
	}{
		{
			name:       "logs out the old matching logins, spares the young",
			wantFields: map[string]string{"examined": "4", "loggedIn": "3", "loggedOut": "2", "spared": "1", "failed": "0", "failures": "", "dryRun": "false", "state": "done"},
			wantLeft:   map[string]string{"SEPHD1": "", "SEPHD2": "bob", "SEPHD3": "", "SEPHD4": "", "SEPXX1": "carol"},
		},
		{
			name:       "dry run changes nothing",
			dry:        true,
			wantFields: map[string]string{"examined": "4", "loggedIn": "3", "loggedOut": "2", "spared": "1", "dryRun": "true"},
			wantLeft:   map[string]string{"SEPHD1": "alice", "SEPHD2": "bob", "SEPHD3": "", "SEPHD4": "dave", "SEPXX1": "carol"},
		},
		{
			name:       "a refused logout is counted by code",
			fail:       map[string]error{"Logout": CUCMError(26, "Busy")},
			wantFields: map[string]string{"loggedOut": "0", "failed": "2", "failures": "26:2"},
			wantLeft:   map[string]string{"SEPHD1": "alice", "SEPHD4": "dave"},
		},
		{
			name:       "a cluster that cannot list answers its code",
			fail:       map[string]error{"ListDevices": Errorf(CodeUnreachable, "AXL of cluster EU unreachable")},
			wantCode:   CodeUnreachable,
			wantFields: map[string]string{"examined": "0", "failures": "1002:1"},
			wantLeft:   map[string]string{"SEPHD1": "alice"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eu := newMem("EU")
			for d, u := range map[string]string{"SEPHD1": "alice", "SEPHD2": "bob", "SEPHD3": "", "SEPHD4": "dave", "SEPXX1": "carol"} {
				eu.devices[d] = u
			}
			maps(eu.fail, tt.fail)
			var mu sync.Mutex
			var events []Event
			conn, err := NewConnector([]Cluster{eu}, Options{Events: NewEmitter(ConsumerFunc(func(e Event) {
				mu.Lock()
				defer mu.Unlock()
				events = append(events, e)
			}))})
			if err != nil {
				t.Fatal(err)
			}
			logins := memLogins{
				"SEPHD2": {User: "BOB", Time: sweepNow.Add(-10 * time.Minute)},   // young, same user: spared
				"SEPHD4": {User: "erin", Time: sweepNow.Add(-5 * time.Minute)},   // dave's login was never seen: old
				"SEPHD1": {User: "alice", Time: sweepNow.Add(-45 * time.Minute)}, // older than minLoginAge
			}
			sw := Sweep{Name: "night", Devices: "SEPHD*", MinLoginAge: 30 * time.Minute}
			r := NewSweepRunner([]Sweep{sw}, conn, []SweepCluster{{"EU", eu}}, newMemSweeps(), logins, Credentials{AppID: "bcsched", AppCertificate: "x"}, SweepOptions{Now: func() time.Time { return sweepNow }, Workers: 2})
			conn.SetSweeps(r)
			res := conn.Serve(context.Background(), Credentials{AppID: "op", AppCertificate: "y"}, Request{Op: OpRunSweep, Name: "night", DryRun: tt.dry})
			if res.Code != tt.wantCode {
				t.Fatalf("code %d %q, want %d", res.Code, res.Text, tt.wantCode)
			}
			got := map[string]string{}
			for _, f := range res.Fields {
				got[f.Name] = f.Value
			}
			for k, v := range tt.wantFields {
				if got[k] != v {
					t.Errorf("%s = %q, want %q (answer %v)", k, got[k], v, res.Fields)
				}
			}
			for d, u := range tt.wantLeft {
				if eu.devices[d] != u {
					t.Errorf("%s: %q logged in, want %q", d, eu.devices[d], u)
				}
			}
			for _, e := range events {
				if e.Op != OpLogout || e.Actor != "sweep:night" || e.AppID != "op" || e.Cluster != "EU" {
					t.Errorf("event %+v", e)
				}
			}
			if tt.dry && len(events) != 0 {
				t.Errorf("dry run emitted %d events", len(events))
			}
		})
	}
}

func maps(dst, src map[string]error) {
	for k, v := range src {
		dst[k] = v
	}
}

func TestRunSweepRefusals(t *testing.T) {
	eu := newMem("EU")
	conn, _ := NewConnector([]Cluster{eu}, Options{})
	cred := Credentials{AppID: "op", AppCertificate: "y"}
	tests := []struct {
		name  string
		setup func()
		req   Request
		want  int
	}{
		{"schedules not configured", func() {}, Request{Op: OpRunSweep, Name: "night"}, CodeSchedulesOff},
		{"empty name", nil, Request{Op: OpRunSweep}, CodeSweepNotFound},
		{"unknown name", nil, Request{Op: OpRunSweep, Name: "day"}, CodeSweepNotFound},
		{"invalid name", nil, Request{Op: OpRunSweep, Name: "a/b\xff"}, CodeInvalidFormat},
		{"huge name", nil, Request{Op: OpRunSweep, Name: strings.Repeat("n", 65)}, CodeInvalidFormat},
		{"held elsewhere", nil, Request{Op: OpRunSweep, Name: "busy"}, CodeSweepRunning},
	}
	store := newMemSweeps()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.setup == nil {
				store.busy = tt.req.Name == "busy"
				conn.SetSweeps(NewSweepRunner([]Sweep{{Name: "night", Devices: "*"}, {Name: "busy", Devices: "*"}}, conn, []SweepCluster{{"EU", eu}}, store, nil, cred, SweepOptions{}))
			}
			res := conn.Serve(context.Background(), cred, tt.req)
			if res.Code != tt.want || strings.ContainsRune(res.Text, '\xff') || res.Class() != classOf(tt.want) {
				t.Errorf("code %d %q (%s), want %d", res.Code, res.Text, res.Class(), tt.want)
			}
		})
	}
}

func classOf(code int) Class {
	if code == CodeInvalidFormat {
		return ClassInvalid
	}
	return ClassRejected
}

func TestSweepReportFailures(t *testing.T) {
	r := SweepReport{Failures: map[int]int{26: 2, 3: 1, 1002: 4}}
	if got := r.FailureText(); got != "3:1,26:2,1002:4" {
		t.Errorf("FailureText = %q", got)
	}
	if got := ParseFailures(r.FailureText()); !reflect.DeepEqual(got, r.Failures) {
		t.Errorf("ParseFailures = %v", got)
	}
	if got := ParseFailures("x,1:,:2,5:1"); !reflect.DeepEqual(got, map[int]int{5: 1}) {
		t.Errorf("malformed: %v", got)
	}
}
