// Package pgtest gives tests a throwaway PostgreSQL server (pgserver) and
// the testing.TB side of it: a database per test, and Require, which
// skips outside CI or fails under it when the server cannot start. It
// imports testing, so only tests import it; the benchmarks use pgserver.
package pgtest

import (
	"errors"
	"os"
	"testing"

	"github.com/emconnector/emconnector/service/postgres/pgserver"
	"github.com/emconnector/emconnector/service/skipreport"
)

// ErrNoServer means the PostgreSQL binaries are not installed.
var ErrNoServer = pgserver.ErrNoServer

// Server is a throwaway server with a database per test.
type Server struct{ *pgserver.Server }

// Start starts a throwaway server (pgserver.Start).
func Start() (*Server, error) {
	s, err := pgserver.Start()
	if err != nil {
		return nil, err
	}
	return &Server{s}, nil
}

// BinDir finds the PostgreSQL binaries (pgserver.BinDir).
func BinDir() (string, error) { return pgserver.BinDir() }

// CreateDB makes a new, empty database for one test and returns its DSN.
func (s *Server) CreateDB(t testing.TB) string {
	t.Helper()
	dsn, err := s.NewDB()
	if err != nil {
		t.Fatal(err)
	}
	return dsn
}

// Require returns s, or ends the test when the server could not start
// (err from Start): with CI set it fails, since the suite must not pass
// without having run; elsewhere it skips with the reason.
func Require(t testing.TB, s *Server, err error) *Server {
	t.Helper()
	switch {
	case err == nil:
		return s
	case os.Getenv("CI") != "":
		t.Fatalf("PostgreSQL store tests cannot run in CI: %v", err)
	case errors.Is(err, ErrNoServer):
		skipreport.Note(skipreport.Package(), "PostgreSQL tests: "+err.Error())
		t.Skipf("skipping the PostgreSQL store tests: %v", err)
	default:
		t.Fatalf("PostgreSQL test server: %v", err)
	}
	return nil
}
