package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSchedulesKeys(t *testing.T) {
	dir := t.TempDir()
	secret := filepath.Join(dir, "sched.secret")
	if err := os.WriteFile(secret, []byte("topsecret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	base := "clusters: [{code: EU, nodes: [\"http://127.0.0.1:1/x\"]}, {code: US, nodes: [\"http://127.0.0.1:2/x\"]}]\nhistory: {dsn: \"sqlite:/h.db\"}\n"
	app := "emAppID: bcsched, emAppCertificateFile: " + secret
	sweep := func(fields string) string {
		return "schedules: {" + app + ", sweeps: [{name: night, at: \"23:00\", devices: \"SEPHD*\"" + fields + "}]}"
	}
	tests := []struct {
		name, yaml       string
		wantKey, wantMsg string // "" = valid
	}{
		{"absent: off", "", "", ""},
		{"bookings only", "schedules: {" + app + "}", "", ""},
		{"full sweep", sweep(", days: [mon, FRI], timezone: Europe/Amsterdam, clusters: [EU], clearCallHistory: true, minLoginAge: 30m"), "", ""},
		{"no app", "schedules: {emAppCertificateFile: " + secret + "}", "schedules.emAppID", "required"},
		{"two sources", "schedules: {" + app + ", emAppCertificateEnv: X}", "schedules.emAppCertificateFile", "exactly one"},
		{"grace 0", "schedules: {" + app + ", startGrace: 0s}", "schedules.startGrace", "positive"},
		{"lease too short", "schedules: {" + app + ", sweepLease: 1s}", "schedules.sweepLease", "must be 3s..10m0s"},
		{"lease too long", "schedules: {" + app + ", sweepLease: 11m}", "schedules.sweepLease", "must be 3s..10m0s"},
		{"at twice", sweep(", at: \"22:00\""), "schedules.sweeps[0].at", "given twice"},
		{"bad time", "schedules: {" + app + ", sweeps: [{name: n, at: \"25:00\", devices: \"*\"}]}", "schedules.sweeps[0].at", "HH:MM"},
		{"bad at", "schedules: {" + app + ", sweeps: [{name: n, at: \"7:00\", devices: \"*\"}]}", "schedules.sweeps[0].at", "HH:MM"},
		{"bad day", sweep(", days: [mon, funday]"), "schedules.sweeps[0].days", "not a day"},
		{"day twice", sweep(", days: [mon, Mon]"), "schedules.sweeps[0].days", "twice"},
		{"bad zone", sweep(", timezone: Mars/Olympus"), "schedules.sweeps[0].timezone", "IANA"},
		{"unknown cluster", sweep(", clusters: [EU, XX]"), "schedules.sweeps[0].clusters[1]", "not a configured cluster"},
		{"no devices", "schedules: {" + app + ", sweeps: [{name: n, at: \"07:00\"}]}", "schedules.sweeps[0].devices", "required"},
		{"bad glob", "schedules: {" + app + ", sweeps: [{name: n, at: \"07:00\", devices: \"SEP[\"}]}", "schedules.sweeps[0].devices", "not a valid pattern"},
		{"negative age", sweep(", minLoginAge: -1m"), "schedules.sweeps[0].minLoginAge", "negative"},
		{"bad page size", "schedules: {" + app + ", listPageSize: -1}", "schedules.listPageSize", "must be"},
		{"huge batch", "schedules: {" + app + ", queryBatch: 5000}", "schedules.queryBatch", "must be"},
		{"bad name", "schedules: {" + app + ", sweeps: [{name: \"a b\", at: \"07:00\", devices: \"*\"}]}", "schedules.sweeps[0].name", "must be"},
		{"duplicate name", "schedules: {" + app + ", sweeps: [{name: n, at: \"07:00\", devices: \"*\"}, {name: n, at: \"08:00\", devices: \"*\"}]}", "schedules.sweeps[1].name", "duplicate"},
		{"unknown key", sweep(", minLoginAg: 1m"), "schedules.sweeps[0]", "did you mean \"minLoginAge\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, "c.yaml")
			if err := os.WriteFile(path, []byte(tt.yaml+"\n"+base), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg, err := Load(path, Overrides{})
			if tt.wantMsg != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantKey) || !strings.Contains(err.Error(), tt.wantMsg) {
					t.Fatalf("got %v, want %s …%s", err, tt.wantKey, tt.wantMsg)
				}
				if strings.Contains(err.Error(), "topsecret") {
					t.Errorf("error leaks a secret: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.SchedulesEnabled() != (tt.yaml != "") {
				t.Fatalf("enabled = %v", cfg.SchedulesEnabled())
			}
			if tt.yaml == "" {
				return
			}
			s := cfg.Schedules
			if s.SweepLease != DefaultSweepLease {
				t.Errorf("sweepLease default: %v", s.SweepLease)
			}
			if s.StartGrace != DefaultStartGrace {
				t.Errorf("startGrace default: %v", s.StartGrace)
			}
			if c, err := s.AppCertificate(); err != nil || c != "topsecret" {
				t.Errorf("certificate: %v", err)
			}
		})
	}
}

func TestSweepTimes(t *testing.T) {
	sw := SweepConfig{At: "23:05", Days: []string{"sat", "SUN"}, Timezone: "Europe/Amsterdam"}
	h, m, sec, err := sw.Clock()
	if err != nil || h != 23 || m != 5 || sec != 0 {
		t.Errorf("Clock = %d:%d:%d %v", h, m, sec, err)
	}
	if h, m, sec, err := (SweepConfig{At: "07:30:15"}).Clock(); err != nil || h != 7 || m != 30 || sec != 15 {
		t.Errorf("Clock with seconds = %d:%d:%d %v", h, m, sec, err)
	}
	if _, _, _, err := (SweepConfig{At: "07:30:1"}).Clock(); err == nil {
		t.Error("07:30:1 accepted")
	}
	days, err := sw.Weekdays()
	if err != nil || len(days) != 2 || days[0] != time.Saturday || days[1] != time.Sunday {
		t.Errorf("Weekdays = %v %v", days, err)
	}
	if all, _ := (SweepConfig{}).Weekdays(); len(all) != 7 {
		t.Errorf("no days = %v, want every day", all)
	}
	if loc, err := sw.Location(); err != nil || loc.String() != "Europe/Amsterdam" {
		t.Errorf("Location = %v %v", loc, err)
	}
	if loc, _ := (SweepConfig{}).Location(); loc != time.Local {
		t.Errorf("empty zone = %v, want the server's", loc)
	}
}

func TestSchedulesNeedHistory(t *testing.T) {
	cfg, err := Parse([]byte("clusters: [{code: EU, nodes: [\"http://127.0.0.1:1/x\"]}]\nschedules: {emAppID: x, emAppCertificateEnv: HOME}\n"))
	if err == nil {
		err = cfg.Validate()
	}
	if err == nil || !strings.Contains(err.Error(), "history.dsn") {
		t.Fatalf("got %v, want the history required", err)
	}
}
