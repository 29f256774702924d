package rundemo

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// buildBinaries builds cucmsim and bcservice into a temporary directory.
func buildBinaries(t *testing.T) string {
	t.Helper()
	bin := t.TempDir()
	for _, name := range []string{"cucmsim", "bcservice"} {
		out, err := exec.Command("go", "build", "-o", filepath.Join(bin, name), "github.com/emconnector/emconnector/cmd/"+name).CombinedOutput()
		if err != nil {
			t.Fatalf("go build %s: %v\n%s", name, err, out)
		}
	}
	return bin
}

// freePort returns a loopback port nobody listened on a moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// fixture writes a one-node topology on nodePort and a service config in front of it whose
// listen address is listen; it returns their paths.
func fixture(t *testing.T, nodePort int, listen string) (topo, cfg string) {
	t.Helper()
	dir := t.TempDir()
	topo, cfg = filepath.Join(dir, "topo.yaml"), filepath.Join(dir, "config.yaml")
	write := func(path, text string) {
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(topo, fmt.Sprintf(`clusters:
  - code: EU
    name: Europe
    nodes: [{name: eu-pub, listen: "127.0.0.1:%d"}]
    appUsers: [{id: bcapp, password: s3cret, emProxyRights: true}]
    devices: [{name: SEP1CE6C79BAF1F}]
`, nodePort))
	write(cfg, fmt.Sprintf(`listen: %q
log: {level: info, format: text}
clusters:
  - code: EU
    default: true
    nodes: ["http://127.0.0.1:%d/emservice/EMServiceServlet"]
`, listen, nodePort))
	return topo, cfg
}

// demo is one run of run-demo.sh in its own process group, as make would start it from a
// terminal; its output is collected line by line.
type demo struct {
	cmd   *exec.Cmd
	lines chan string
	out   strings.Builder
	done  chan error
}

func startDemo(t *testing.T, bin, topo, cfg string) *demo {
	t.Helper()
	return startDemoEnv(t, bin, topo, cfg, "SIM_ADMIN=127.0.0.1:0")
}

// startDemoEnv is startDemo with more environment (e.g. the control API's address).
func startDemoEnv(t *testing.T, bin, topo, cfg string, env ...string) *demo {
	t.Helper()
	cmd := exec.Command("sh", "run-demo.sh")
	cmd.Env = append(append(os.Environ(), "BIN="+bin, "TOPOLOGY="+topo, "CONFIG="+cfg, "START_TIMEOUT=20"), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	pr, pw := io.Pipe()
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	d := &demo{cmd: cmd, lines: make(chan string, 1000), done: make(chan error, 1)}
	go func() {
		sc := bufio.NewScanner(pr)
		for sc.Scan() {
			d.lines <- sc.Text()
		}
		close(d.lines)
	}()
	go func() {
		err := cmd.Wait()
		pw.Close()
		d.done <- err
	}()
	t.Cleanup(func() { // never leave the group running, whatever the test did
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	})
	return d
}

// waitLine reads output until a line contains want (true) or the output ends (false).
func (d *demo) waitLine(t *testing.T, want string, timeout time.Duration) (string, bool) {
	t.Helper()
	deadline := time.After(timeout)
	for {
		select {
		case l, ok := <-d.lines:
			if !ok {
				return "", false
			}
			d.out.WriteString(l + "\n")
			if strings.Contains(l, want) {
				return l, true
			}
		case <-deadline:
			t.Fatalf("no line with %q within %v; output:\n%s", want, timeout, d.out.String())
		}
	}
}

// exit waits for the script and returns its exit code.
func (d *demo) exit(t *testing.T) int {
	t.Helper()
	for range d.lines { // drain, so the writer never blocks
	}
	select {
	case err := <-d.done:
		if ee, ok := err.(*exec.ExitError); ok {
			return ee.ExitCode()
		}
		if err != nil {
			t.Fatal(err)
		}
		return 0
	case <-time.After(30 * time.Second):
		t.Fatal("run-demo.sh did not exit within 30 s")
	}
	return -1
}

// readyAddrs parses the ready line: "… bcservice on http://A, cucmsim control API on http://B; …".
func readyAddrs(t *testing.T, line string) (svc, admin string) {
	t.Helper()
	_, rest, _ := strings.Cut(line, "bcservice on http://")
	svc, rest, _ = strings.Cut(rest, ",")
	_, rest, _ = strings.Cut(rest, "control API on http://")
	admin, _, _ = strings.Cut(rest, ";")
	if svc == "" || admin == "" {
		t.Fatalf("ready line %q lacks the addresses", line)
	}
	return svc, admin
}

func TestStopsBothOnSignal(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs both binaries")
	}
	bin := buildBinaries(t)
	tests := []struct {
		name  string
		group bool // signal the whole process group, as a terminal's Ctrl-C does
		sig   syscall.Signal
	}{
		{"Ctrl-C reaches every process", true, syscall.SIGINT},
		{"SIGINT to the script alone", false, syscall.SIGINT},
		{"SIGTERM to the script alone (make forwards it)", false, syscall.SIGTERM},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			topo, cfg := fixture(t, freePort(t), "127.0.0.1:0")
			d := startDemo(t, bin, topo, cfg)
			line, ok := d.waitLine(t, "run-demo: ready", 30*time.Second)
			if !ok {
				t.Fatalf("exited before ready:\n%s", d.out.String())
			}
			svc, admin := readyAddrs(t, line)
			resp, err := http.Get("http://" + svc + "/api/getversioninfo")
			if err != nil {
				t.Fatalf("bcservice does not answer: %v", err)
			}
			resp.Body.Close()
			if want := "run-demo: cucmsim console on http://" + admin + "/ui/\n"; !strings.Contains(d.out.String(), want) {
				t.Errorf("no line %q before the ready line; output:\n%s", want, d.out.String())
			}
			resp, err = http.Get("http://" + admin + "/ui/")
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("the console does not answer: %v %v", resp, err)
			}
			resp.Body.Close()

			pid := d.cmd.Process.Pid
			if tt.group {
				pid = -pid
			}
			if err := syscall.Kill(pid, tt.sig); err != nil {
				t.Fatal(err)
			}
			if _, ok := d.waitLine(t, "run-demo: stopped cucmsim and bcservice", 30*time.Second); !ok {
				t.Errorf("no stop message; output:\n%s", d.out.String())
			}
			if code := d.exit(t); code != 0 {
				t.Errorf("exit code %d, want 0; output:\n%s", code, d.out.String())
			}
			for _, addr := range []string{svc, admin} {
				if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
					c.Close()
					t.Errorf("%s still accepts connections after the stop", addr)
				}
			}
		})
	}
}

func TestPortInUseNamesTheAddress(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs both binaries")
	}
	bin := buildBinaries(t)
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	topo, cfg := fixture(t, freePort(t), taken.Addr().String())
	d := startDemo(t, bin, topo, cfg)
	if _, ok := d.waitLine(t, taken.Addr().String()+": bind: address already in use", 30*time.Second); !ok {
		t.Errorf("no message naming %s; output:\n%s", taken.Addr(), d.out.String())
	}
	if _, ok := d.waitLine(t, "run-demo: bcservice exited with status 1", 30*time.Second); !ok {
		t.Errorf("no failure message; output:\n%s", d.out.String())
	}
	if code := d.exit(t); code != 1 {
		t.Errorf("exit code %d, want 1; output:\n%s", code, d.out.String())
	}
}
