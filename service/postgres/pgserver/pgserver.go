// Package pgserver runs a throwaway PostgreSQL server for the tests
// (through pgtest) and the benchmarks: a cluster
// made by initdb in a temporary directory, listening on 127.0.0.1 on a free
// port with trust authentication, stopped and removed at the end. It uses
// Debian's PostgreSQL (BinDir); run as root, the server's commands run as
// the postgres user (runuser), which PostgreSQL requires.
package pgserver

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver, for NewDB
)

// DefaultBinDir holds initdb, pg_ctl and postgres (Debian's postgresql-15).
const DefaultBinDir = "/usr/lib/postgresql/15/bin"

// ErrNoServer means the PostgreSQL binaries are not installed.
var ErrNoServer = errors.New("pgserver: no PostgreSQL at " + DefaultBinDir + " nor another /usr/lib/postgresql/*/bin (apt-get install postgresql-15)")

// BinDir returns the directory of the server binaries: $PGTEST_BINDIR,
// else DefaultBinDir, else the newest Debian PostgreSQL installed (the
// postgresql package of a later Debian brings a later major version).
func BinDir() (string, error) {
	candidates := []string{os.Getenv("PGTEST_BINDIR"), DefaultBinDir}
	others, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	slices.SortFunc(others, func(a, b string) int { return cmp.Compare(version(b), version(a)) })
	for _, dir := range append(candidates, others...) {
		if dir == "" {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, "initdb")); err == nil {
			return dir, nil
		}
	}
	return "", ErrNoServer
}

// version is the major version in /usr/lib/postgresql/N/bin.
func version(binDir string) int {
	n, _ := strconv.Atoi(filepath.Base(filepath.Dir(binDir)))
	return n
}

// Server is a running throwaway cluster.
type Server struct {
	bin  string // BinDir
	dir  string // removed by Stop
	data string
	port int
	// asPostgres: the commands run through runuser as postgres.
	asPostgres bool
	dbs        atomic.Int64
}

// Start makes and starts a cluster; Stop ends it. It first stops the
// clusters of processes that died without Stop (sweepOrphans).
func Start() (*Server, error) {
	bin, err := BinDir()
	if err != nil {
		return nil, err
	}
	asPostgres := os.Geteuid() == 0
	sweepOrphans(filepath.Join(os.TempDir(), "pgtest-*"), func(data string) {
		_ = (&Server{bin: bin, data: data, asPostgres: asPostgres}).run("pg_ctl", "-D", data, "-m", "immediate", "-w", "-t", "10", "stop")
	})
	// MkdirTemp makes 0700 directories: the postgres user must be able to
	// traverse this one to reach its data directory.
	dir, err := os.MkdirTemp("", "pgtest-")
	if err != nil {
		return nil, err
	}
	s := &Server{bin: bin, dir: dir, data: filepath.Join(dir, "data"), asPostgres: asPostgres}
	if err := writeOwner(dir); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := s.init(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	if err := s.start(); err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	return s, nil
}

func (s *Server) init() error {
	if err := os.Chmod(s.dir, 0o755); err != nil {
		return err
	}
	if err := os.Mkdir(s.data, 0o700); err != nil {
		return err
	}
	if s.asPostgres {
		u, err := user.Lookup("postgres")
		if err != nil {
			return fmt.Errorf("pgserver: running as root needs the postgres user: %w", err)
		}
		uid, _ := strconv.Atoi(u.Uid)
		gid, _ := strconv.Atoi(u.Gid)
		if err := os.Chown(s.data, uid, gid); err != nil {
			return err
		}
	}
	return s.run("initdb", "-D", s.data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
}

// start launches the server on a free port; another process may take the
// port between the probe and the bind, so it tries a few.
func (s *Server) start() error {
	var err error
	for range 3 {
		if s.port, err = freePort(); err != nil {
			return err
		}
		if err = s.startOnPort(); err == nil {
			return nil
		}
	}
	return err
}

func (s *Server) startOnPort() error {
	opts := fmt.Sprintf("-p %d -c listen_addresses=127.0.0.1 -k %s -c fsync=off -c max_connections=400", s.port, s.data)
	return s.run("pg_ctl", "-D", s.data, "-o", opts, "-l", filepath.Join(s.data, "server.log"), "-w", "-t", "30", "start")
}

// Halt stops the server as an outage would (fast shutdown: sessions are
// ended), keeping its data; Resume starts it again on the same port.
func (s *Server) Halt() error {
	return s.run("pg_ctl", "-D", s.data, "-m", "fast", "-w", "-t", "30", "stop")
}

// Resume starts a halted server again, on its port.
func (s *Server) Resume() error { return s.startOnPort() }

func (s *Server) run(name string, args ...string) error {
	cmd := exec.Command(filepath.Join(s.bin, name), args...)
	if s.asPostgres {
		cmd = exec.Command("runuser", append([]string{"-u", "postgres", "--", cmd.Path}, args...)...)
	}
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("pgserver: %s: %w\n%s", name, err, out)
	}
	return nil
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// PID is the server's process id (from postmaster.pid), or 0.
func (s *Server) PID() int {
	b, err := os.ReadFile(filepath.Join(s.data, "postmaster.pid"))
	if err != nil {
		return 0
	}
	pid, _ := strconv.Atoi(strings.SplitN(string(b), "\n", 2)[0])
	return pid
}

// Stop stops this server (pg_ctl stop signals the PID of its own data
// directory, no other), and removes its directory.
func (s *Server) Stop() error {
	err := s.run("pg_ctl", "-D", s.data, "-m", "fast", "-w", "-t", "30", "stop")
	if err != nil {
		if pid := s.PID(); pid > 0 {
			if p, perr := os.FindProcess(pid); perr == nil {
				_ = p.Kill()
			}
		}
	}
	return errors.Join(err, os.RemoveAll(s.dir))
}

// DSN is the URL of database db on the server.
func (s *Server) DSN(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", s.port, db)
}

// NewDB makes a new, empty database and returns its DSN (pgtest.CreateDB is the
// same for a test).
func (s *Server) NewDB() (string, error) {
	name := fmt.Sprintf("t%d_%d", os.Getpid(), s.dbs.Add(1))
	db, err := sql.Open("pgx", s.DSN("postgres"))
	if err != nil {
		return "", err
	}
	defer db.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// A database name cannot be a parameter; name is made above, not given.
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		return "", fmt.Errorf("pgserver: create database: %w", err)
	}
	return s.DSN(name), nil
}
