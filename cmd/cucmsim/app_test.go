package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emconnector/emconnector/cucmsim"
	"github.com/emconnector/emconnector/cucmsim/topology"
)

const demo = "../../testdata/topology/demo.yaml"

func run(args ...string) (string, string, error) {
	var out, errOut bytes.Buffer
	err := newApp(&out, &errOut).RunContext(context.Background(), append([]string{"cucmsim"}, args...))
	return out.String(), errOut.String(), err
}

func TestValidate(t *testing.T) {
	out, _, err := run("validate", demo)
	if err != nil || !strings.Contains(out, "OK (3 clusters") {
		t.Fatalf("validate demo: %q %v", out, err)
	}
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	os.WriteFile(bad, []byte("clusters:\n  - code: EU\n    nodes: [{name: a, listen: \"127.0.0.1:1\"}]\n    devices: [X, X]\n"), 0o644)
	_, errOut, err := run("validate", bad)
	if err == nil || !strings.Contains(errOut, "bad.yaml:4: cluster \"EU\": duplicate device \"X\"\n") {
		t.Fatalf("validate bad: %v %q", err, errOut)
	}
}

// TestValidateListsEveryProblem: decoding problems and cross-entry problems come in one pass,
// one a line, and a YAML syntax error names its own line.
func TestValidateListsEveryProblem(t *testing.T) {
	four, err := os.ReadFile(filepath.Join("..", "..", "testdata", "features", "broken_four_problems.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(demoText(t), "\n")
	lines[85] = "   - {name: bad indent"
	tests := []struct {
		name, yaml string
		want       []string
	}{
		{"four problems", string(four), []string{
			`t.yaml:6: unknown multipleLogin "sometimes"`,
			`t.yaml:9: cluster "EU": user "A": unknown profile "UDP-X"`,
			`t.yaml:11: emEnabled: expected true or false`,
			`t.yaml:13: cluster "EU": duplicate device "sep2"`,
		}},
		{"syntax error on line 86", strings.Join(lines, "\n"), []string{"t.yaml:86: invalid YAML: "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			file := filepath.Join(t.TempDir(), "t.yaml")
			if err := os.WriteFile(file, []byte(tt.yaml), 0o600); err != nil {
				t.Fatal(err)
			}
			_, errOut, err := run("validate", file)
			if err == nil {
				t.Fatal("accepted")
			}
			got := strings.Split(strings.TrimSpace(errOut), "\n")
			if len(got) != len(tt.want) {
				t.Fatalf("got %d lines, want %d:\n%s", len(got), len(tt.want), errOut)
			}
			for i, w := range tt.want {
				if !strings.Contains(got[i], w) {
					t.Errorf("line %d = %q, want it to contain %q", i+1, got[i], w)
				}
			}
		})
	}
}

func demoText(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(demo)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestGen(t *testing.T) {
	out, _, err := run("gen", "--devices", "10", "--users", "4", "--clusters", "3")
	if err != nil {
		t.Fatal(err)
	}
	topo, err := topology.Parse("gen", []byte(out))
	if err != nil {
		t.Fatalf("generated topology invalid: %v", err)
	}
	if len(topo.Clusters) != 3 || topo.Clusters[2].Code != "C3" || topo.Clusters[2].Devices[0].Name != "SEP000000000007" {
		t.Errorf("generated = %+v", topo.Clusters[2])
	}
	file := filepath.Join(t.TempDir(), "gen.yaml")
	if _, _, err := run("gen", "--devices", "1", "--users", "1", "--out", file); err != nil {
		t.Fatal(err)
	}
	if _, err := topology.Load(file); err != nil {
		t.Errorf("--out file: %v", err)
	}
	if _, _, err := run("gen", "--devices", "1", "--users", "1", "--clusters", "0"); err == nil {
		t.Error("--clusters 0 accepted")
	}
}

func TestGenRefuses(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"--devices", "0", "--users", "1"}, "--devices must be at least 1, got 0"},
		{[]string{"--devices", "1", "--users", "0"}, "--users must be at least 1, got 0"},
		{[]string{"--devices", "-5", "--users", "1"}, "--devices must be at least 1, got -5"},
	}
	for _, tt := range tests {
		out, _, err := run(append([]string{"gen"}, tt.args...)...)
		if err == nil || err.Error() != tt.want || out != "" {
			t.Errorf("gen %v = %v (output %d bytes), want %q and no output", tt.args, err, len(out), tt.want)
		}
	}
}

