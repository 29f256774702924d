package cucmsim

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/emconnector/emconnector/cucmsim/topology"
)

// benchSim is a simulator on a generated topology (clusters C1, C2; app user bcapp) whose
// logger formats every request line at info, as `make bench` runs it, into io.Discard.
func benchSim(b *testing.B) http.Handler {
	b.Helper()
	return newBenchSim(b).NodeHandler("C1", "c1-node1")
}

func newBenchSim(b *testing.B) *Sim {
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
	return sim
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
	loginLogoutLoop(b, benchSim(b))
}

// BenchmarkLoginLogoutWatched is BenchmarkLoginLogout with 50 request stream subscribers
// that match every request: compare it with BenchmarkLoginLogout to see what watchers cost
// the EM handlers. "stalled" subscribers never read (every event is dropped and counted, the
// handlers' own cost); "drained" ones are read by a goroutine each that encodes the events as
// the stream does, which on a small machine competes with the handlers for CPU.
func BenchmarkLoginLogoutWatched(b *testing.B) {
	for _, drained := range []bool{false, true} {
		name := map[bool]string{false: "stalled", true: "drained"}[drained]
		b.Run(name, func(b *testing.B) {
			sim := newBenchSim(b)
			var wg sync.WaitGroup
			b.Cleanup(wg.Wait) // cleanups run last-in first-out: this one after every close
			for range 50 {
				sub := sim.stream.subscribe(StreamFilter{})
				if drained {
					wg.Go(func() {
						for ev := range sub.events {
							_ = writeEvent(io.Discard, sub, &ev)
						}
					})
				}
				b.Cleanup(func() { sim.stream.unsubscribe(sub); close(sub.events) })
			}
			loginLogoutLoop(b, sim.NodeHandler("C1", "c1-node1"))
		})
	}
}

// loginLogoutLoop logs USER000002 into SEP000000000002 and out again, once an iteration.
func loginLogoutLoop(b *testing.B, h http.Handler) {
	const app = `<appInfo><appID>bcapp</appID><appCertificate>s3cret</appCertificate></appInfo>`
	login := emForm(`<request>` + app + `<login><deviceName>SEP000000000002</deviceName><userID>USER000002</userID></login></request>`)
	logout := emForm(`<request>` + app + `<logout><deviceName>SEP000000000002</deviceName></logout></request>`)
	b.ReportAllocs()
	for b.Loop() {
		serveForm(b, h, login, `<success/>`)
		serveForm(b, h, logout, `<success/>`)
	}
}
