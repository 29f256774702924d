package main

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/emconnector/emconnector/cucmsim"
	"github.com/emconnector/emconnector/cucmsim/topology"
	"github.com/emconnector/emconnector/service"
	"github.com/emconnector/emconnector/service/emclient"
	"github.com/emconnector/emconnector/service/eventlog"
	"github.com/emconnector/emconnector/service/httpapi"
	"github.com/emconnector/emconnector/service/metrics"
)

// BenchmarkHotPath runs login+logout and getloggedinuser through the whole
// service in one process (the simulator's node handler, the EM client, the
// connector with its consumers, the HTTP adapter), wired as Run wires them,
// for profiling the service's share of a request:
//
//	go test ./cmd/bcservice -run '^$' -bench HotPath -cpuprofile /tmp/cpu.out
func BenchmarkHotPath(b *testing.B) {
	topo, err := topology.Load("../../testdata/topology/demo.yaml")
	if err != nil {
		b.Fatal(err)
	}
	sim, err := cucmsim.New(topo, cucmsim.Options{})
	if err != nil {
		b.Fatal(err)
	}
	node := httptest.NewServer(sim.NodeHandler("EU", "eu-pub"))
	defer node.Close()
	log := slog.New(slog.NewJSONHandler(io.Discard, nil))
	reg := metrics.New("bench")
	cfg := emclient.DefaultConfig("EU", node.URL+"/emservice/EMServiceServlet")
	cl, err := emclient.New(cfg, emclient.Options{Logger: log, Observer: reg})
	if err != nil {
		b.Fatal(err)
	}
	events := service.NewEmitter(eventlog.NewRequestLog(log), eventlog.NewAudit(log), reg)
	conn, err := service.NewConnector([]service.Cluster{cl}, service.Options{Default: "EU", Events: events})
	if err != nil {
		b.Fatal(err)
	}
	api := httptest.NewServer(httpapi.New(conn, httpapi.Options{Logger: log, Metrics: reg.Handler()}))
	defer api.Close()
	form := url.Values{"xml": {"<request><appID>bcapp</appID><appCertificate>s3cret</appCertificate></request>"}}.Encode()
	post := func(path string) {
		res, err := http.Post(api.URL+path, "application/x-www-form-urlencoded", strings.NewReader(form))
		if err != nil {
			b.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if !strings.Contains(string(body), "<code>0</code>") {
			b.Fatalf("%s: %s", path, body)
		}
	}
	b.Run("login+logout", func(b *testing.B) {
		for b.Loop() {
			post("/api/login/SEPE00000000001/ALMUSER01")
			post("/api/logout/SEPE00000000001")
		}
	})
	b.Run("getloggedinuser", func(b *testing.B) {
		for b.Loop() {
			post("/api/getloggedinuser/SEPE00000000001")
		}
	})
}
