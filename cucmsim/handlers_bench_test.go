package cucmsim

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/emconnector/emconnector/cucmsim/topology"
)

// benchSim is a simulator on a generated topology (clusters C1, C2; app user bcapp) whose
// logger formats every request line at info, as `make bench` runs it, into io.Discard.
func benchSim(b *testing.B) http.Handler {
	b.Helper()
	var buf bytes.Buffer
	if err := topology.Generate(&buf, topology.GenOptions{Devices: 2000, Users: 2000, Clusters: 2}); err != nil {
		b.Fatal(err)
	}
	topo, err := topology.Parse("bench.yaml", buf.Bytes())
	if err != nil {
		b.Fatal(err)
	}
	sim, err := New(topo, Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		b.Fatal(err)
	}
	return sim.NodeHandler("C1", "c1-node1")
}

// emForm is the form body of an EM document, as an EM client posts it.
func emForm(doc string) string { return url.Values{"xml": {doc}}.Encode() }

// serveForm posts body to the EMService through h and fails unless the answer contains want.
func serveForm(b *testing.B, h http.Handler, body, want string) {
	req := httptest.NewRequest(http.MethodPost, "/emservice/EMServiceServlet", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), want) {
		b.Fatalf("got %d %s, want 200 with %s", rec.Code, rec.Body.String(), want)
	}
}

// BenchmarkDeviceUserQuery is the direct scenario of `make bench`: one free device per query.
// It runs past the request log's size, so the log's steady state is included.
func BenchmarkDeviceUserQuery(b *testing.B) {
	h := benchSim(b)
	body := emForm(`<query><appInfo><appID>bcapp</appID><appCertificate>s3cret</appCertificate></appInfo>` +
		`<deviceUserQuery><deviceName>SEP000000000001</deviceName></deviceUserQuery></query>`)
	b.ReportAllocs()
	for b.Loop() {
		serveForm(b, h, body, "<device name=\"SEP000000000001\">\n<none/>")
	}
}

// BenchmarkLoginLogout is one login and one logout of the same device and user per iteration.
func BenchmarkLoginLogout(b *testing.B) {
	h := benchSim(b)
	const app = `<appInfo><appID>bcapp</appID><appCertificate>s3cret</appCertificate></appInfo>`
	login := emForm(`<request>` + app + `<login><deviceName>SEP000000000002</deviceName><userID>USER000002</userID></login></request>`)
	logout := emForm(`<request>` + app + `<logout><deviceName>SEP000000000002</deviceName></logout></request>`)
	b.ReportAllocs()
	for b.Loop() {
		serveForm(b, h, login, `<success/>`)
		serveForm(b, h, logout, `<success/>`)
	}
}
