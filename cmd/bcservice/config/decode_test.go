package config

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const oneCluster = "clusters:\n  - code: EU\n    nodes: [\"http://h/x\"]\n"

// TestProblemsByKey: every problem names its key and line, type errors
// included, and says what is wrong in the user's terms.
func TestProblemsByKey(t *testing.T) {
	tests := []struct {
		name    string
		yaml    string
		key     string
		line    int
		msg     string
		notMsg  string // the text must not say this
		nothing bool   // the file is valid
	}{
		{name: "port out of range", yaml: "listen: \"127.0.0.1:99999\"\n" + oneCluster, key: "listen", line: 1, msg: "port 99999 is out of range"},
		{name: "port not a port", yaml: "listen: \"127.0.0.1:nope\"\n" + oneCluster, key: "listen", line: 1, msg: "is not a port"},
		{name: "any free port", yaml: "listen: \"127.0.0.1:0\"\n" + oneCluster, nothing: true},
		{name: "zero limit is not the default", yaml: oneCluster + "    maxConcurrentRequests: 0\n", key: "clusters[0].maxConcurrentRequests", line: 4, msg: "0 must be 1..100"},
		{name: "bare number duration", yaml: "requestTimeout: 10\n" + oneCluster, key: "requestTimeout", line: 1, msg: "10 has no unit: write e.g. 10s or 10ms"},
		{name: "bare float duration", yaml: oneCluster + "    timeout: 1.5\n", key: "clusters[0].timeout", line: 4, msg: "has no unit"},
		{name: "no duration at all", yaml: "health: {cacheFor: soon}\n" + oneCluster, key: "health.cacheFor", line: 1, msg: `"soon" is not a duration`},
		{name: "microseconds have a unit", yaml: oneCluster + "    timeout: 100us\n", key: "clusters[0].timeout", line: 4, msg: "100µs is below the minimum of 1ms", notMsg: "unit"},
		{name: "explicit zero duration", yaml: oneCluster + "    breakerCooldown: 0s\n", key: "clusters[0].breakerCooldown", line: 4, msg: "must be positive"},
		{name: "word for a number", yaml: "maxBodyBytes: lots\n" + oneCluster, key: "maxBodyBytes", line: 1, msg: `"lots" is not a whole number`},
		{name: "scalar for a list", yaml: "clusters:\n  - code: EU\n    nodes: http://h/x\n", key: "clusters[0].nodes", line: 3, msg: "is not a list of strings"},
		{name: "scalar for a section", yaml: "server: 5\n" + oneCluster, key: "server", line: 1, msg: "5 is not a mapping"},
		{name: "mapping for the cluster list", yaml: "clusters: {code: EU}\n", key: "clusters", line: 1, msg: "a mapping is not a list"},
		{name: "list for a flag", yaml: oneCluster + "    insecureSkipVerify: [yes]\n", key: "clusters[0].insecureSkipVerify", line: 4, msg: "a list is not true or false"},
		{name: "bad list entry has its own line", yaml: "clusters:\n  - code: EU\n    nodes:\n      - http://h/x\n      - ftp://h/x\n", key: "clusters[0].nodes[1]", line: 5, msg: "scheme must be http or https"},
		{name: "empty value is absent", yaml: "requestTimeout:\n" + oneCluster, nothing: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(writeYAML(t, tt.yaml), Overrides{})
			if tt.nothing {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			p := findProblem(t, err, tt.key)
			if p.Line != tt.line || !strings.Contains(p.Msg, tt.msg) || (tt.notMsg != "" && strings.Contains(p.Msg, tt.notMsg)) {
				t.Errorf("problem %q, want line %d and %q (and not %q)", p, tt.line, tt.msg, tt.notMsg)
			}
			if !strings.Contains(err.Error(), p.String()) {
				t.Errorf("error %q does not show %q", err, p)
			}
		})
	}
}

// TestEveryProblemInOneRun: a type error does not hide the other problems.
func TestEveryProblemInOneRun(t *testing.T) {
	yaml := `listen: "127.0.0.1:99999"
requestTimeout: 10
maxBodyBytes: lots
clusters:
  - code: "E U"
    nodes: ["ftp://x"]
    maxConcurrentRequests: 0
    timeout: 100us
`
	_, err := Load(writeYAML(t, yaml), Overrides{})
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("error %v, want Problems", err)
	}
	want := []string{"listen", "requestTimeout", "maxBodyBytes", "clusters[0].code", "clusters[0].nodes[0]", "clusters[0].maxConcurrentRequests", "clusters[0].timeout"}
	var got []string
	for _, p := range ps {
		got = append(got, p.Key)
	}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("problems for %v, want %v (in file order)", got, want)
	}
	if !strings.Contains(err.Error(), "bc.yaml: 7 problems:\n  listen (line 1): ") {
		t.Errorf("error text %q", err)
	}
}

// TestOverrides: a value from the command line or environment replaces the
// file's, and a problem with it points at no line of the file.
func TestOverrides(t *testing.T) {
	path := writeYAML(t, "listen: 127.0.0.1:1\nlog: {level: debug}\n"+oneCluster)
	cfg, err := Load(path, Overrides{Listen: "127.0.0.1:2", LogFormat: "text"})
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Listen != "127.0.0.1:2" || cfg.Log.Level != "debug" || cfg.Log.Format != "text" {
		t.Errorf("listen %s, log %+v", cfg.Listen, cfg.Log)
	}
	_, err = Load(path, Overrides{Listen: "nowhere"})
	if p := findProblem(t, err, "listen"); p.Line != 0 {
		t.Errorf("problem %q points at the file's line %d", p, p.Line)
	}
}

// TestAbsentOrZero: an absent key takes its default, a present zero stays
// zero (maxQueue 0: nobody waits for a slot).
func TestAbsentOrZero(t *testing.T) {
	tests := []struct {
		name      string
		yaml      string
		wantQueue int
	}{
		{"absent", oneCluster, DefaultMaxQueue},
		{"zero", oneCluster + "    maxQueue: 0\n", 0},
		{"set", oneCluster + "    maxQueue: 7\n", 7},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Load(writeYAML(t, tt.yaml), Overrides{})
			if err != nil {
				t.Fatal(err)
			}
			if got := cfg.Clusters[0].MaxQueue; got != tt.wantQueue {
				t.Errorf("maxQueue = %d, want %d", got, tt.wantQueue)
			}
			if cfg.Clusters[0].Timeout != 5*time.Second {
				t.Errorf("timeout = %s, want the default 5s", cfg.Clusters[0].Timeout)
			}
		})
	}
}

func TestNotAConfiguration(t *testing.T) {
	tests := []struct{ name, yaml, want string }{
		{"empty", "", "empty configuration"},
		{"comment only", "# nothing\n", "empty configuration"},
		{"not YAML", "clusters: [\n", "yaml:"},
		{"a list", "- a\n- b\n", "configuration (line 1): a list is not a mapping"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(writeYAML(t, tt.yaml), Overrides{})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want %q", err, tt.want)
			}
		})
	}
}

func writeYAML(t *testing.T, yaml string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "bc.yaml")
	if err := os.WriteFile(p, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// findProblem is err's problem for key.
func findProblem(t *testing.T, err error, key string) Problem {
	t.Helper()
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("error %v, want Problems", err)
	}
	for _, p := range ps {
		if p.Key == key {
			return p
		}
	}
	t.Fatalf("problems %v, none for %s", err, key)
	return Problem{}
}