func TestGenHelpAndDefaultPort(t *testing.T) {
	out, _, err := run("gen", "--help")
	if err != nil {
		t.Fatal(err)
	}
	for _, line := range strings.Split(out, "\n") {
		if (strings.Contains(line, "--devices") || strings.Contains(line, "--users")) && strings.Contains(line, "default") {
			t.Errorf("required flag shows a default: %q", line)
		}
	}
	gen, _, err := run("gen", "--devices", "2", "--users", "1")
	if err != nil {
		t.Fatal(err)
	}
	topo, err := topology.Parse("gen", []byte(gen))
	if err != nil {
		t.Fatal(err)
	}
	demoTopo, err := topology.Load(demo)
	if err != nil {
		t.Fatal(err)
	}
	used := map[string]bool{"127.0.0.1:18000": true} // serve's default --admin
	for _, c := range demoTopo.Clusters {
		for _, n := range c.Nodes {
			used[n.Listen] = true
		}
	}
	for _, c := range topo.Clusters {
		for _, n := range c.Nodes {
			if used[n.Listen] {
				t.Errorf("generated node %s listens on %s, used by the demo topology", n.Name, n.Listen)
			}
		}
	}
}

func TestServe(t *testing.T) {
	addrFile := filepath.Join(t.TempDir(), "addrs.json")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var logs bytes.Buffer
	done := make(chan error, 1)
	go func() {
		done <- newApp(&bytes.Buffer{}, &logs).RunContext(ctx, []string{"cucmsim", "serve", "--topology", demo, "--ephemeral-ports", "--admin", "", "--addr-file", addrFile})
	}()
	var addrs cucmsim.Addrs
	deadline := time.Now().Add(10 * time.Second)
	for {
		if b, err := os.ReadFile(addrFile); err == nil && json.Unmarshal(b, &addrs) == nil {
			break
		}
		select {
		case err := <-done:
			t.Fatalf("serve ended early: %v\n%s", err, logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("no addr file")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if addrs.Nodes["EU"]["eu-pub"] == "" || addrs.Nodes["US"]["us-sub1"] == "" || strings.HasSuffix(addrs.Admin, ":18000") {
		t.Fatalf("addrs = %+v", addrs)
	}
	resp, err := http.Get("http://" + addrs.Admin + "/v1/clusters")
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("control API: %v %v", resp, err)
	}
	resp.Body.Close()
	resp, err = http.PostForm("http://"+addrs.Nodes["EU"]["eu-sub1"]+"/emservice/EMServiceServlet",
		map[string][]string{"xml": {`<request><appInfo><appID>bcapp</appID><appCertificate>s3cret</appCertificate></appInfo><logoutAll/></request>`}})
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("EM: %v %v", resp, err)
	}
	resp.Body.Close()
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop")
	}
	if !strings.Contains(logs.String(), "operation=logoutAll") || strings.Contains(logs.String(), "s3cret") {
		t.Errorf("logs: %s", logs.String())
	}
}

func TestServeBadTopology(t *testing.T) {
	if _, _, err := run("serve", "--topology", "/nonexistent.yaml"); err == nil {
		t.Error("missing topology accepted")
	}
	if _, _, err := run("serve", "--topology", demo, "--log-level", "loud"); err == nil {
		t.Error("bad log level accepted")
	}
}
