package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

func TestDashboardKeys(t *testing.T) {
	hash, err := bcrypt.GenerateFromPassword([]byte("pw"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	secret := filepath.Join(dir, "dash.secret")
	if err := os.WriteFile(secret, []byte("topsecret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("BC_TEST_DASH_CERT", "topsecret")
	base := "clusters: [{code: EU, nodes: [\"http://127.0.0.1:1/x\"]}]\nhistory: {dsn: \"sqlite:/h.db\"}\n"
	user := func(name, role, h string) string {
		return "{name: " + name + ", role: " + role + ", passwordHash: \"" + h + "\"}"
	}
	admin := user("admin", "operator", string(hash))
	good := "emAppID: bcdash, emAppCertificateFile: " + secret
	tests := []struct {
		name, yaml       string
		wantKey, wantMsg string // "" = valid
	}{
		{"absent: off", "", "", ""},
		{"valid", "dashboard: {users: [" + admin + "], " + good + "}", "", ""},
		{"env certificate", "dashboard: {users: [" + admin + "], emAppID: x, emAppCertificateEnv: BC_TEST_DASH_CERT}", "", ""},
		{"no users", "dashboard: {" + good + "}", "dashboard.users", "at least one"},
		{"bad role", "dashboard: {users: [" + user("a", "root", string(hash)) + "], " + good + "}", "dashboard.users[0].role", "viewer or operator"},
		{"bad hash", "dashboard: {users: [" + user("a", "viewer", "$2a$nope") + "], " + good + "}", "dashboard.users[0].passwordHash", "not a bcrypt hash"},
		{"bad name", "dashboard: {users: [" + user("\"a:b\"", "viewer", string(hash)) + "], " + good + "}", "dashboard.users[0].name", "must be"},
		{"duplicate name", "dashboard: {users: [" + admin + ", " + admin + "], " + good + "}", "dashboard.users[1].name", "duplicate"},
		{"bad listen", "dashboard: {listen: \"x\", users: [" + admin + "], " + good + "}", "dashboard.listen", ""},
		{"no app", "dashboard: {users: [" + admin + "], emAppCertificateFile: " + secret + "}", "dashboard.emAppID", "required"},
		{"two sources", "dashboard: {users: [" + admin + "], " + good + ", emAppCertificateEnv: X}", "dashboard.emAppCertificateFile", "exactly one"},
		{"unset env", "dashboard: {users: [" + admin + "], emAppID: x, emAppCertificateEnv: BC_TEST_UNSET_XYZ}", "dashboard.emAppCertificateEnv", "not set"},
		{"idle 0", "dashboard: {sessionIdle: 0s, users: [" + admin + "], " + good + "}", "dashboard.sessionIdle", "positive"},
		{"refresh too often", "dashboard: {statusRefresh: 1s, users: [" + admin + "], " + good + "}", "dashboard.statusRefresh", "2s..1h0m0s"},
		{"refresh in fractions", "dashboard: {statusRefresh: 2500ms, users: [" + admin + "], " + good + "}", "dashboard.statusRefresh", "whole seconds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, "c.yaml")
			if err := os.WriteFile(path, []byte(tt.yaml+"\n"+base), 0o600); err != nil {
				t.Fatal(err)
			}
			cfg, err := Load(path, Overrides{})
			if tt.wantKey != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantKey+" (line 1): ") && !strings.Contains(err.Error(), tt.wantKey+": ") || !strings.Contains(err.Error(), tt.wantMsg) {
					t.Fatalf("got %v, want %s (line 1): …%s", err, tt.wantKey, tt.wantMsg)
				}
				if strings.Contains(err.Error(), "topsecret") || strings.Contains(err.Error(), string(hash)) {
					t.Errorf("error leaks a secret: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.DashboardEnabled() != (tt.yaml != "") {
				t.Fatalf("enabled = %v", cfg.DashboardEnabled())
			}
			if tt.yaml == "" {
				return
			}
			d := cfg.Dashboard
			if d.Listen != DefaultDashboardListen || d.SessionIdle != 30*time.Minute || d.SessionAbsolute != 12*time.Hour || d.StatusRefresh != 30*time.Second {
				t.Errorf("defaults: %+v", d)
			}
			if c, err := d.AppCertificate(); err != nil || c != "topsecret" {
				t.Errorf("certificate: %v", err)
			}
		})
	}
}

func TestDashboardNeedsHistory(t *testing.T) {
	cfg, err := Parse([]byte("clusters: [{code: EU, nodes: [\"http://127.0.0.1:1/x\"]}]\ndashboard: {listen: \"127.0.0.1:0\"}\n"))
	if err == nil {
		err = cfg.Validate()
	}
	if err == nil || !strings.Contains(err.Error(), "history.dsn") {
		t.Fatalf("got %v, want the history required", err)
	}
}
