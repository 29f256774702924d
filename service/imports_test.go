package service

import (
	"os/exec"
	"strings"
	"testing"
)

// TestDomainImportsNoInfrastructure keeps the domain free of files, YAML and TLS: those
// belong to cmd/bcservice/config and the adapters (README.md, "Design").
func TestDomainImportsNoInfrastructure(t *testing.T) {
	out, err := exec.Command("go", "list", "-f", `{{join .Imports " "}}`, ".").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, imp := range strings.Fields(string(out)) {
		switch imp {
		case "os", "crypto/tls", "crypto/x509", "gopkg.in/yaml.v3", "net/http":
			t.Errorf("package service imports %s", imp)
		}
	}
}
