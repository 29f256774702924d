package features

import (
	"encoding/xml"
	"fmt"
	"os"
	"strconv"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// The test side's own EM XML: request builders and a tiny response decoder. It deliberately
// shares nothing with cucmsim/emxml or service/emclient, so the suites check the wire format
// independently of both codecs.

// Credentials of the demo topology (testdata/topology/demo.yaml).
const (
	appID   = "bcapp"
	appCert = "s3cret"
)

// esc escapes text for an XML element body.
func esc(s string) string {
	var b strings.Builder
	if err := xml.EscapeText(&b, []byte(s)); err != nil {
		panic(err) // a strings.Builder never fails
	}
	return b.String()
}

func appInfo(id, cert string) string {
	return "<appInfo><appID>" + esc(id) + "</appID><appCertificate>" + esc(cert) + "</appCertificate></appInfo>"
}

// emLogin describes one <login> request. Zero values leave optional elements out; AppID
// empty means the demo's bcapp/s3cret.
type emLogin struct {
	AppID, Cert    string
	Device, User   string
	Profile        string
	Minutes        int // > 0: <exclusiveDuration><time>N</time>
	RawMinutes     string
	Indefinite     bool
	RemoteIP       string
	ViaHeaderSet   bool
	WithViaElement bool
}

func (l emLogin) XML() string {
	id, cert := l.AppID, l.Cert
	if id == "" {
		id, cert = appID, appCert
	}
	var b strings.Builder
	b.WriteString("<request>" + appInfo(id, cert) + "<login>")
	b.WriteString("<deviceName>" + esc(l.Device) + "</deviceName><userID>" + esc(l.User) + "</userID>")
	if l.Profile != "" {
		b.WriteString("<deviceProfile>" + esc(l.Profile) + "</deviceProfile>")
	}
	switch {
	case l.RawMinutes != "":
		b.WriteString("<exclusiveDuration><time>" + esc(l.RawMinutes) + "</time></exclusiveDuration>")
	case l.Minutes > 0:
		b.WriteString("<exclusiveDuration><time>" + strconv.Itoa(l.Minutes) + "</time></exclusiveDuration>")
	case l.Indefinite:
		b.WriteString("<exclusiveDuration><indefinite/></exclusiveDuration>")
	}
	if l.RemoteIP != "" {
		b.WriteString("<remoteIPAddr>" + esc(l.RemoteIP) + "</remoteIPAddr>")
	}
	if l.ViaHeaderSet || l.WithViaElement {
		b.WriteString("<isViaHeaderSet>" + strconv.FormatBool(l.ViaHeaderSet) + "</isViaHeaderSet>")
	}
	b.WriteString("</login></request>")
	return b.String()
}

// loginXML is the common case: bcapp logs user onto device with the default profile.
func loginXML(device, user string) string { return emLogin{Device: device, User: user}.XML() }

// logoutXMLAs is a <logout> request with explicit credentials.
func logoutXMLAs(id, cert, device string) string {
	return "<request>" + appInfo(id, cert) + "<logout><deviceName>" + esc(device) + "</deviceName></logout></request>"
}

func logoutXML(device string) string { return logoutXMLAs(appID, appCert, device) }

func logoutAllXML() string {
	return "<request>" + appInfo(appID, appCert) + "<logoutAll></logoutAll></request>"
}

// queryXML builds <query> with one child element naming each of names in an itemTag element.
func queryXMLAs(id, cert, kind, itemTag string, names ...string) string {
	var b strings.Builder
	b.WriteString("<query>" + appInfo(id, cert) + "<" + kind + ">")
	for _, n := range names {
		b.WriteString("<" + itemTag + ">" + esc(n) + "</" + itemTag + ">")
	}
	b.WriteString("</" + kind + "></query>")
	return b.String()
}

func deviceUserQueryXML(devices ...string) string {
	return queryXMLAs(appID, appCert, "deviceUserQuery", "deviceName", devices...)
}

func userDevicesQueryXML(users ...string) string {
	return queryXMLAs(appID, appCert, "userDevicesQuery", "userID", users...)
}

func deviceProfileQueryXML(users ...string) string {
	return queryXMLAs(appID, appCert, "deviceProfileQuery", "userID", users...)
}

// emResponse is every documented <response> shape at once; exactly one part is set.
type emResponse struct {
	XMLName              xml.Name
	Success              *struct{}       `xml:"success"`
	Failure              *emFailure      `xml:"failure"`
	DeviceUserResults    []emDevice      `xml:"deviceUserResults>device"`
	UserDevicesResults   []emUser        `xml:"userDevicesResults>user"`
	DeviceProfileResults []emProfileUser `xml:"deviceProfileResults>user"`
	Raw                  string          `xml:"-"`
}

type emFailure struct {
	Error struct {
		Code string `xml:"code,attr"`
		Text string `xml:",chardata"`
	} `xml:"error"`
}

type emDevice struct {
	Name         string    `xml:"name,attr"`
	UserID       *string   `xml:"userID"`
	LastLogin    *string   `xml:"lastlogin"`
	EMCCDevice   *string   `xml:"emccDevice"`
	None         *struct{} `xml:"none"`
	DoesNotExist *struct{} `xml:"doesNotExist"`
}

// String is a compact, comparable form: "SEP…:none", "SEP…:none,last=ENC" (free, last user
// known), "SEP…:doesNotExist" or "SEP…:user=ENC,last=ENC,emcc=no".
func (d emDevice) String() string {
	switch {
	case d.None != nil && d.LastLogin != nil:
		return d.Name + ":none,last=" + *d.LastLogin
	case d.None != nil:
		return d.Name + ":none"
	case d.DoesNotExist != nil:
		return d.Name + ":doesNotExist"
	case d.UserID != nil:
		return fmt.Sprintf("%s:user=%s,last=%s,emcc=%s", d.Name, *d.UserID, deref(d.LastLogin), deref(d.EMCCDevice))
	}
	return d.Name + ":?"
}

type emUser struct {
	ID           string    `xml:"id,attr"`
	DeviceNames  []string  `xml:"deviceName"`
	None         *struct{} `xml:"none"`
	DoesNotExist *struct{} `xml:"doesNotExist"`
}

// String is "ENC:none", "ENC:doesNotExist" or "ENC:DEV1,DEV2".
func (u emUser) String() string {
	switch {
	case u.None != nil:
		return u.ID + ":none"
	case u.DoesNotExist != nil:
		return u.ID + ":doesNotExist"
	}
	return u.ID + ":" + strings.Join(u.DeviceNames, ",")
}

type emProfileUser struct {
	ID       string `xml:"id,attr"`
	Profiles []struct {
		Name      string `xml:"deviceProfileName"`
		IsDefault string `xml:"isDefaultDeviceProfile"`
	} `xml:"deviceProfile"`
	Failure *emFailure `xml:"failure"`
}

// String is "ENC:P1=t,P2=f" or "ENC:failure=23 TEXT".
func (u emProfileUser) String() string {
	if u.Failure != nil {
		return u.ID + ":failure=" + u.Failure.Error.Code + " " + u.Failure.Error.Text
	}
	parts := make([]string, 0, len(u.Profiles))
	for _, p := range u.Profiles {
		parts = append(parts, p.Name+"="+p.IsDefault)
	}
	return u.ID + ":" + strings.Join(parts, ",")
}

func deref(p *string) string {
	if p == nil {
		return "<absent>"
	}
	return *p
}

// decodeEM parses a response body; a body that is not a <response> fails the spec.
func decodeEM(body string) emResponse {
	GinkgoHelper()
	var r emResponse
	Expect(xml.Unmarshal([]byte(body), &r)).To(Succeed(), "EM response is not XML: %q", body)
	Expect(r.XMLName.Local).To(Equal("response"), "root element of %q", body)
	r.Raw = body
	return r
}

// Code is the response's EM code: 0 for <success/>, N for <failure><error code="N">, -1 for a
// result document.
func (r emResponse) Code() int {
	GinkgoHelper()
	if r.Success != nil {
		return 0
	}
	if r.Failure != nil {
		n, err := strconv.Atoi(r.Failure.Error.Code)
		Expect(err).NotTo(HaveOccurred(), "error code attribute in %q", r.Raw)
		return n
	}
	return -1
}

// Text is the failure text ("" on success).
func (r emResponse) Text() string {
	if r.Failure == nil {
		return ""
	}
	return r.Failure.Error.Text
}

// Devices, Users and Profiles give the compact forms of the result lists.
func (r emResponse) Devices() []string { return stringsOf(r.DeviceUserResults) }
func (r emResponse) Users() []string   { return stringsOf(r.UserDevicesResults) }
func (r emResponse) Profiles() []string {
	return stringsOf(r.DeviceProfileResults)
}

func stringsOf[T fmt.Stringer](items []T) []string {
	out := make([]string, 0, len(items))
	for _, it := range items {
		out = append(out, it.String())
	}
	return out
}

// golden reads a golden EM response; the files carry no trailing newline that matters.
func golden(name string) string {
	GinkgoHelper()
	data, err := os.ReadFile(repoPath("testdata/golden/em/" + name))
	Expect(err).NotTo(HaveOccurred())
	return strings.TrimRight(string(data), "\n")
}

// failureXML is the exact failure body the contract fixes. The texts used in the suites hold
// no XML-special characters except the apostrophe, which the simulator writes unescaped (as
// the golden failure_code3_response.xml does).
func failureXML(code int, text string) string {
	return fmt.Sprintf(`<response><failure><error code="%d">%s</error></failure></response>`, code, text)
}

// successXML is the success of login, logout and logoutAll as a real CUCM 12.0 sends it
// (testdata/golden/em/success_response.xml).
const successXML = "<?xml version=\"1.0\"?>\n<response>\n<success/>\n</response>"
