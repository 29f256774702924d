package config

import (
	"errors"
	"strings"
	"testing"
)

// TestUnknownKeys: a key that names no setting is a problem of its section
// at the key's line, with the nearest known key as a suggestion, at every
// level: the top, a nested section, an item of a list of sections.
func TestUnknownKeys(t *testing.T) {
	dashboard := "history: {dsn: \"sqlite:/tmp/h.db\"}\ndashboard:\n  emAppID: a\n  emAppCertificateEnv: X\n  users:\n    - name: ann\n      rol: viewer\n"
	tests := []struct {
		name    string
		yaml    string
		section string
		line    int
		msg     string
	}{
		{"top level", "listen: 127.0.0.1:0\nhistroy:\n  dsn: sqlite:/tmp/h.db\n" + oneCluster, "configuration", 2, `unknown key "histroy" (did you mean "history"?)`},
		{"only the case differs", "requesttimeout: 5s\n" + oneCluster, "configuration", 1, `unknown key "requesttimeout" (did you mean "requestTimeout"?)`},
		{"nested section", "server:\n  readTimeout: 5s\n  idleTimout: 5s\n" + oneCluster, "server", 3, `unknown key "idleTimout" (did you mean "idleTimeout"?)`},
		{"flow mapping", "history: {dns: \"sqlite:/tmp/h.db\"}\n" + oneCluster, "history", 1, `unknown key "dns" (did you mean "dsn"?)`},
		{"cluster in the list", oneCluster + "    timout: 5s\n", "clusters[0]", 4, `unknown key "timout" (did you mean "timeout"?)`},
		{"second cluster", oneCluster + "  - code: US\n    nodes: [\"http://h/y\"]\n    maxQueu: 3\n", "clusters[1]", 6, `(did you mean "maxQueue"?)`},
		{"dashboard user", dashboard + oneCluster, "dashboard.users[0]", 7, `unknown key "rol" (did you mean "role"?)`},
		{"nothing near", "colour: blue\n" + oneCluster, "configuration", 1, `unknown key "colour" (known keys: listen, requestTimeout, maxBodyBytes, server,`},
		{"an empty value is still a key", "tsl:\n" + oneCluster, "configuration", 1, `unknown key "tsl" (did you mean "tls"?)`},
		{"merge key", "base: &b {cacheFor: 5s}\nhealth:\n  <<: *b\n" + oneCluster, "health", 3, "merge keys (<<) are not supported"},
		{"a list as a key", "? [a, b]\n: c\n" + oneCluster, "configuration", 1, "a list is not a key"},
		{"a key given twice", "listen: 127.0.0.1:1\nlisten: 127.0.0.1:2\n" + oneCluster, "listen", 2, "given twice (first on line 1)"},
		{"a nested key given twice", "health: {cacheFor: 5s, cacheFor: 6s}\n" + oneCluster, "health.cacheFor", 1, "given twice"},
		{"control characters are not echoed", "\"his\\x1btroy\": 1\n" + oneCluster, "configuration", 1, "unknown key \"his\uFFFDtroy\""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(writeYAML(t, tt.yaml), Overrides{})
			p := findProblem(t, err, tt.section)
			if p.Line != tt.line || !strings.Contains(p.Msg, tt.msg) {
				t.Errorf("problem %q, want line %d and %q", p, tt.line, tt.msg)
			}
			if !strings.Contains(err.Error(), p.String()) {
				t.Errorf("error %q does not show %q", err, p)
			}
		})
	}
}

// TestUnknownKeysAmongOtherProblems: every unknown key is reported in the
// same run as the bad values, in file order, and a misspelt section does not
// hide the problems of the sections after it.
func TestUnknownKeysAmongOtherProblems(t *testing.T) {
	yaml := `listen: "127.0.0.1:99999"
histroy:
  dsn: sqlite:/tmp/h.db
server:
  readTimout: 5s
clusters:
  - code: EU
    nodes: ["ftp://x"]
    breakerFailurs: 3
`
	_, err := Load(writeYAML(t, yaml), Overrides{})
	var ps Problems
	if !errors.As(err, &ps) {
		t.Fatalf("error %v, want Problems", err)
	}
	want := []string{
		`listen (line 1): "127.0.0.1:99999": port 99999 is out of range (0..65535)`,
		`configuration (line 2): unknown key "histroy" (did you mean "history"?)`,
		`server (line 5): unknown key "readTimout" (did you mean "readTimeout"?)`,
		`clusters[0].nodes[0] (line 8): "ftp://x": scheme must be http or https`,
		`clusters[0] (line 9): unknown key "breakerFailurs" (did you mean "breakerFailures"?)`,
	}
	var got []string
	for _, p := range ps {
		got = append(got, p.String())
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("problems:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

// TestEveryKeyIsKnown: a file that sets every key of every section passes
// the key check (no field is missing its yaml tag or misses the check).
func TestEveryKeyIsKnown(t *testing.T) {
	cfg, err := Parse([]byte(`listen: 127.0.0.1:0
requestTimeout: 5s
maxBodyBytes: 1000
server: {readHeaderTimeout: 1s, readTimeout: 1s, writeTimeout: 9s, idleTimeout: 1s, maxHeaderBytes: 1000, shutdownTimeout: 1s, drainDelay: 0s, hstsMaxAge: 0s}
log: {level: info, format: json}
tls: {certFile: "", keyFile: "", clientCAFile: "", clientAuth: none}
access: {allow: [], deny: [], trustedProxies: []}
health: {cacheFor: 1s, dialTimeout: 1s}
deviceCache: {ttl: 1m, size: 10}
history: {dsn: "sqlite:/tmp/h.db", retention: 2h, queueSize: 10, flushTimeout: 1s}
coordination: local
dashboard:
  listen: 127.0.0.1:0
  users: [{name: ann, role: viewer, passwordHash: x}]
  emAppID: a
  emAppCertificateFile: ""
  emAppCertificateEnv: X
  sessionIdle: 1m
  sessionAbsolute: 1h
  banner: hi
clusters:
  - {code: EU, name: Europe, default: true, nodes: ["http://h/x"], axl: ["http://h/axl/"], timeout: 1s,
     maxConcurrentRequests: 5, maxQueue: 0, caFile: "", insecureSkipVerify: false, breakerFailures: 3,
     breakerCooldown: 1s, busyRetryBase: 1s, busyRetryMax: 2s, clearCallHistory: never, axlUser: "",
     axlPasswordFile: "", axlPasswordEnv: ""}
`))
	if cfg == nil || err != nil {
		t.Fatalf("Parse: %v", err)
	}
}
