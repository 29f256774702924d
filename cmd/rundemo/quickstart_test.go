package rundemo

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// assignment is a shell variable definition line of a Markdown sh block (X=…, B=…; S=…).
var assignment = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*=`)

// examples are the curl lines of one Markdown file's sh blocks that call the running demo
// (those using $B), in order, and the block lines that define the function c and the
// variables they use.
type examples struct {
	file       string
	defs, cmds []string
}

// docExamples returns the examples of every Markdown file that has some: the README's quick
// start and the manuals'.
func docExamples(t *testing.T) []examples {
	t.Helper()
	var out []examples
	total := 0
	for _, f := range markdownFiles(t) {
		ex := examples{file: f}
		_, blocks := splitMarkdown(readDoc(t, f))
		for _, block := range blocks {
			if block.info != "sh" || !strings.Contains(strings.Join(block.lines, "\n"), "$B/") {
				continue
			}
			for _, line := range block.lines {
				switch {
				case strings.HasPrefix(line, "c() "), assignment.MatchString(line):
					ex.defs = append(ex.defs, line)
				case strings.HasPrefix(line, "c "), strings.HasPrefix(line, "curl "):
					ex.cmds = append(ex.cmds, line)
				}
			}
		}
		if len(ex.cmds) > 0 {
			out = append(out, ex)
			total += len(ex.cmds)
		}
	}
	if len(out) == 0 || out[0].file != "README.md" || len(out[0].defs) < 3 || total < 40 {
		t.Fatalf("the curl examples were not found (%d commands in %d files)", total, len(out))
	}
	return out
}

// expectedCode is the result code a README line's comment promises: "# code 0", "# 1003 PIN
// required", "# 23 User not found"; -1 when the comment names none.
func expectedCode(line string) string {
	_, comment, ok := strings.Cut(line, "# ")
	if !ok {
		return ""
	}
	comment = strings.TrimPrefix(comment, "code ")
	if m := regexp.MustCompile(`^(\d+)\b`).FindStringSubmatch(comment); m != nil {
		return m[1]
	}
	return ""
}

// demoOnFreePorts copies the demo topology and config with every loopback port moved to a
// free one (so a `make run` in another terminal does not get in the way) and returns their
// paths and the port map.
func demoOnFreePorts(t *testing.T) (topo, cfg string, ports map[string]string) {
	t.Helper()
	ports = map[string]string{}
	dir := t.TempDir()
	hostPort := regexp.MustCompile(`127\.0\.0\.1:(\d+)`)
	move := func(name string) string {
		data, err := os.ReadFile(filepath.Join("..", "..", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		out := hostPort.ReplaceAllStringFunc(string(data), func(m string) string {
			old := strings.TrimPrefix(m, "127.0.0.1:")
			if ports[old] == "" {
				ports[old] = strconv.Itoa(freePort(t))
			}
			return "127.0.0.1:" + ports[old]
		})
		path := filepath.Join(dir, filepath.Base(filepath.Dir(name))+"-"+filepath.Base(name))
		if err := os.WriteFile(path, []byte(out), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	topo, cfg = move("topology/demo.yaml"), move("config/demo.yaml")
	ports["18000"] = strconv.Itoa(freePort(t)) // the control API's default (SIM_ADMIN)
	return topo, cfg, ports
}

// TestREADMEExamples runs every curl line of the README and the manuals against `make run`'s
// demo (the script, the demo topology and config; the ports moved to free ones and the lines
// rewritten to match), twice, and checks the code each line's comment promises: the examples
// work verbatim and can be run again. Each file's lines run with that file's definitions.
func TestREADMEExamples(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs both binaries")
	}
	docs := docExamples(t)
	bin := buildBinaries(t)
	topo, cfg, ports := demoOnFreePorts(t)
	d := startDemoEnv(t, bin, topo, cfg, "SIM_ADMIN=127.0.0.1:"+ports["18000"])
	if _, ok := d.waitLine(t, "run-demo: ready", 30*time.Second); !ok {
		t.Fatalf("the demo did not start:\n%s", d.out.String())
	}
	rewrite := func(line string) string {
		for old, port := range ports {
			line = strings.ReplaceAll(line, "127.0.0.1:"+old, "127.0.0.1:"+port)
		}
		return line
	}
	for round := 1; round <= 2; round++ {
		for _, doc := range docs {
			for _, line := range doc.cmds {
				script := rewrite(strings.Join(doc.defs, "\n") + "\n" + line)
				out, err := exec.Command("bash", "-c", script).CombinedOutput()
				if err != nil {
					t.Errorf("round %d: %s: %s: %v\n%s", round, doc.file, line, err, out)
					continue
				}
				if code := expectedCode(line); code != "" &&
					!strings.Contains(string(out), "<code>"+code+"</code>") && !strings.Contains(string(out), `"code":`+code) {
					t.Errorf("round %d: %s: %s\nanswered %s\nwant code %s", round, doc.file, line, out, code)
				}
			}
		}
	}
}
