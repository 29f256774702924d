package cucmsim

import (
	"regexp"
	"strings"
	"testing"
)

// listXML is a listPhone envelope for pattern with the given paging children.
func listXML(pattern, paging string) string {
	return `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns="http://www.cisco.com/AXL/API/14.0"><soapenv:Body><ns:listPhone><searchCriteria><name>` +
		pattern + `</name></searchCriteria><returnedTags><name/></returnedTags>` + paging + `</ns:listPhone></soapenv:Body></soapenv:Envelope>`
}

var phoneName = regexp.MustCompile(`<name>([^<]*)</name>`)

func names(body string) []string {
	var out []string
	for _, m := range phoneName.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

func TestAXLListPhone(t *testing.T) {
	h := newHarness(t)
	tests := []struct {
		name, user, pass, body string
		wantStatus             int
		want                   string // the names joined, or a part of the body
	}{
		{"first page", "bcapp", "s3cret", listXML("SEPE0000000000%", "<skip>0</skip><first>3</first>"), 200, "SEPE00000000001,SEPE00000000002,SEPE00000000003"},
		{"second page", "bcapp", "s3cret", listXML("sepe0000000000%", "<skip>3</skip><first>3</first>"), 200, "SEPE00000000004,SEPE00000000005,SEPE00000000006"},
		{"last page", "bcapp", "s3cret", listXML("SEPE0000000000%", "<skip>6</skip><first>3</first>"), 200, "SEPE00000000007,SEPE00000000008"},
		{"past the end", "bcapp", "s3cret", listXML("SEPE0000000000%", "<skip>9</skip><first>3</first>"), 200, "<return/>"},
		{"one character", "bcapp", "s3cret", listXML("SEP003094C25B_9", ""), 200, "SEP003094C25B49"},
		{"no match", "bcapp", "s3cret", listXML("NOSUCH%", ""), 200, "<return/>"},
		{"parse fault", "bcapp", "s3cret", listXML("%", "<first>-1</first>"), 500, "Unable to parse the listPhone request: first must be a non-negative integer"},
		{"no axl access", "noproxy", "n0proxy", listXML("%", ""), 401, "Unauthorized"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, body := h.soap(t, "EU/eu-pub", tt.user, tt.pass, tt.body)
			got := strings.Join(names(body), ",")
			if status != tt.wantStatus || (got != tt.want && !strings.Contains(body, tt.want)) {
				t.Errorf("got %d %s, want %d %s", status, body, tt.wantStatus, tt.want)
			}
		})
	}
	reqs := h.sim.clusters[0].reqs.list()
	fault, refused := reqs[len(reqs)-2], reqs[len(reqs)-1]
	if len(reqs) != len(tests) || fault.Operation != "listPhone" || fault.Device != "%" || fault.Status != 500 || fault.Code != nil {
		t.Errorf("request log: %d entries, parse fault %+v", len(reqs), fault)
	}
	if refused.Operation != "listPhone" || refused.AppID != "noproxy" || refused.Status != 401 {
		t.Errorf("refused request logged as %+v", refused)
	}
}

func TestAXLListPhoneFaults(t *testing.T) {
	h := newHarness(t)
	h.call(t, "POST", "/v1/clusters/EU/faults", map[string]any{"operation": "listPhone", "httpStatus": 503, "count": 1}, nil)
	if status, _ := h.soap(t, "EU/eu-pub", "bcapp", "s3cret", resetXML(`<deviceName>SEP1CE6C79BAF1F</deviceName>`)); status != 200 {
		t.Errorf("a listPhone fault hit doDeviceReset: %d", status)
	}
	if status, _ := h.soap(t, "EU/eu-pub", "bcapp", "s3cret", listXML("%", "")); status != 503 {
		t.Errorf("faulted listPhone: %d, want 503", status)
	}
	if status, body := h.soap(t, "EU/eu-pub", "bcapp", "s3cret", listXML("%", "")); status != 200 || len(names(body)) < 10 {
		t.Errorf("after the fault: %d %d phones", status, len(names(body)))
	}
}

func TestDeviceUserQueryMany(t *testing.T) {
	h := newHarness(t)
	if status, body := h.em(t, "EU/eu-pub", loginXML("SEPE00000000002", "EUUSER03")); status != 200 || !strings.Contains(body, "<success/>") {
		t.Fatalf("login: %d %s", status, body)
	}
	q := `<query>` + appInfo + `<deviceUserQuery><deviceName>SEPE00000000001</deviceName><deviceName>SEPE00000000002</deviceName><deviceName>SEPNOSUCH</deviceName></deviceUserQuery></query>`
	status, body := h.em(t, "EU/eu-pub", q)
	want := []string{`<device name="SEPE00000000001">` + "\n<none/>", `<device name="SEPE00000000002">` + "\n<userID>EUUSER03</userID>", `<device name="SEPNOSUCH">` + "\n<doesNotExist/>"}
	for _, w := range want {
		if status != 200 || !strings.Contains(body, w) {
			t.Errorf("answer %d %s lacks %q", status, body, w)
		}
	}
	reqs := h.sim.clusters[0].reqs.list()
	if e := reqs[len(reqs)-1]; e.Operation != "deviceUserQuery" || e.Device != "SEPE00000000001,SEPE00000000002,SEPNOSUCH" {
		t.Errorf("request log entry %+v", e)
	}
	h.call(t, "POST", "/v1/clusters/EU/faults", map[string]any{"operation": "deviceUserQuery", "device": "SEPNOSUCH", "emCode": 26, "count": 1}, nil)
	if _, body := h.em(t, "EU/eu-pub", q); !strings.Contains(body, `code="26"`) && !strings.Contains(body, "26") {
		t.Errorf("a fault on one of the devices: %s", body)
	}
}
