package eventlog

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/emconnector/emconnector/service"
)

func TestRequestLineAndAudit(t *testing.T) {
	tests := []struct {
		name      string
		ev        service.Event
		wantLevel string
		wantAudit bool
	}{
		{"login audited", service.Event{ID: "r1", Op: service.OpLogin, Device: "SEP1", User: "U1", Cluster: "EU", Code: 0,
			Class: service.ClassSuccess, Status: 200, AppID: "bcapp", PINFlow: true, Nodes: []string{"EU/n1:80"}, Attempts: 1,
			Fields: []service.Field{{Name: "until", Value: "2026-12-01T11:00:00Z"}}}, "INFO", true},
		{"query not audited", service.Event{ID: "r2", Op: service.OpLoggedInUser, Device: "SEP1", Status: 200}, "INFO", false},
		{"internal error", service.Event{ID: "r3", Op: service.OpLogout, Code: 500, Class: service.ClassError, Status: 500}, "ERROR", true},
		{"no operation", service.Event{ID: "r4", Code: 404, Status: 404}, "INFO", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			log := slog.New(slog.NewJSONHandler(&buf, nil))
			tt.ev.Start, tt.ev.Duration = time.Unix(0, 0), 3*time.Millisecond
			NewRequestLog(log).Consume(tt.ev)
			NewAudit(log).Consume(tt.ev)
			lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
			var req map[string]any
			if err := json.Unmarshal([]byte(lines[0]), &req); err != nil {
				t.Fatal(err)
			}
			if req["msg"] != "request" || req["level"] != tt.wantLevel || req["id"] != tt.ev.ID || req["code"] != float64(tt.ev.Code) {
				t.Errorf("request line %v", req)
			}
			if tt.ev.Op == "" && req["op"] != "none" {
				t.Errorf("op %v, want none", req["op"])
			}
			if tt.ev.Attempts > 0 && (req["attempts"] != float64(1) || req["until"] != "2026-12-01T11:00:00Z") {
				t.Errorf("attempts or fields missing: %v", req)
			}
			if got := len(lines) == 2; got != tt.wantAudit {
				t.Fatalf("audit written %v, want %v: %s", got, tt.wantAudit, buf.String())
			}
			if tt.wantAudit {
				var audit map[string]any
				_ = json.Unmarshal([]byte(lines[1]), &audit)
				if audit["msg"] != "audit" || audit["operation"] != string(tt.ev.Op) || audit["pinFlow"] != tt.ev.PINFlow {
					t.Errorf("audit %v", audit)
				}
			}
		})
	}
}
