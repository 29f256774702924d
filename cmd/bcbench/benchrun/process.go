package benchrun

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// process is one running binary under test. Its output goes to a log file; stop always
// reaps it, so no process or waiting goroutine outlives the benchmark.
type process struct {
	name    string
	cmd     *exec.Cmd
	logPath string
	logFile *os.File
	done    chan struct{} // closed when the process has exited
	waitErr error         // valid after done is closed
}

// startProcess starts bin with args, its stdout and stderr appended to logPath.
func startProcess(name, logPath, bin string, args ...string) (*process, error) {
	lf, err := os.Create(logPath)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = lf, lf
	cmd.Env = benchEnv()
	if err := cmd.Start(); err != nil {
		lf.Close()
		return nil, fmt.Errorf("start %s: %w", name, err)
	}
	p := &process{name: name, cmd: cmd, logPath: logPath, logFile: lf, done: make(chan struct{})}
	go func() { // joined by stop, which waits for done
		p.waitErr = cmd.Wait()
		close(p.done)
	}()
	return p, nil
}

// benchEnv is the environment of the binaries: the caller's, minus the BC_* overrides of
// bcservice, so that a developer's shell cannot change what the benchmark measures.
func benchEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "BC_") {
			env = append(env, kv)
		}
	}
	return env
}

// stop asks the process to shut down (SIGTERM, as an operator would) and kills it if it has
// not exited within grace. It returns the exit problem, if any, other than the signal itself.
func (p *process) stop(grace time.Duration) error {
	defer p.logFile.Close()
	select {
	case <-p.done:
		return p.exitErr()
	default:
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	timer := time.NewTimer(grace)
	defer timer.Stop()
	select {
	case <-p.done:
		return p.exitErr()
	case <-timer.C:
		_ = p.cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("%s did not stop within %v of SIGTERM; killed", p.name, grace)
	}
}

func (p *process) exitErr() error {
	var ee *exec.ExitError
	if errors.As(p.waitErr, &ee) {
		if ws, ok := ee.Sys().(syscall.WaitStatus); ok && ws.Signaled() && ws.Signal() == syscall.SIGTERM {
			return nil
		}
	}
	if p.waitErr != nil {
		return fmt.Errorf("%s: %w", p.name, p.waitErr)
	}
	return nil
}

// memory reads the process's resident set (VmRSS) and its peak (VmHWM), in bytes, from
// /proc (Linux only).
func (p *process) memory() (rss, peak int64, err error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", p.cmd.Process.Pid))
	if err != nil {
		return 0, 0, err
	}
	return parseProcStatus(data)
}

// parseProcStatus extracts VmRSS and VmHWM (kB in the file) as bytes.
func parseProcStatus(data []byte) (rss, peak int64, err error) {
	sc := bufio.NewScanner(bytes.NewReader(data))
	var haveRSS bool
	for sc.Scan() {
		key, val, ok := strings.Cut(sc.Text(), ":")
		if !ok || (key != "VmRSS" && key != "VmHWM") {
			continue
		}
		f := strings.Fields(val)
		if len(f) != 2 || f[1] != "kB" {
			return 0, 0, fmt.Errorf("unexpected %s line %q", key, sc.Text())
		}
		kb, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return 0, 0, fmt.Errorf("%s: %w", key, err)
		}
		if key == "VmRSS" {
			rss, haveRSS = kb*1024, true
		} else {
			peak = kb * 1024
		}
	}
	if !haveRSS {
		return 0, 0, errors.New("no VmRSS in process status")
	}
	return rss, peak, nil
}

// clockTicks is USER_HZ, the unit of the CPU times in /proc/PID/stat; the kernel fixes it at
// 100 for user space on every architecture Go supports on Linux.
const clockTicks = 100

// cpuTime reads the CPU time (user + system, all threads) the process has used so far.
func (p *process) cpuTime() (time.Duration, error) {
	return procCPUTime(p.cmd.Process.Pid)
}

// procCPUTime reads utime + stime of pid from /proc/PID/stat.
func procCPUTime(pid int) (time.Duration, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	return parseProcStat(data)
}

// parseProcStat extracts utime + stime (fields 14 and 15) from a /proc/PID/stat line. The
// command name (field 2) is in parentheses and may hold spaces, so fields are counted from
// the last ')'.
func parseProcStat(data []byte) (time.Duration, error) {
	end := bytes.LastIndexByte(data, ')')
	if end < 0 {
		return 0, errors.New("malformed /proc stat: no ')'")
	}
	f := strings.Fields(string(data[end+1:]))
	// f[0] is field 3 (state); utime is field 14, stime field 15.
	if len(f) < 13 {
		return 0, errors.New("malformed /proc stat: too few fields")
	}
	var ticks int64
	for _, s := range f[11:13] {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("malformed /proc stat: %w", err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / clockTicks, nil
}

// logTail returns the last lines of the process's output, for error messages. The binaries
// redact secrets in their logs, and the benchmark passes none on their command lines.
func (p *process) logTail(lines int) string {
	data, err := os.ReadFile(p.logPath)
	if err != nil {
		return "(no log: " + err.Error() + ")"
	}
	all := strings.Split(strings.TrimRight(string(data), "\n"), "\n")
	if len(all) > lines {
		all = all[len(all)-lines:]
	}
	return strings.Join(all, "\n")
}

// addrPollInterval is how often waitAddrFile looks for the file; it is also the resolution
// of the load-time figure.
const addrPollInterval = 2 * time.Millisecond

// waitAddrFile polls for the JSON file a binary writes once all its listeners are bound
// (atomically, by rename) and decodes it into v. It fails at once if the process exits, and
// after timeout. It returns when the file was first seen.
func waitAddrFile(ctx context.Context, p *process, path string, timeout time.Duration, v any) (time.Time, error) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(addrPollInterval)
	defer tick.Stop()
	for {
		data, err := os.ReadFile(path)
		if err == nil {
			seen := time.Now()
			if err := json.Unmarshal(data, v); err != nil {
				return seen, fmt.Errorf("%s address file %s: %w", p.name, path, err)
			}
			return seen, nil
		}
		select {
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		case <-p.done:
			return time.Time{}, fmt.Errorf("%s exited before writing %s (%v); log:\n%s", p.name, path, p.waitErr, p.logTail(20))
		case <-deadline.C:
			return time.Time{}, fmt.Errorf("%s wrote no %s within %v; log:\n%s", p.name, path, timeout, p.logTail(20))
		case <-tick.C:
		}
	}
}

// runCommand runs bin with args to completion within timeout and returns how long it took.
// Its combined output is returned in the error only.
func runCommand(ctx context.Context, timeout time.Duration, bin string, args ...string) (time.Duration, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = benchEnv()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	took := time.Since(start)
	if err != nil {
		msg := out.String()
		if len(msg) > 2000 {
			msg = msg[:2000] + "…"
		}
		return took, fmt.Errorf("%s %s: %w\n%s", bin, strings.Join(args, " "), err, msg)
	}
	return took, nil
}
