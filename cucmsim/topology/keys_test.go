package topology

import (
	"errors"
	"strings"
	"testing"
)

// TestUnknownKeys: a key that names nothing of its section is a problem at the key's line,
// with the nearest known key as a suggestion, in every section and list item; keys that are
// data (errorTexts' codes, latency's operations) keep their own checks.
func TestUnknownKeys(t *testing.T) {
	tests := []struct {
		name     string
		old, new string // replaced in validBase
		extra    string // appended
		line     int
		want     string
	}{
		{name: "top level", extra: "clustrs: []\n", line: 15, want: `unknown key "clustrs" (did you mean "clusters"?)`},
		{name: "top level, nothing near", extra: "version: 2\n", line: 15, want: `unknown key "version" (known keys: clusters)`},
		{name: "cluster", old: "    name: Europe\n", new: "    nmae: Europe\n", line: 3, want: `unknown key "nmae" (did you mean "name"?)`},
		{name: "node in a list", old: `listen: "127.0.0.1:18081"`, new: `listen: "127.0.0.1:18081", prot: 1`, line: 5, want: `unknown key "prot" (known keys: name, listen)`},
		{name: "policy", old: "maxConcurrentRequests: 3", new: "maxConcurrentRequest: 3", line: 6, want: `unknown key "maxConcurrentRequest" (did you mean "maxConcurrentRequests"?)`},
		{name: "app user", old: "emProxyRights: true}", new: "emProxyRights: true, axlacess: true}", line: 7, want: `unknown key "axlacess" (did you mean "axlAccess"?)`},
		{name: "profile", old: "[{name: UDP-A}", new: "[{name: UDP-A, nmae: x}", line: 8, want: `unknown key "nmae" (did you mean "name"?)`},
		{name: "user", old: `{id: A, pin: "1234"`, new: `{id: A, pni: "1234"`, line: 10, want: `unknown key "pni" (did you mean "pin"?)`},
		{name: "device", old: "emEnabled: false", new: "emEnabeld: false", line: 13, want: `unknown key "emEnabeld" (did you mean "emEnabled"?)`},
		{name: "only the case differs", old: "callHistory: 7", new: "callhistory: 7", line: 13, want: `unknown key "callhistory" (did you mean "callHistory"?)`},
		{name: "later document", extra: "---\ncluster: EU\ndevics: [SEP9]\n", line: 17, want: `unknown key "devics" (did you mean "devices"?)`},
		{name: "later document in gen's plain form", extra: "---\ncluster: EU\ndevics:\n  - SEP9\n", line: 17, want: `unknown key "devics" (did you mean "devices"?)`},
		{name: "merge key", extra: "  - code: US\n    <<: {name: x}\n", line: 16, want: "merge keys (<<) are not supported"},
		{name: "a list as a key", extra: "  - code: US\n    ? [a]\n    : x\n", line: 16, want: "a key must be a name"},
		{name: "a long key is cut", extra: "x" + strings.Repeat("y", 200) + ": 1\n", line: 15, want: `unknown key "x` + strings.Repeat("y", 63) + `…"`},
		{name: "latency keeps its own check", old: "maxConcurrentRequests: 3", new: "latency: {logn: 1s}", line: 6, want: `latency: unknown operation "logn"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(validBase, tt.old) {
				t.Fatalf("test bug: %q not in base", tt.old)
			}
			src := strings.Replace(validBase, tt.old, tt.new, 1) + tt.extra
			_, err := Parse("t.yaml", []byte(src))
			for _, e := range unjoin(err) {
				var te *Error
				if errors.As(e, &te) && te.Line == tt.line && strings.Contains(te.Problem, tt.want) {
					return
				}
			}
			t.Errorf("got %v, want t.yaml:%d: …%s", err, tt.line, tt.want)
		})
	}
}

// TestUnknownKeysAllInOneRun: every unknown key is listed with the other problems, in file
// order, and a misspelt key does not hide the rest of its section.
func TestUnknownKeysAllInOneRun(t *testing.T) {
	src := strings.Replace(validBase, "    name: Europe\n", "    nme: Europe\n", 1)
	src = strings.Replace(src, "emEnabled: false", "emEnabled: maybe, modle: x", 1)
	_, err := Parse("t.yaml", []byte(src))
	want := "t.yaml:3: unknown key \"nme\" (did you mean \"name\"?)\n" +
		"t.yaml:13: emEnabled: expected true or false\n" +
		"t.yaml:13: unknown key \"modle\" (did you mean \"model\"?)"
	if err == nil || err.Error() != want {
		t.Errorf("got\n%v\nwant\n%s", err, want)
	}
}

// TestEveryKeyIsKnown: a topology that sets every key of every section is accepted, so the
// key lists and the decoders agree.
func TestEveryKeyIsKnown(t *testing.T) {
	src := `clusters:
  - code: EU
    name: Europe
    nodes: [{name: n, listen: "127.0.0.1:0"}]
    policy:
      multipleLogin: allowed
      maxConcurrentRequests: 5
      maxLoginMinutes: 0
      sameUserRelogin: error
      trustedIPs: []
      allowProxy: true
      emcc: true
      wording: devnet
      errorTexts: {18: busy}
      latency: {login: 1ms, jitter: 0s}
    appUsers: [{id: app, password: p, emProxyRights: true, mustChangePassword: false, axlAccess: true}]
    users: [{id: U, pin: "1", password: "", profiles: [P], locked: false, emcc: true}]
    profiles: [{name: P}]
    devices: [{name: D, model: m, emEnabled: true, emccCapable: true, callHistory: 0}]
---
cluster: EU
profiles: [{name: P2}]
users: [{id: U2, pin: "1", profiles: [P2]}]
devices: [{name: D2}]
`
	if _, err := Parse("t.yaml", []byte(src)); err != nil {
		t.Fatal(err)
	}
}
