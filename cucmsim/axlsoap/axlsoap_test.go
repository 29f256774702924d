package axlsoap

import (
	"encoding/xml"
	"strings"
	"testing"
)

func envelope(inner string) string {
	return `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns="http://www.cisco.com/AXL/API/14.0"><soapenv:Header/><soapenv:Body>` + inner + `</soapenv:Body></soapenv:Envelope>`
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name    string
		body    string
		want    Request
		wantErr bool
	}{
		{name: "ok", body: envelope(`<ns:doAuthenticateUser><userid>em@cisco.com</userid><pin>1234</pin></ns:doAuthenticateUser>`), want: Request{UserID: "em@cisco.com", PIN: "1234"}},
		{name: "no pin", body: envelope(`<ns:doAuthenticateUser><userid>U</userid></ns:doAuthenticateUser>`), want: Request{UserID: "U"}},
		{name: "other operation", body: envelope(`<ns:getUser><userid>U</userid></ns:getUser>`), wantErr: true},
		{name: "not xml", body: "pin=1234", wantErr: true},
		{name: "empty", body: "", wantErr: true},
		{name: "doctype", body: `<!DOCTYPE x>` + envelope(`<ns:doAuthenticateUser><userid>U</userid></ns:doAuthenticateUser>`), wantErr: true},
		{name: "too big", body: envelope(strings.Repeat(" ", MaxRequestBytes)), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Decode([]byte(tt.body))
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tt.wantErr)
			}
			if got != tt.want {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestEncode(t *testing.T) {
	want := `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><ns:doAuthenticateUserResponse xmlns:ns="http://www.cisco.com/AXL/API/14.0"><return><userAuthenticated>true</userAuthenticated><code>0</code><daysToExpiry>0</daysToExpiry><isWorkingPeriod>true</isWorkingPeriod></return></ns:doAuthenticateUserResponse></soapenv:Body></soapenv:Envelope>`
	if got := string(Response(true)); got != want {
		t.Errorf("Response(true) =\n%s\nwant\n%s", got, want)
	}
	if !strings.Contains(string(Response(false)), "<userAuthenticated>false<") {
		t.Error("Response(false) does not say false")
	}
	var f struct {
		Text string `xml:"Body>Fault>faultstring"`
	}
	if err := xml.Unmarshal(Fault("a<b & "+UserNotFound), &f); err != nil || f.Text != "a<b & "+UserNotFound {
		t.Errorf("Fault round trip = %q, %v", f.Text, err)
	}
}
