package benchrun

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestParseProcStatus(t *testing.T) {
	tests := []struct {
		name      string
		in        string
		rss, peak int64
		wantErr   bool
	}{
		{"both", "Name:\tcucmsim\nVmHWM:\t  204800 kB\nVmRSS:\t  102400 kB\nThreads:\t7\n", 100 << 20, 200 << 20, false},
		{"rss only", "VmRSS:\t 4 kB\n", 4096, 0, false},
		{"missing", "Name:\tx\n", 0, 0, true},
		{"bad unit", "VmRSS:\t 4 MB\n", 0, 0, true},
		{"bad number", "VmRSS:\t x kB\n", 0, 0, true},
	}
	for _, tt := range tests {
		rss, peak, err := parseProcStatus([]byte(tt.in))
		if (err != nil) != tt.wantErr || rss != tt.rss || peak != tt.peak {
			t.Errorf("%s: got %d, %d, %v; want %d, %d, error %v", tt.name, rss, peak, err, tt.rss, tt.peak, tt.wantErr)
		}
	}
}

func TestParseProcStat(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    time.Duration
		wantErr bool
	}{
		{"plain", "42 (cucmsim) S 1 42 42 0 -1 4194304 100 0 0 0 250 130 0 0 20 0 9 0 1 2 3", 3800 * time.Millisecond, false},
		{"spaces and parens in name", "42 (a) b (c) R 1 42 42 0 -1 0 0 0 0 0 7 3 0 0 20 0 1 0", 100 * time.Millisecond, false},
		{"truncated", "42 (x) R 1 2 3", 0, true},
		{"no name", "42 x R", 0, true},
		{"not a number", "42 (x) R 1 42 42 0 -1 0 0 0 0 0 a 3 0", 0, true},
	}
	for _, tt := range tests {
		got, err := parseProcStat([]byte(tt.in))
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("%s: got %v, %v; want %v, error %v", tt.name, got, err, tt.want, tt.wantErr)
		}
	}
}

func TestProcessLifecycle(t *testing.T) {
	dir := t.TempDir()
	addr := filepath.Join(dir, "addr.json")
	// A stand-in binary: writes its address file after a moment, then waits for SIGTERM.
	script := `echo started; sleep 0.05; echo '{"listen":"127.0.0.1:1"}' > "$1.tmp"; mv "$1.tmp" "$1"; exec sleep 30`
	p, err := startProcess("stub", filepath.Join(dir, "stub.log"), "/bin/sh", "-c", script, "sh", addr)
	if err != nil {
		t.Fatal(err)
	}
	var a serviceAddrs
	start := time.Now()
	seen, err := waitAddrFile(context.Background(), p, addr, 5*time.Second, &a)
	if err != nil {
		t.Fatal(err)
	}
	if a.Listen != "127.0.0.1:1" || seen.Before(start) {
		t.Errorf("address %q seen at %v (start %v)", a.Listen, seen, start)
	}
	rss, _, err := p.memory()
	if err != nil || rss <= 0 {
		t.Errorf("memory: %d, %v", rss, err)
	}
	if err := p.stop(5 * time.Second); err != nil {
		t.Errorf("stop: %v", err)
	}
	if tail := p.logTail(5); !strings.Contains(tail, "started") {
		t.Errorf("log tail %q lacks the process output", tail)
	}
}

func TestWaitAddrFileProcessExits(t *testing.T) {
	dir := t.TempDir()
	p, err := startProcess("stub", filepath.Join(dir, "stub.log"), "/bin/sh", "-c", "echo bad topology >&2; exit 3")
	if err != nil {
		t.Fatal(err)
	}
	defer p.stop(time.Second)
	var a serviceAddrs
	_, err = waitAddrFile(context.Background(), p, filepath.Join(dir, "never.json"), 10*time.Second, &a)
	if err == nil || !strings.Contains(err.Error(), "exited") || !strings.Contains(err.Error(), "bad topology") {
		t.Errorf("err = %v, want an exit error quoting the log", err)
	}
}

func TestRunCommandFails(t *testing.T) {
	if _, err := runCommand(context.Background(), 5*time.Second, "/bin/sh", "-c", "echo oops; exit 2"); err == nil || !strings.Contains(err.Error(), "oops") {
		t.Errorf("err = %v, want the command's output", err)
	}
	if _, err := runCommand(context.Background(), 50*time.Millisecond, "/bin/sh", "-c", "exec sleep 5"); err == nil {
		t.Errorf("a command past its timeout succeeded")
	}
}
