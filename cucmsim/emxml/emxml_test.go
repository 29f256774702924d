package emxml

import (
	"encoding/xml"
	"errors"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"unicode/utf8"
)

const golden = "../../testdata/golden/em/"

func readGolden(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(golden, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestEncodeMatchesGolden(t *testing.T) {
	tests := []struct {
		file string
		got  []byte
	}{
		{"success_response.xml", Success()},
		{"failure_code18_response.xml", Failure(18, "Another user logged in")},
		{"failure_code3_response.xml", Failure(3, "Could not authenticate 'appid'")},
		{"deviceuserresults_loggedin_response.xml", DeviceUserResults([]DeviceResult{{Name: "SEP402CF4915265", State: DeviceLoggedIn, UserID: "em@cisco.com"}})},
		{"deviceuserresults_none_response.xml", DeviceUserResults([]DeviceResult{{Name: "test_secure"}})},
		{"deviceuserresults_lastlogin_response.xml", DeviceUserResults([]DeviceResult{{Name: "test_secure", LastLogin: "em@cisco.com"}})},
		{"deviceuserresults_multi_response.xml", DeviceUserResults([]DeviceResult{{Name: "SEP402CF4915265", State: DeviceLoggedIn, UserID: "em@cisco.com"}, {Name: "test_secure"}, {Name: "SEPFFFFFFFFFFFF", State: DeviceDoesNotExist}})},
		{"checkuserresults_response.xml", CheckUserResults([]CheckUserResult{{ID: "EMuser", User: "EMuser"}})},
		{"checkuserresults_doesnotexist_response.xml", CheckUserResults([]CheckUserResult{{ID: "nobody"}})},
		{"deviceuserresults_doesnotexist_response.xml", DeviceUserResults([]DeviceResult{{Name: "SEPFFFFFFFFFFFF", State: DeviceDoesNotExist}})},
		{"userdevicesresults_response.xml", UserDevicesResults([]UserDevicesResult{{UserID: "john", Exists: true, Devices: []string{"SEP003094C25B15", "SEP003094C25B49"}}})},
		{"userdevicesresults_none_response.xml", UserDevicesResults([]UserDevicesResult{{UserID: "john", Exists: true}})},
		{"userdevicesresults_doesnotexist_response.xml", UserDevicesResults([]UserDevicesResult{{UserID: "x"}})},
		{"deviceprofileresults_response.xml", DeviceProfileResults([]UserProfilesResult{{UserID: "em@cisco.com", Exists: true, Profiles: []Profile{{Name: "EM-SCCP-Profile-7970"}, {Name: "EM-SIP-Profile-8845", Default: true}}}})},
	}
	files, _ := filepath.Glob(golden + "*_response.xml")
	covered := map[string]bool{}
	for _, tt := range tests {
		covered[tt.file] = true
		if want := strings.TrimRight(readGolden(t, tt.file), "\n"); string(tt.got) != want {
			t.Errorf("%s:\n got %s\nwant %s", tt.file, tt.got, want)
		}
	}
	for _, f := range files {
		if base := filepath.Base(f); !covered[base] && !strings.HasPrefix(base, "variant_") {
			t.Errorf("golden %s has no encoder test", base)
		}
	}
}

func TestDecodeGoldenRequests(t *testing.T) {
	app := Message{AppID: "appid", AppCertificate: "apppasswd"}
	with := func(m Message) *Message { m.AppID, m.AppCertificate = app.AppID, app.AppCertificate; return &m }
	tests := []struct {
		file string
		want *Message
	}{
		{"login_request.xml", with(Message{Op: OpLogin, DeviceName: "SEP003094C25B15", UserID: "john", DeviceProfile: "UserDevProf", TimeSet: true, Minutes: 60})},
		{"login_request_indefinite.xml", with(Message{Op: OpLogin, DeviceName: "SEP003094C25B15", UserID: "john", Indefinite: true})},
		{"logout_request.xml", with(Message{Op: OpLogout, DeviceName: "SEP003094C25B15"})},
		{"logoutall_request.xml", with(Message{Op: OpLogoutAll})},
		{"deviceuserquery_request.xml", with(Message{Op: OpDeviceUserQuery, Names: []string{"SEP003094C25B15"}})},
		{"deviceuserquery_multi_request.xml", with(Message{Op: OpDeviceUserQuery, Names: []string{"SEP402CF4915265", "test_secure", "SEPFFFFFFFFFFFF"}})},
		{"userdevicesquery_request.xml", with(Message{Op: OpUserDevicesQuery, Names: []string{"john"}})},
		{"deviceprofilequery_request.xml", with(Message{Op: OpDeviceProfileQuery, Names: []string{"john"}})},
		// The real EMApp request: a DOCTYPE naming an external DTD, appEncryptedCertificate.
		{"checkuser_request_emapp.xml", &Message{Op: OpCheckUser, AppID: "CCMSysUser", AppCertificate: "secret", Names: []string{"EMuser"}, RemoteIPAddr: "10.65.40.61"}},
	}
	files, _ := filepath.Glob(golden + "*_request*.xml")
	if len(files) != len(tests) {
		t.Errorf("%d golden requests, %d tested", len(files), len(tests))
	}
	for _, tt := range tests {
		got, err := Decode(readGolden(t, tt.file))
		if err != nil {
			t.Errorf("%s: %v", tt.file, err)
			continue
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s:\n got %+v\nwant %+v", tt.file, got, tt.want)
		}
	}
}

func TestDecodeErrors(t *testing.T) {
	const ai = `<appInfo><appID>a</appID><appCertificate>b</appCertificate></appInfo>`
	tests := []struct {
		name string
		doc  string
		want int
	}{
		{"empty", "", 1},
		{"blank", "  \n", 1},
		{"not xml", "hello", 1},
		{"unclosed", "<request>" + ai + "<logout><deviceName>X</deviceName></logout>", 1},
		{"mismatched", "<request></query>", 1},
		{"doctype", `<!DOCTYPE request [<!ENTITY x "y">]><request>` + ai + `<logoutAll/></request>`, 1},
		{"doctype with external id and subset", `<!DOCTYPE request SYSTEM "x.dtd" [<!ENTITY x "y">]><request>` + ai + `<logoutAll/></request>`, 1},
		{"doctype without external id", `<!DOCTYPE request><request>` + ai + `<logoutAll/></request>`, 1},
		{"entity declared externally", `<!DOCTYPE request SYSTEM "x.dtd"><request>` + ai + `<logout><deviceName>&x;</deviceName></logout></request>`, 1},
		{"other directive", `<!ENTITY x "y"><request>` + ai + `<logoutAll/></request>`, 1},
		{"doctype after root", `<request>` + ai + `<logoutAll/></request><!DOCTYPE request SYSTEM "x.dtd">`, 1},
		{"undefined entity", `<request>` + ai + `<logout><deviceName>&x;</deviceName></logout></request>`, 1},
		{"two roots", `<request>` + ai + `<logoutAll/></request><request/>`, 1},
		{"text after root", `<request>` + ai + `<logoutAll/></request>junk`, 1},
		{"too big", "<request>" + strings.Repeat(" ", MaxDocumentBytes) + "</request>", 1},
		{"too deep", strings.Repeat("<a>", 100) + strings.Repeat("</a>", 100), 1},
		{"bad time", `<request>` + ai + `<login><deviceName>D</deviceName><userID>U</userID><exclusiveDuration><time>soon</time></exclusiveDuration></login></request>`, 1},
		{"bad via", `<request>` + ai + `<logout><deviceName>D</deviceName><isViaHeaderSet>perhaps</isViaHeaderSet></logout></request>`, 1},
		{"query without names", `<query>` + ai + `<deviceUserQuery></deviceUserQuery></query>`, 1},
		{"two operations", `<request>` + ai + `<logoutAll/><logoutAll/></request>`, 1},
		{"unknown root", `<hello/>`, 8},
		{"unknown request", `<request>` + ai + `<reboot/></request>`, 8},
		{"unknown query", `<query>` + ai + `<whoIsThere><userID>u</userID></whoIsThere></query>`, 8},
		{"checkUser without user", `<query>` + ai + `<checkUser></checkUser></query>`, 1},
		{"request without operation", `<request>` + ai + `</request>`, 8},
		{"non-utf8 declared charset", `<?xml version="1.0" encoding="ISO-8859-1"?><request>` + ai + `<logoutAll/></request>`, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Decode(tt.doc)
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v, want *Error code %d", err, tt.want)
			}
			if e.Code != tt.want {
				t.Fatalf("got code %d (%s), want %d", e.Code, e.Text, tt.want)
			}
		})
	}
}

