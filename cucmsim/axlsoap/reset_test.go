package axlsoap

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func readGolden(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "testdata", "golden", "axl", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestDecodeDeviceReset(t *testing.T) {
	reset := func(inner string) string { return envelope(`<ns:doDeviceReset>` + inner + `</ns:doDeviceReset>`) }
	tests := []struct {
		name    string
		body    string
		want    ResetRequest
		wantErr string
	}{
		{name: "golden hard", body: readGolden(t, "dodevicereset_hard_request.xml"), want: ResetRequest{DeviceName: "SEP1CE6C79BAF1F", Hard: true}},
		{name: "golden restart", body: readGolden(t, "dodevicereset_restart_request.xml"), want: ResetRequest{DeviceName: "SEP1CE6C79BAF1F"}},
		{name: "neither kind: soft", body: reset(`<deviceName>SEP1</deviceName>`), want: ResetRequest{DeviceName: "SEP1"}},
		{name: "isHardReset false", body: reset(`<deviceName>SEP1</deviceName><isHardReset>false</isHardReset>`), want: ResetRequest{DeviceName: "SEP1"}},
		{name: "isHardReset t", body: reset(`<deviceName>SEP1</deviceName><isHardReset>t</isHardReset>`), want: ResetRequest{DeviceName: "SEP1", Hard: true}},
		{name: "deviceResetType Reset alone", body: reset(`<deviceName>SEP1</deviceName><deviceResetType>Reset</deviceResetType>`), want: ResetRequest{DeviceName: "SEP1", Hard: true}},
		{name: "deviceResetType wins over isHardReset true", body: reset(`<deviceName>SEP1</deviceName><isHardReset>true</isHardReset><deviceResetType>Restart</deviceResetType>`), want: ResetRequest{DeviceName: "SEP1"}},
		{name: "deviceResetType wins over isHardReset false", body: reset(`<deviceName>SEP1</deviceName><isHardReset>false</isHardReset><deviceResetType>Reset</deviceResetType>`), want: ResetRequest{DeviceName: "SEP1", Hard: true}},
		{name: "by uuid", body: reset(`<uuid> {ABC} </uuid><isHardReset>1</isHardReset>`), want: ResetRequest{UUID: "{ABC}", Hard: true}},
		{name: "blank name is kept blank", body: reset(`<deviceName/>`), want: ResetRequest{}},
		{name: "name and uuid", body: reset(`<deviceName>SEP1</deviceName><uuid>{ABC}</uuid>`), wantErr: "exactly one of deviceName and uuid"},
		{name: "no device", body: reset(`<isHardReset>true</isHardReset>`), wantErr: "exactly one of deviceName and uuid"},
		{name: "bad isHardReset", body: reset(`<deviceName>SEP1</deviceName><isHardReset>yes</isHardReset>`), wantErr: "isHardReset must be true or false"},
		{name: "bad isMGCP", body: reset(`<deviceName>SEP1</deviceName><isMGCP>2</isMGCP>`), wantErr: "isMGCP must be true or false"},
		{name: "bad deviceResetType", body: reset(`<deviceName>SEP1</deviceName><deviceResetType>reset</deviceResetType>`), wantErr: "deviceResetType must be Reset or Restart"},
		{name: "other method", body: envelope(`<ns:doAuthenticateUser><userid>U</userid></ns:doAuthenticateUser>`), wantErr: "not a SOAP envelope"},
		{name: "two methods", body: envelope(`<ns:doDeviceReset><deviceName>A</deviceName></ns:doDeviceReset><ns:doDeviceReset><deviceName>B</deviceName></ns:doDeviceReset>`), wantErr: "not a SOAP envelope"},
		{name: "doctype", body: `<!DOCTYPE x>` + reset(`<deviceName>SEP1</deviceName>`), wantErr: "not a SOAP envelope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := DecodeDeviceReset([]byte(tt.body))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestMethod(t *testing.T) {
	tests := map[string]string{
		readGolden(t, "dodevicereset_hard_request.xml"):                                           OpDeviceReset,
		envelope(`<ns:doAuthenticateUser><userid>U</userid><pin>1</pin></ns:doAuthenticateUser>`): OpAuthenticateUser,
		envelope(`<ns:getPhone><name>SEP1</name></ns:getPhone>`):                                  "getPhone",
		"<not-soap":  "",
		envelope(""): "",
	}
	for body, want := range tests {
		if got := Method([]byte(body)); got != want {
			t.Errorf("Method(%.60q) = %q, want %q", body, got, want)
		}
	}
}

func TestResetGolden(t *testing.T) {
	if got, want := string(ResetResponse("{6F3B1C0A-5E2D-5A4B-9C8D-7E6F5A4B3C2D}")), readGolden(t, "dodevicereset_response.xml"); got != want {
		t.Errorf("ResetResponse =\n%s\nwant\n%s", got, want)
	}
	if got, want := string(AXLFault(CodeItemNotValid, DeviceNotFound, OpDeviceReset)), readGolden(t, "dodevicereset_notfound_fault.xml"); got != want {
		t.Errorf("AXLFault =\n%s\nwant\n%s", got, want)
	}
	if got := string(AXLFault(1, "a<b", "m&n")); !strings.Contains(got, "<faultstring>a&lt;b</faultstring>") || !strings.Contains(got, "<request>m&amp;n</request>") {
		t.Errorf("AXLFault does not escape: %s", got)
	}
}
