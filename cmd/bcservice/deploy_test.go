package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/emconnector/emconnector/service/testpki"
)

// Docker cannot run in the test environment, so the Dockerfiles' essentials
// are checked as text: two stages, a static (CGO_ENABLED=0) build, a final
// USER that is not root, an EXPOSE.
func TestDockerfiles(t *testing.T) {
	for _, path := range []string{filepath.Join("deploy", "Dockerfile"), filepath.Join("..", "cucmsim", "deploy", "Dockerfile")} {
		t.Run(path, func(t *testing.T) {
			data, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			var froms, users []string
			var exposes int
			cgoOff := false
			for _, line := range strings.Split(string(data), "\n") {
				f := strings.Fields(line)
				if len(f) < 2 || strings.HasPrefix(f[0], "#") {
					continue
				}
				switch strings.ToUpper(f[0]) {
				case "FROM":
					froms = append(froms, line)
				case "USER":
					users = append(users, f[1])
				case "EXPOSE":
					exposes++
				case "RUN":
					if strings.Contains(line, "CGO_ENABLED=0") && strings.Contains(line, "go build") {
						cgoOff = true
						if !strings.Contains(line, "-buildvcs=true") {
							t.Errorf("go build without -buildvcs=true: the image would report build dev")
						}
					}
				}
			}
			if len(froms) < 2 || !strings.Contains(froms[0], " AS ") {
				t.Errorf("not a multi-stage build: %q", froms)
			}
			if last := froms[len(froms)-1]; !regexp.MustCompile(`distroless/static|scratch`).MatchString(last) {
				t.Errorf("final stage %q is not distroless static or scratch", last)
			}
			if len(users) == 0 {
				t.Fatal("no USER: the image would run as root")
			}
			if u := strings.Split(users[len(users)-1], ":")[0]; u == "root" || u == "0" {
				t.Errorf("final USER %q is root", users[len(users)-1])
			}
			if !cgoOff {
				t.Error("no RUN with CGO_ENABLED=0 go build")
			}
			if exposes == 0 {
				t.Error("no EXPOSE")
			}
		})
	}
}

func TestSystemdUnitHardening(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("deploy", "bcservice.service"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"DynamicUser=yes", "NoNewPrivileges=yes", "ProtectSystem=strict", "ProtectHome=yes",
		"PrivateTmp=yes", "CapabilityBoundingSet=\n", "ExecStart=/usr/local/bin/bcservice serve --config /etc/bcservice/config.yaml"} {
		if !strings.Contains(string(data), want) {
			t.Errorf("unit lacks %q", strings.TrimSpace(want))
		}
	}
}

// The production config names TLS files under /etc/bcservice/tls; the tests
// point those at generated files, then run check-config on it.
func TestProductionConfigPassesCheckConfig(t *testing.T) {
	checkConfig(t, productionConfig(t, false))
}

// The production config's commented optional sections (history, reports,
// schedules) pass check-config once uncommented: the example an operator
// copies is checked too.
func TestProductionConfigOptionalSections(t *testing.T) {
	text := productionConfig(t, true)
	for _, want := range []string{"\nhistory:", "\nreports:", "\nschedules:", "\n  sweeps:"} {
		if !strings.Contains(text, want) {
			t.Errorf("%q was not uncommented", want)
		}
	}
	checkConfig(t, text)
}

// productionConfig is deploy/production.yaml with /etc/bcservice/ and
// /var/lib/bcservice/ pointing at a temporary directory holding generated TLS
// files and a secret; optional uncomments the history, reports and
// schedules sections.
func productionConfig(t *testing.T, optional bool) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("deploy", "production.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	tlsDir := filepath.Join(dir, "tls")
	if err := os.Mkdir(tlsDir, 0o700); err != nil {
		t.Fatal(err)
	}
	ca := testpki.NewCA(t, "CA")
	cert, key := ca.Issue(t, "bcservice")
	writeFile(t, tlsDir, "server.pem", cert)
	writeFile(t, tlsDir, "server.key", key)
	for _, name := range []string{"clients-ca.pem", "cucm-eu-ca.pem", "cucm-us-ca.pem"} {
		writeFile(t, tlsDir, name, ca.PEM)
	}
	writeFile(t, dir, "sched.secret", []byte("s3cret\n"))
	text := string(data)
	if optional {
		text = uncommentSections(text, "history:", "reports:", "schedules:")
	}
	return strings.NewReplacer("/etc/bcservice/", dir+"/", "/var/lib/bcservice/", dir+"/").Replace(text)
}

// checkConfig runs `bcservice check-config` on text.
func checkConfig(t *testing.T, text string) {
	t.Helper()
	cfg := writeFile(t, t.TempDir(), "config.yaml", []byte(text))
	var stdout, stderr bytes.Buffer
	if err := newApp(&stdout, &stderr).Run([]string{"bcservice", "check-config", cfg}); err != nil {
		t.Fatalf("check-config: %v\n%s", err, stderr.String())
	}
	if strings.TrimSpace(stdout.String()) != "config OK" {
		t.Errorf("stdout %q", stdout.String())
	}
}

// uncommentSections removes "# " from each commented top-level section that
// starts with one of heads, and from its indented lines.
func uncommentSections(text string, heads ...string) string {
	lines := strings.Split(text, "\n")
	in := false
	for i, line := range lines {
		body, commented := strings.CutPrefix(line, "# ")
		switch {
		case commented && !strings.HasPrefix(body, " ") && slices.Contains(heads, strings.TrimSpace(body)):
			in = true
			lines[i] = body
		case in && commented && strings.HasPrefix(body, " "):
			lines[i] = body
		default:
			in = false
		}
	}
	return strings.Join(lines, "\n")
}