func TestDecodeVariants(t *testing.T) {
	doc := `<?xml version="1.0" encoding="UTF-8"?>
<query>
  <appInfo><appID> bcapp </appID><appEncryptedCertificate>s3cret</appEncryptedCertificate></appInfo>
  <!-- two devices -->
  <userDeviceProfileQuery><userID>em@cisco.com</userID><userID>b&amp;c</userID><remoteIPAddr>10.0.0.1</remoteIPAddr><isViaHeaderSet>true</isViaHeaderSet></userDeviceProfileQuery>
</query>`
	got, err := Decode(doc)
	if err != nil {
		t.Fatal(err)
	}
	want := &Message{Op: OpDeviceProfileQuery, AppID: "bcapp", AppCertificate: "s3cret", Names: []string{"em@cisco.com", "b&c"}, RemoteIPAddr: "10.0.0.1", IsViaHeaderSet: true}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
	if u := got.Users(); !reflect.DeepEqual(u, want.Names) {
		t.Errorf("Users() = %v", u)
	}
}

func TestEncodeUserID(t *testing.T) {
	tests := map[string]string{
		"john":         "john",
		"em@cisco.com": "em%40cisco.com",
		"a b/c":        "a%20b%2Fc",
		"Ünï":          "%C3%9Cn%C3%AF",
		"x-y_z.~":      "x-y_z.~",
		`<&">`:         "%3C%26%22%3E",
		"":             "",
	}
	for in, want := range tests {
		got := EncodeUserID(in)
		if got != want {
			t.Errorf("EncodeUserID(%q) = %q, want %q", in, got, want)
		}
		if back, err := url.PathUnescape(got); err != nil || back != in {
			t.Errorf("PathUnescape(%q) = %q, %v", got, back, err)
		}
	}
}

