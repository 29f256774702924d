package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
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

// The production config names TLS files under /etc/bcservice/tls; the test
// points those at generated files, then runs check-config on it.
func TestProductionConfigPassesCheckConfig(t *testing.T) {
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
	cfg := writeFile(t, dir, "config.yaml", bytes.ReplaceAll(data, []byte("/etc/bcservice/"), []byte(dir+"/")))
	var stdout, stderr bytes.Buffer
	if err := newApp(&stdout, &stderr).Run([]string{"bcservice", "check-config", cfg}); err != nil {
		t.Fatalf("check-config: %v\n%s", err, stderr.String())
	}
	if strings.TrimSpace(stdout.String()) != "config OK" {
		t.Errorf("stdout %q", stdout.String())
	}
}
