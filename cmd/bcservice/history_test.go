package main

import (
	"context"
	"database/sql"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"log/slog"

	"github.com/emconnector/emconnector/cmd/bcservice/config"
	"github.com/emconnector/emconnector/service/fakecucm"
	"github.com/emconnector/emconnector/service/history"
	"github.com/emconnector/emconnector/service/metrics"
	"github.com/emconnector/emconnector/service/sqlite"
)

// With history.dsn set, every API request with a device or user is a row
// once Run has returned (the shutdown flushes), /metrics shows the
// writer, and the appCertificate is nowhere in the file.
func TestRunKeepsHistory(t *testing.T) {
	cucm := fakecucm.New("bcapp", "s3cret")
	cucm.AddDevice("SEP1CE6C79BAF1F")
	cucm.AddUser("ALMUSER01", "1234")
	node := httptest.NewServer(cucm.Handler())
	defer node.Close()

	dir := t.TempDir()
	dbPath := filepath.Join(dir, "history.db")
	cfgPath := writeConfig(t, node.URL)
	cfg, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	cfg = append(cfg, []byte("history: {dsn: \"sqlite:"+dbPath+"\"}\n")...)
	if err := os.WriteFile(cfgPath, cfg, 0o600); err != nil {
		t.Fatal(err)
	}
	addrFile := filepath.Join(dir, "addr.json")
	logs := &syncBuffer{}
	m := &Main{ConfigPath: cfgPath, AddrFile: addrFile, Stderr: logs}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx) }()
	addr := waitAddr(t, addrFile, done)

	get := func(path string) string {
		res, err := http.Get("http://" + addr + path)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}
	post := func(path string) {
		res, err := http.PostForm("http://"+addr+path, url.Values{"xml": {authXML}})
		if err != nil {
			t.Fatal(err)
		}
		// Read to the end: the connection is then reused, and the next request is read
		// only after this one's event was written (the history keeps that order).
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
	}
	get("/api/getversioninfo") // neither device nor user: not kept
	post("/api/login/SEP1CE6C79BAF1F/ALMUSER01")
	post("/api/getloggedinuser/SEP1CE6C79BAF1F")
	post("/api/logout/NOSUCHDEVICE")
	if body := get("/metrics"); !strings.Contains(body, "bcservice_history_dropped_total 0") ||
		!strings.Contains(body, "bcservice_history_queue_depth") {
		t.Errorf("/metrics lacks the history writer:\n%s", body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}

	db, err := sql.Open("sqlite", dbPath)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query("SELECT op, device, user_id, code, class, app_id, node FROM request_history ORDER BY seq")
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var got []string
	for rows.Next() {
		var op, device, user, class, app, node string
		var code int
		if err := rows.Scan(&op, &device, &user, &code, &class, &app, &node); err != nil {
			t.Fatal(err)
		}
		got = append(got, strings.Join([]string{op, device, user, class, app}, " "))
	}
	want := []string{
		"login SEP1CE6C79BAF1F ALMUSER01 success bcapp",
		"getloggedinuser SEP1CE6C79BAF1F ALMUSER01 success bcapp",
		"logout NOSUCHDEVICE  cucm_error bcapp",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("rows:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	raw, _ := os.ReadFile(dbPath)
	wal, _ := os.ReadFile(dbPath + "-wal")
	if strings.Contains(string(raw)+string(wal), "s3cret") {
		t.Error("the appCertificate reached the history file")
	}
	if !strings.Contains(logs.String(), "request history on") {
		t.Errorf("no start line in the log:\n%s", logs.String())
	}
}

// The rollup job runs where a dashboard serves the usage reports, and only
// there: with reports, the settled hours of the history are rolled up at
// start; without, nothing reads them and the rollups stay empty.
func TestRollupJobRunsWithTheDashboard(t *testing.T) {
	for _, tc := range []struct {
		name    string
		reports *config.ReportsConfig
		rolled  bool
	}{
		{"with a dashboard", &config.ReportsConfig{Zone: "UTC"}, true},
		{"without one", nil, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx := context.Background()
			path := filepath.Join(t.TempDir(), "history.db")
			st, err := sqlite.Open(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			day := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -2)
			if err := st.Insert(ctx, []history.Record{{Time: day.Add(8 * time.Hour), Op: "login", Device: "SEP1",
				User: "alice", Cluster: "EU", Class: "success", ID: "r1"}}); err != nil {
				t.Fatal(err)
			}
			_ = st.Close()
			cfg := config.HistoryConfig{DSN: "sqlite:" + path, Retention: 90 * 24 * time.Hour, QueueSize: 10,
				FlushTimeout: time.Second, RollupEvery: time.Hour}
			sq := sqlitePool(cfg)
			defer sq.Close()
			h := startHistory(cfg, tc.reports, slog.New(slog.DiscardHandler), metrics.New("test"), nil, sq)
			rs, err := history.RollupsOf(ctx, sq.History())
			if err != nil {
				t.Fatal(err)
			}
			watermark := func() int64 {
				s, err := rs.RollupState(ctx)
				if err != nil {
					t.Fatal(err)
				}
				return s.Watermark
			}
			deadline := time.Now().Add(10 * time.Second)
			for watermark() == 0 && time.Now().Before(deadline) && tc.rolled {
				time.Sleep(20 * time.Millisecond)
			}
			if !tc.rolled {
				time.Sleep(500 * time.Millisecond) // the job, were it started, runs at once
			}
			h.stop()
			if got := watermark() > 0; got != tc.rolled {
				t.Errorf("rolled up: %v, want %v", got, tc.rolled)
			}
		})
	}
}