// TestEncodeIsWellFormed feeds hostile names through the encoder and checks encoding/xml
// reads the values back.
func TestEncodeIsWellFormed(t *testing.T) {
	for _, name := range []string{`a"b`, "<x>&amp;", "tab\there", "nul\x00", "bad\xffutf8", "line\nbreak", "cr\rx"} {
		body := DeviceUserResults([]DeviceResult{{Name: name}})
		var v struct {
			Devices []struct {
				Name string `xml:"name,attr"`
			} `xml:"deviceUserResults>device"`
		}
		if err := xml.Unmarshal(body, &v); err != nil {
			t.Errorf("name %q: %s is not well-formed: %v", name, body, err)
			continue
		}
		if strings.Contains(name, "\x00") || !utf8.ValidString(name) {
			continue // replaced by U+FFFD on purpose
		}
		if v.Devices[0].Name != name {
			t.Errorf("name %q came back as %q", name, v.Devices[0].Name)
		}
		fb := Failure(0, name)
		if err := xml.Unmarshal(fb, new(struct{})); err != nil {
			t.Errorf("failure text %q: not well-formed: %v", name, err)
		}
	}
}

func FuzzDecode(f *testing.F) {
	for _, s := range []string{"<request/>", "<query><appInfo/><deviceUserQuery><deviceName>x</deviceName></deviceUserQuery></query>", "<!DOCTYPE x>"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		m, err := Decode(doc)
		if err == nil && m == nil {
			t.Fatal("nil message without error")
		}
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || (e.Code != 1 && e.Code != 8) {
				t.Fatalf("unexpected error %v", err)
			}
		}
	})
}
