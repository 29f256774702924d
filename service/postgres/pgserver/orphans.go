package pgserver

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// ownerFile names, in a server's directory, the PID of the process that
// started it.
const ownerFile = "owner.pid"

// writeOwner records this process as the owner of dir.
func writeOwner(dir string) error {
	return os.WriteFile(filepath.Join(dir, ownerFile), []byte(strconv.Itoa(os.Getpid())+"\n"), 0o644)
}

// sweepOrphans stops and removes the servers that earlier processes started
// in pattern's directories and never stopped: a test binary killed by
// `go test -timeout` (or a Ctrl-C) runs no deferred Stop, and its PostgreSQL
// would otherwise run until the machine restarts. A directory whose owner
// is still alive (another test binary running now) is left alone, and so is
// one without an owner file (made by an older pgserver, or not yet written).
func sweepOrphans(pattern string, stop func(data string)) (swept int) {
	dirs, _ := filepath.Glob(pattern)
	for _, dir := range dirs {
		pid, ok := owner(dir)
		if !ok || alive(pid) {
			continue
		}
		stop(filepath.Join(dir, "data"))
		if os.RemoveAll(dir) == nil {
			swept++
		}
	}
	return swept
}

// owner reads the PID in dir's owner file.
func owner(dir string) (int, bool) {
	b, err := os.ReadFile(filepath.Join(dir, ownerFile))
	if err != nil {
		return 0, false
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	return pid, err == nil && pid > 0
}

// alive reports whether a process with pid exists (signal 0 checks without
// signalling; EPERM means it exists under another user).
func alive(pid int) bool {
	err := syscall.Kill(pid, 0)
	return err == nil || errors.Is(err, syscall.EPERM)
}
