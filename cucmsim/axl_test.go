package cucmsim

import (
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
)

// resetXML is a doDeviceReset envelope with the given children.
func resetXML(inner string) string {
	return `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns="http://www.cisco.com/AXL/API/14.0"><soapenv:Body><ns:doDeviceReset>` + inner + `</ns:doDeviceReset></soapenv:Body></soapenv:Envelope>`
}

// soap posts body to a node's /axl/ with basic auth and returns status and body.
func (h *harness) soap(t *testing.T, node, user, pass, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest("POST", h.nodes[node]+"/axl/", strings.NewReader(body))
	req.SetBasicAuth(user, pass)
	req.Header.Set("Content-Type", "text/xml")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func axlGolden(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile("../testdata/golden/axl/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestAXLDeviceReset(t *testing.T) {
	h := newHarness(t)
	eu, _ := h.sim.Model().Cluster("EU")
	uuid := eu.DeviceUUID("SEP1CE6C79BAF1F")
	okBody := `<return>` + uuid + `</return>`
	tests := []struct {
		name, node, user, pass, body string
		wantStatus                   int
		wantBody                     string
		wantHistory                  int
	}{
		{"hard by isHardReset", "EU/eu-pub", "bcapp", "s3cret", axlGolden(t, "dodevicereset_hard_request.xml"), 200, okBody, 0},
		{"soft by deviceResetType Restart", "EU/eu-sub1", "bcapp", "s3cret", axlGolden(t, "dodevicereset_restart_request.xml"), 200, okBody, 12},
		{"hard by deviceResetType Reset", "EU/eu-pub", "bcapp", "s3cret", resetXML(`<deviceName>sep1ce6c79baf1f</deviceName><deviceResetType>Reset</deviceResetType>`), 200, okBody, 0},
		{"hard by uuid", "EU/eu-pub", "bcapp", "s3cret", resetXML(`<uuid>` + strings.ToLower(uuid) + `</uuid><isHardReset>true</isHardReset>`), 200, okBody, 0},
		{"unknown device", "EU/eu-pub", "bcapp", "s3cret", resetXML(`<deviceName>SEPNOSUCH</deviceName><isHardReset>true</isHardReset>`), 500, axlGolden(t, "dodevicereset_notfound_fault.xml"), 12},
		{"device of another cluster", "US/us-pub", "bcapp", "s3cret", resetXML(`<deviceName>SEP1CE6C79BAF1F</deviceName><isHardReset>true</isHardReset>`), 500, "<axlcode>5007</axlcode>", 12},
		{"bad isHardReset", "EU/eu-pub", "bcapp", "s3cret", resetXML(`<deviceName>SEP1CE6C79BAF1F</deviceName><isHardReset>yes</isHardReset>`), 500, "Unable to parse the doDeviceReset request: isHardReset must be true or false", 12},
		{"bad password", "EU/eu-pub", "bcapp", "nope", axlGolden(t, "dodevicereset_hard_request.xml"), 401, "Unauthorized", 12},
		{"no axl access", "EU/eu-pub", "noproxy", "n0proxy", axlGolden(t, "dodevicereset_hard_request.xml"), 401, "Unauthorized", 12},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h.call(t, "POST", "/v1/reset", nil, nil)
			status, body := h.soap(t, tt.node, tt.user, tt.pass, tt.body)
			if status != tt.wantStatus || !strings.Contains(body, tt.wantBody) {
				t.Errorf("got %d %s, want %d ~%s", status, body, tt.wantStatus, tt.wantBody)
			}
			var dev deviceJSON
			h.call(t, "GET", "/v1/clusters/EU/devices/SEP1CE6C79BAF1F", nil, &dev)
			if dev.CallHistory != tt.wantHistory {
				t.Errorf("callHistory = %d, want %d", dev.CallHistory, tt.wantHistory)
			}
			reqs := h.sim.clusters[0].reqs.list()
			if tt.node[:2] == "EU" && (len(reqs) != 1 || reqs[0].Operation != "doDeviceReset" || reqs[0].Code != nil || reqs[0].Status != status) {
				t.Errorf("request log = %+v", reqs)
			}
		})
	}
}

