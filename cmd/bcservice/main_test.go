package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emconnector/emconnector/service/fakecucm"
)

const authXML = "<request><appID>bcapp</appID><appCertificate>s3cret</appCertificate></request>"

// syncBuffer is a log sink safe for the server goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func writeConfig(t *testing.T, nodeURL string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "bc.yaml")
	cfg := "listen: \"127.0.0.1:0\"\nclusters:\n  - code: EU\n    default: true\n    nodes: [\"" + nodeURL + "/emservice/EMServiceServlet\"]\n"
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// waitAddr polls the address file with a deadline, generous because it
// costs nothing when the service starts and a loaded machine under -race
// can be slow to start it.
func waitAddr(t *testing.T, path string, done <-chan error) string {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			t.Fatalf("Run ended early: %v", err)
		default:
		}
		if b, err := os.ReadFile(path); err == nil {
			var v struct{ Listen string }
			if err := json.Unmarshal(b, &v); err != nil {
				t.Fatalf("addr file %q: %v", b, err)
			}
			return v.Listen
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatal("addr file never written")
	return ""
}

func TestRunServesAndDrains(t *testing.T) {
	cucm := fakecucm.New("bcapp", "s3cret")
	cucm.AddDevice("SEP1CE6C79BAF1F")
	cucm.AddUser("ALMUSER01", "1234")
	entered, release := make(chan struct{}), make(chan struct{})
	var once sync.Once
	cucm.SetHook(func(w http.ResponseWriter, m fakecucm.Message) bool {
		if m.Op == "login" {
			once.Do(func() { close(entered) })
			<-release
		}
		return false
	})
	node := httptest.NewServer(cucm.Handler())
	defer node.Close()

	logs := &syncBuffer{}
	addrFile := filepath.Join(t.TempDir(), "addr.json")
	m := &Main{ConfigPath: writeConfig(t, node.URL), AddrFile: addrFile, LogFormat: "json", Stderr: logs}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	addr := waitAddr(t, addrFile, done)

	res, err := http.Get("http://" + addr + "/api/getversioninfo")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("getversioninfo status %d", res.StatusCode)
	}

	// A login in flight when shutdown starts must still be answered.
	type answer struct {
		body string
		err  error
	}
	inflight := make(chan answer, 1)
	go func() {
		res, err := http.PostForm("http://"+addr+"/api/login/SEP1CE6C79BAF1F/ALMUSER01", url.Values{"xml": {authXML}})
		if err != nil {
			inflight <- answer{err: err}
			return
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		inflight <- answer{string(b), err}
	}()
	<-entered
	cancel()
	// Poll until the listener refuses new connections, then let CUCM answer
	// (a generous deadline: it only bounds how long a failure takes to show).
	deadline := time.Now().Add(30 * time.Second)
	for {
		c, err := http.Get("http://" + addr + "/api/getversioninfo")
		if err != nil {
			break
		}
		c.Body.Close()
		if time.Now().After(deadline) {
			t.Fatal("listener still accepting after shutdown started")
		}
		time.Sleep(5 * time.Millisecond)
	}
	close(release)
	a := <-inflight
	if a.err != nil || !strings.Contains(a.body, "<code>0</code>") {
		t.Errorf("in-flight login: %q, %v; want code 0", a.body, a.err)
	}
	if err := <-done; err != nil {
		t.Errorf("Run: %v", err)
	}
	out := logs.String()
	if !strings.Contains(out, `"op":"login"`) || strings.Contains(out, "s3cret") {
		t.Errorf("logs: %s", out)
	}
}

