package service

import (
	"os/exec"
	"slices"
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

// allowedImports is every package under service/ and the packages of this module it may
// import: adapters meet through the domain's types, never by importing one another
// (README.md, "Design"). history is the request-history model its stores share; health is
// the readiness report the API and the dashboard both show; access (the IP lists and the
// X-Forwarded-For policy both listeners apply), lazy and websession are leaves
// that two adapters share rather than import each other; bookingsql is the
// bookings' SQL that the SQLite and PostgreSQL adapters share, as sqlstore
// is the history's. A new package, or a new edge,
// is added here on purpose.
var allowedImports = map[string][]string{
	"service":                           nil,
	"service/access":                    nil,
	"service/atomicfile":                nil,
	"service/bookingsql":                {"service"},
	"service/bookingsql/bookingtest":    {"service"},
	"service/didyoumean":                nil,
	"service/dashboard":                 {"service", "service/access", "service/health", "service/history", "service/history/report", "service/history/rollup", "service/websession"},
	"service/emclient":                  {"service"},
	"service/eventlog":                  {"service"},
	"service/fakecucm":                  nil,
	"service/health":                    nil,
	"service/history":                   {"service", "service/lazy"},
	"service/history/historytest":       {"service/history"},
	"service/history/report":            {"service", "service/history"},
	"service/history/report/reporttest": {"service/history", "service/history/report"},
	"service/history/rollup":            {"service", "service/history", "service/history/report"},
	"service/history/rollup/rolluptest": {"service/history", "service/history/report", "service/history/report/reporttest", "service/history/rollup"},
	"service/history/sqlstore":          {"service", "service/history"},
	"service/history/sweepstest":        {"service", "service/history"},
	"service/httpapi":                   {"service", "service/access", "service/health"},
	"service/lazy":                      nil,
	"service/metrics":                   {"service"},
	"service/postgres":                  {"service", "service/bookingsql", "service/history", "service/history/sqlstore", "service/lazy", "service/websession"},
	"service/postgres/pgserver":         nil,
	"service/postgres/pgtest":           {"service/postgres/pgserver", "service/skipreport"},
	"service/skipreport":                nil,
	"service/sqlite":                    {"service", "service/bookingsql", "service/history", "service/history/sqlstore", "service/lazy"},
	"service/testpki":                   nil,
	"service/websession":                nil,
	"service/websession/websessiontest": {"service/websession"},
}

// TestImportEdges enforces allowedImports for every package under service/ (its non-test
// imports).
func TestImportEdges(t *testing.T) {
	const module = "github.com/emconnector/emconnector/"
	out, err := exec.Command("go", "list", "-f", `{{.ImportPath}} {{join .Imports " "}}`, "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		fields := strings.Fields(line)
		pkg := strings.TrimPrefix(fields[0], module)
		allowed, known := allowedImports[pkg]
		if !known {
			t.Errorf("package %s is not in allowedImports: add it with the edges it may have", pkg)
			continue
		}
		for _, imp := range fields[1:] {
			if rel, ok := strings.CutPrefix(imp, module); ok && !slices.Contains(allowed, rel) {
				t.Errorf("%s imports %s, which allowedImports does not allow", pkg, rel)
			}
		}
	}
}
