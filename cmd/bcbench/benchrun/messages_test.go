package benchrun

import (
	"encoding/xml"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func golden(t *testing.T, dir, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "..", "testdata", "golden", dir, name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestEMDeviceUserQueryForm(t *testing.T) {
	form, err := emDeviceUserQueryForm(appInfo{AppID: "appid", AppCertificate: "apppasswd"}, "SEP003094C25B15")
	if err != nil {
		t.Fatal(err)
	}
	v, err := url.ParseQuery(form)
	if err != nil {
		t.Fatalf("form %q: %v", form, err)
	}
	want := strings.TrimSpace(string(golden(t, "em", "deviceuserquery_request.xml")))
	if got := v.Get("xml"); got != want {
		t.Errorf("xml=%s\nwant %s", got, want)
	}
}

func TestEMDeviceUserQueryFormEscapes(t *testing.T) {
	form, err := emDeviceUserQueryForm(appInfo{AppID: "a<b", AppCertificate: "p&w\"d"}, "SEP&1")
	if err != nil {
		t.Fatal(err)
	}
	v, _ := url.ParseQuery(form)
	var q deviceUserQuery
	if err := xml.Unmarshal([]byte(v.Get("xml")), &q); err != nil {
		t.Fatalf("request not well-formed: %v", err)
	}
	if q.AppInfo.AppID != "a<b" || q.AppInfo.AppCertificate != "p&w\"d" || len(q.Devices) != 1 || q.Devices[0] != "SEP&1" {
		t.Errorf("round trip gave %+v", q)
	}
}

func TestCheckDeviceUserNone(t *testing.T) {
	tests := []struct {
		name    string
		body    []byte
		device  string
		wantErr string
	}{
		{"none", golden(t, "em", "deviceuserresults_none_response.xml"), "test_secure", ""},
		{"other device", golden(t, "em", "deviceuserresults_none_response.xml"), "test_secure2", "EM answer for another device"},
		{"logged in", golden(t, "em", "deviceuserresults_loggedin_response.xml"), "SEP402CF4915265", "EM device unexpectedly has a user"},
		{"logged in, pretty", golden(t, "em", "variant_pretty_deviceuserresults_response.xml"), "SEP402CF4915265", "EM device unexpectedly has a user"},
		{"does not exist", golden(t, "em", "deviceuserresults_doesnotexist_response.xml"), "SEPFFFFFFFFFFFF", "EM device doesNotExist"},
		{"failure", golden(t, "em", "failure_code3_response.xml"), "SEP1", "EM code 3"},
		{"errorMessage failure", golden(t, "em", "variant_failure_errormessage_response.xml"), "SEP1", "EM code 0"},
		{"success is no result", golden(t, "em", "success_response.xml"), "SEP1", "EM answer without one deviceUserResults/device"},
		{"garbage", []byte("<response><deviceUserResults"), "SEP1", "EM answer not XML"},
		{"empty", nil, "SEP1", "EM answer not XML"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := checkDeviceUserNone(tt.body, tt.device)
			if got := errText(err); got != tt.wantErr {
				t.Errorf("checkDeviceUserNone(%s)=%q, want %q", tt.name, got, tt.wantErr)
			}
		})
	}
}

func TestBCForm(t *testing.T) {
	form, err := bcForm(appInfo{AppID: "bcapp", AppCertificate: "s3cret"})
	if err != nil {
		t.Fatal(err)
	}
	v, _ := url.ParseQuery(form)
	want := "<request><appID>bcapp</appID><appCertificate>s3cret</appCertificate></request>"
	if got := v.Get("xml"); got != want {
		t.Errorf("xml=%s, want %s", got, want)
	}
}

func TestCheckBC(t *testing.T) {
	const free = "<?xml version='1.0' encoding='UTF-8'?>\n<response><result><deviceName>SEP1</deviceName><userID></userID><code>0</code><text>No user logged in on device SEP1</text></result></response>"
	const busy = "<?xml version='1.0' encoding='UTF-8'?>\n<response><result><deviceName>SEP1</deviceName><userID>U1</userID><code>1011</code><text>busy</text></result></response>"
	tests := []struct {
		name     string
		body     []byte
		device   string
		wantUser string
		wantErr  string
	}{
		{"getloggedinuser golden", golden(t, "bc", "getloggedinuser_success.xml"), "SEP001120F678E2", "ALMUSER01", ""},
		{"login golden", golden(t, "bc", "login_success.xml"), "SEP1CE6C79BAF1F", "ALMUSER01", ""},
		{"login other user", golden(t, "bc", "login_success.xml"), "SEP1CE6C79BAF1F", "ALMUSER02", "BC answer with another userID"},
		{"logout golden", golden(t, "bc", "logout_success.xml"), "SEP1CE6C79BAF1F", "-", ""},
		{"logout without userID when one is wanted", golden(t, "bc", "logout_success.xml"), "SEP1CE6C79BAF1F", "", "BC answer without userID"},
		{"nobody logged in", []byte(free), "SEP1", "", ""},
		{"nobody, wrong device", []byte(free), "SEP2", "", "BC answer for another device"},
		{"code", []byte(busy), "SEP1", "U1", "BC code 1011"},
		{"version info is no result", golden(t, "bc", "getversioninfo.xml"), "SEP1", "", "BC answer not XML"},
		{"garbage", []byte("not xml"), "SEP1", "", "BC answer not XML"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := errText(checkBC(tt.body, tt.device, tt.wantUser)); got != tt.wantErr {
				t.Errorf("checkBC(%s)=%q, want %q", tt.name, got, tt.wantErr)
			}
		})
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func TestEMActionForms(t *testing.T) {
	app := appInfo{AppID: "appid", AppCertificate: "apppasswd"}
	login, err := emLoginForm(app, "SEP003094C25B15", "john")
	if err != nil {
		t.Fatal(err)
	}
	logout, err := emLogoutForm(app, "SEP003094C25B15")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, form, want string
	}{
		// The golden login names a profile and a duration; the benchmark's uses the defaults.
		{"login", login, `<request><appInfo><appID>appid</appID><appCertificate>apppasswd</appCertificate></appInfo><login><deviceName>SEP003094C25B15</deviceName><userID>john</userID></login></request>`},
		{"logout", logout, strings.TrimSpace(string(golden(t, "em", "logout_request.xml")))},
	}
	for _, tt := range tests {
		v, err := url.ParseQuery(tt.form)
		if err != nil {
			t.Fatalf("%s: form %q: %v", tt.name, tt.form, err)
		}
		if got := v.Get("xml"); got != tt.want {
			t.Errorf("%s: xml=%s\nwant %s", tt.name, got, tt.want)
		}
	}
}

func TestCheckEMSuccess(t *testing.T) {
	tests := []struct {
		name    string
		body    []byte
		wantErr string
	}{
		{"success", golden(t, "em", "success_response.xml"), ""},
		{"failure", golden(t, "em", "failure_code18_response.xml"), "EM code 18"},
		{"query result", golden(t, "em", "deviceuserresults_none_response.xml"), "EM answer without success"},
		{"garbage", []byte("<response"), "EM answer not XML"},
	}
	for _, tt := range tests {
		if got := errText(checkEMSuccess(tt.body)); got != tt.wantErr {
			t.Errorf("checkEMSuccess(%s)=%q, want %q", tt.name, got, tt.wantErr)
		}
	}
}
