package emclient

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emconnector/emconnector/service"
)

func axlGolden(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "golden", "axl", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// axlServer answers every AXL request with status and body, recording what it got.
func axlServer(t *testing.T, status int, body string) (*httptest.Server, *[]*http.Request, *[]string) {
	t.Helper()
	var reqs []*http.Request
	var bodies []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		reqs, bodies = append(reqs, r), append(bodies, string(b))
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	return srv, &reqs, &bodies
}

func TestResetDevice(t *testing.T) {
	tests := []struct {
		name     string
		status   int
		body     string
		axlUser  string
		wantCode int
		wantUser string
	}{
		{"reset", 200, "", "", 0, "bcapp"},
		{"configured AXL user", 200, "", "axladmin", 0, "axladmin"},
		{"unknown device", 500, "notfound", "", service.CodeCUCMUnknownError, "bcapp"},
		{"credentials refused", 401, "", "", service.EMCodeAuth, "bcapp"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := axlGolden(t, "dodevicereset_response.xml")
			if tt.body == "notfound" {
				body = axlGolden(t, "dodevicereset_notfound_fault.xml")
			}
			srv, reqs, bodies := axlServer(t, tt.status, body)
			cfg := DefaultConfig("EU", srv.URL+"/emservice/EMServiceServlet")
			cfg.AXL = []string{srv.URL + "/axl/"}
			cfg.AXLUser, cfg.AXLPassword = tt.axlUser, "axlsecret"
			cl, err := New(cfg, Options{})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			err = cl.ResetDevice(ctx, service.Credentials{AppID: "bcapp", AppCertificate: "s3cret"}, "SEP1CE6C79BAF1F")
			if got := service.ErrorCode(err); got != tt.wantCode {
				t.Fatalf("ResetDevice = %v, want code %d", err, tt.wantCode)
			}
			if len(*reqs) != 1 {
				t.Fatalf("%d AXL requests, want 1", len(*reqs))
			}
			r, b := (*reqs)[0], (*bodies)[0]
			if u, _, _ := r.BasicAuth(); u != tt.wantUser || r.Header.Get("SOAPAction") != `"CUCM:DB ver=14.0 doDeviceReset"` {
				t.Errorf("user %q SOAPAction %q", u, r.Header.Get("SOAPAction"))
			}
			for _, want := range []string{"<ns:doDeviceReset>", "<deviceName>SEP1CE6C79BAF1F</deviceName>", "<isHardReset>true</isHardReset>", "<deviceResetType>Reset</deviceResetType>"} {
				if !strings.Contains(b, want) {
					t.Errorf("request lacks %s: %s", want, b)
				}
			}
			if err != nil && (strings.Contains(err.Error(), "s3cret") || strings.Contains(err.Error(), "axlsecret")) {
				t.Errorf("error %q leaks a secret", err)
			}
		})
	}
}

func TestDecodeDeviceReset(t *testing.T) {
	uuid, err := decodeDeviceReset([]byte(axlGolden(t, "dodevicereset_response.xml")))
	if err != nil || uuid != "{6F3B1C0A-5E2D-5A4B-9C8D-7E6F5A4B3C2D}" {
		t.Errorf("got %q, %v", uuid, err)
	}
	ans, err := decodeSOAP([]byte(axlGolden(t, "dodevicereset_notfound_fault.xml")), decodeDeviceReset)
	if err != nil || !ans.isFault || ans.fault != "Item not valid: The specified Device was not found" {
		t.Errorf("fault: %+v, %v", ans, err)
	}
	if _, err := decodeDeviceReset([]byte("<x/>")); err == nil {
		t.Error("garbage accepted")
	}
}