func TestAXLDeviceResetFaults(t *testing.T) {
	h := newHarness(t)
	hard := resetXML(`<deviceName>SEP1CE6C79BAF1F</deviceName><isHardReset>true</isHardReset>`)
	h.call(t, "POST", "/v1/clusters/EU/faults", map[string]any{"operation": "axl", "httpStatus": 502}, nil)
	if status, _ := h.soap(t, "EU/eu-pub", "bcapp", "s3cret", hard); status != 200 {
		t.Errorf("an axl fault hit doDeviceReset: %d", status)
	}
	h.call(t, "DELETE", "/v1/clusters/EU/faults", nil, nil)
	h.call(t, "POST", "/v1/clusters/EU/faults", map[string]any{"operation": "doDeviceReset", "device": "sep1ce6c79baf1f", "httpStatus": 503, "count": 1}, nil)
	h.call(t, "POST", "/v1/clusters/EU/faults", map[string]any{"operation": "doDeviceReset", "emCode": 6, "count": 1}, nil)
	h.call(t, "PUT", "/v1/clusters/EU/devices/SEP1CE6C79BAF1F/callHistory", map[string]any{"entries": 5}, nil)
	if status, _ := h.axl(t, "EU/eu-pub", "bcapp", "s3cret", "ALMUSER01", "1234"); status != 200 {
		t.Errorf("a doDeviceReset fault hit doAuthenticateUser: %d", status)
	}
	if status, _ := h.soap(t, "EU/eu-pub", "bcapp", "s3cret", hard); status != 503 {
		t.Errorf("device-scoped fault: %d, want 503", status)
	}
	status, body := h.soap(t, "EU/eu-pub", "bcapp", "s3cret", hard)
	if status != 500 || !strings.Contains(body, "<faultstring>Database Error</faultstring>") {
		t.Errorf("emCode fault: %d %s", status, body)
	}
	var dev deviceJSON
	h.call(t, "GET", "/v1/clusters/EU/devices/SEP1CE6C79BAF1F", nil, &dev)
	if dev.CallHistory != 5 || len(dev.Resets) != 1 { // the one before the faults
		t.Errorf("a faulted reset was performed: %+v", dev)
	}
	if status, _ := h.soap(t, "EU/eu-pub", "bcapp", "s3cret", hard); status != 200 {
		t.Errorf("after the counted faults: %d", status)
	}
	for _, e := range h.sim.clusters[0].reqs.list() {
		if e.Operation == "doDeviceReset" && (e.Code != nil || e.Device != "SEP1CE6C79BAF1F") {
			t.Errorf("log entry %+v", e)
		}
	}
}

func TestControlDevices(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		name, method, path string
		body               any
		want               int
	}{
		{"get", "GET", "/v1/clusters/eu/devices/sep1ce6c79baf1f", nil, 200},
		{"get unknown device", "GET", "/v1/clusters/EU/devices/SEPNOSUCH", nil, 404},
		{"get unknown cluster", "GET", "/v1/clusters/XX/devices/SEP1CE6C79BAF1F", nil, 404},
		{"put", "PUT", "/v1/clusters/EU/devices/SEP1CE6C79BAF1F/callHistory", map[string]any{"entries": 40}, 204},
		{"put zero", "PUT", "/v1/clusters/EU/devices/SEP1CE6C79BAF1F/callHistory", map[string]any{"entries": 0}, 204},
		{"put missing entries", "PUT", "/v1/clusters/EU/devices/SEP1CE6C79BAF1F/callHistory", map[string]any{}, 400},
		{"put negative", "PUT", "/v1/clusters/EU/devices/SEP1CE6C79BAF1F/callHistory", map[string]any{"entries": -1}, 400},
		{"put too many", "PUT", "/v1/clusters/EU/devices/SEP1CE6C79BAF1F/callHistory", map[string]any{"entries": MaxCallHistory + 1}, 400},
		{"put not a number", "PUT", "/v1/clusters/EU/devices/SEP1CE6C79BAF1F/callHistory", map[string]any{"entries": "many"}, 400},
		{"put unknown key", "PUT", "/v1/clusters/EU/devices/SEP1CE6C79BAF1F/callHistory", map[string]any{"entries": 1, "calls": 2}, 400},
		{"put unknown device", "PUT", "/v1/clusters/EU/devices/SEPNOSUCH/callHistory", map[string]any{"entries": 1}, 404},
	}
	for _, tt := range tests {
		if got := h.call(t, tt.method, tt.path, tt.body, nil); got != tt.want {
			t.Errorf("%s: %s %s = %d, want %d", tt.name, tt.method, tt.path, got, tt.want)
		}
	}
	var dev map[string]any
	h.call(t, "GET", "/v1/clusters/EU/devices/SEP1CE6C79BAF1F", nil, &dev)
	if dev["name"] != "SEP1CE6C79BAF1F" || dev["callHistory"] != float64(0) || dev["resets"] == nil || dev["uuid"] == "" {
		t.Errorf("device = %v", dev)
	}
	if st := h.call(t, "POST", "/v1/reset", nil, nil); st != 204 {
		t.Fatal(st)
	}
	h.call(t, "GET", "/v1/clusters/EU/devices/SEP1CE6C79BAF1F", nil, &dev)
	if dev["callHistory"] != float64(12) {
		t.Errorf("after reset: callHistory = %v, want the topology's 12", dev["callHistory"])
	}
}