func TestCheckConfig(t *testing.T) {
	t.Setenv("BC_DASHBOARD_APP_CERTIFICATE", "s3cret") // the demo dashboard's, set by run-demo.sh
	good := writeConfig(t, "http://127.0.0.1:1")
	bad := filepath.Join(t.TempDir(), "bad.yaml")
	if err := os.WriteFile(bad, []byte("clusters: [{code: EU, nodes: [\"ftp://x\"]}]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	several := filepath.Join(t.TempDir(), "several.yaml")
	if err := os.WriteFile(several, []byte("listen: \"127.0.0.1:99999\"\nrequestTimeout: 10\nclusters: [{code: EU, nodes: [\"http://x\"]}]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		args    []string
		wantErr bool
		wantOut string
	}{
		{"good", []string{"bcservice", "check-config", good}, false, "config OK"},
		{"demo", []string{"bcservice", "check-config", filepath.Join("..", "..", "testdata", "config", "demo.yaml")}, false, "config OK"},
		{"bad", []string{"bcservice", "check-config", bad}, true, "clusters[0].nodes[0]"},
		{"several problems", []string{"bcservice", "check-config", several}, true, "2 problems:\n  listen (line 1): \"127.0.0.1:99999\": port 99999 is out of range (0..65535)\n  requestTimeout (line 2): "},
		{"missing file", []string{"bcservice", "check-config", "/nonexistent.yaml"}, true, "nonexistent"},
		{"no argument", []string{"bcservice", "check-config"}, true, "FILE"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			err := newApp(&stdout, &stderr).Run(tt.args)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err %v, wantErr %v", err, tt.wantErr)
			}
			if !strings.Contains(stdout.String()+stderr.String(), tt.wantOut) {
				t.Errorf("output %q %q lacks %q", stdout.String(), stderr.String(), tt.wantOut)
			}
		})
	}
}

// TestServeWithoutConfig: serve says what is missing rather than only
// printing the help.
func TestServeWithoutConfig(t *testing.T) {
	t.Setenv("BC_CONFIG", "")
	var stdout, stderr bytes.Buffer
	if err := newApp(&stdout, &stderr).Run([]string{"bcservice", "serve"}); err == nil {
		t.Fatal("serve without --config succeeded")
	}
	if got := stderr.String(); got != "bcservice: --config FILE is required (or BC_CONFIG)\n" {
		t.Errorf("stderr %q", got)
	}
}

func TestEnvOverridesFile(t *testing.T) {
	t.Setenv("BC_LOG_LEVEL", "loud")
	var stdout, stderr bytes.Buffer
	err := newApp(&stdout, &stderr).Run([]string{"bcservice", "serve", "--config", writeConfig(t, "http://127.0.0.1:1")})
	if err == nil || !strings.Contains(err.Error(), "log.level") {
		t.Errorf("BC_LOG_LEVEL not applied: %v", err)
	}
	t.Setenv("BC_LOG_LEVEL", "")
	t.Setenv("BC_LISTEN", "not-an-address")
	err = newApp(&stdout, &stderr).Run([]string{"bcservice", "serve", "--config", writeConfig(t, "http://127.0.0.1:1")})
	if err == nil || !strings.Contains(err.Error(), "listen") {
		t.Errorf("BC_LISTEN not applied: %v", err)
	}
}

// With server.drainDelay, a stopping service keeps serving for that long
// while /readyz answers 503 "draining", then closes its listener. The delay
// is the window in which the test must ask /readyz: 3 s, so that a loaded
// machine under -race cannot make the question come after it (the lower
// bound checked at the end cannot be broken by load).
func TestDrainDelayKeepsServingWhileNotReady(t *testing.T) {
	node := httptest.NewServer(fakecucm.New("bcapp", "s3cret").Handler())
	defer node.Close()
	cfg := writeConfig(t, node.URL)
	f, err := os.OpenFile(cfg, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	const drainDelay = 3 * time.Second
	_, _ = fmt.Fprintf(f, "server: {drainDelay: %s}\n", drainDelay)
	f.Close()
	addrFile := filepath.Join(t.TempDir(), "addr.json")
	m := &Main{ConfigPath: cfg, AddrFile: addrFile, Stderr: &syncBuffer{}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	addr := waitAddr(t, addrFile, done)
	stopped := time.Now()
	cancel()
	for !m.draining.Load() {
		time.Sleep(time.Millisecond)
	}
	res, err := http.Get("http://" + addr + "/readyz")
	if err != nil {
		t.Fatalf("the draining service no longer serves: %v", err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusServiceUnavailable || !strings.Contains(string(body), `"status":"draining"`) {
		t.Errorf("/readyz while draining = %d %s", res.StatusCode, body)
	}
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if d := time.Since(stopped); d < drainDelay {
		t.Errorf("stopped after %v, before the drain delay", d)
	}
}
