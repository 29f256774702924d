package emxml

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Responses carry no XML declaration and no whitespace, exactly like the golden files.

// Success is `<response><success/></response>`.
func Success() []byte { return []byte("<response><success/></response>") }

// Failure is `<response><failure><error code="N">TEXT</error></failure></response>`.
func Failure(code int, text string) []byte {
	var b strings.Builder
	b.WriteString(`<response><failure>`)
	writeError(&b, code, text)
	b.WriteString(`</failure></response>`)
	return []byte(b.String())
}

// MethodNotAllowed is the body of the 403 for methods other than GET and POST.
func MethodNotAllowed(method string) []byte {
	return Failure(0, "Method "+method+" not allowed")
}

func writeError(b *strings.Builder, code int, text string) {
	b.WriteString(`<error code="`)
	b.WriteString(strconv.Itoa(code))
	b.WriteString(`">`)
	escape(b, text, false)
	b.WriteString(`</error>`)
}

// DeviceState says what deviceUserQuery found on a device.
type DeviceState int

// The states of a device in deviceUserResults.
const (
	DeviceNone         DeviceState = iota // <none/>
	DeviceLoggedIn                        // <userID>…<lastlogin>…<emccDevice>…
	DeviceDoesNotExist                    // <doesNotExist/>
)

// DeviceResult is one <device> of deviceUserResults.
type DeviceResult struct {
	Name   string
	State  DeviceState
	UserID string
	EMCC   bool
}

// DeviceUserResults encodes a deviceUserQuery answer. A logged-in device shows the encoded
// user in both <userID> and <lastlogin> (see testdata/golden/em/README.md).
func DeviceUserResults(results []DeviceResult) []byte {
	var b strings.Builder
	b.WriteString(`<response><deviceUserResults>`)
	for _, r := range results {
		b.WriteString(`<device name="`)
		escape(&b, r.Name, true)
		b.WriteString(`">`)
		switch r.State {
		case DeviceLoggedIn:
			enc := EncodeUserID(r.UserID)
			b.WriteString(`<userID>` + enc + `</userID><lastlogin>` + enc + `</lastlogin><emccDevice>`)
			if r.EMCC {
				b.WriteString(`yes`)
			} else {
				b.WriteString(`no`)
			}
			b.WriteString(`</emccDevice>`)
		case DeviceDoesNotExist:
			b.WriteString(`<doesNotExist/>`)
		default:
			b.WriteString(`<none/>`)
		}
		b.WriteString(`</device>`)
	}
	b.WriteString(`</deviceUserResults></response>`)
	return []byte(b.String())
}

// UserDevicesResult is one <user> of userDevicesResults.
type UserDevicesResult struct {
	UserID  string
	Exists  bool
	Devices []string
}

// UserDevicesResults encodes a userDevicesQuery answer.
func UserDevicesResults(results []UserDevicesResult) []byte {
	var b strings.Builder
	b.WriteString(`<response><userDevicesResults>`)
	for _, r := range results {
		b.WriteString(`<user id="` + EncodeUserID(r.UserID) + `">`)
		switch {
		case !r.Exists:
			b.WriteString(`<doesNotExist/>`)
		case len(r.Devices) == 0:
			b.WriteString(`<none/>`)
		default:
			for _, d := range r.Devices {
				b.WriteString(`<deviceName>`)
				escape(&b, d, false)
				b.WriteString(`</deviceName>`)
			}
		}
		b.WriteString(`</user>`)
	}
	b.WriteString(`</userDevicesResults></response>`)
	return []byte(b.String())
}

// Profile is one <deviceProfile> of deviceProfileResults.
type Profile struct {
	Name    string
	Default bool
}

// UserProfilesResult is one <user> of deviceProfileResults.
type UserProfilesResult struct {
	UserID   string
	Exists   bool
	Profiles []Profile
}

// DeviceProfileResults encodes a deviceProfileQuery answer; an unknown user gets the per-user
// failure `<error code="23">User does not exist</error>`.
func DeviceProfileResults(results []UserProfilesResult) []byte {
	var b strings.Builder
	b.WriteString(`<response><deviceProfileResults>`)
	for _, r := range results {
		b.WriteString(`<user id="` + EncodeUserID(r.UserID) + `">`)
		if !r.Exists {
			b.WriteString(`<failure>`)
			writeError(&b, 23, "User does not exist")
			b.WriteString(`</failure>`)
		}
		for _, p := range r.Profiles {
			b.WriteString(`<deviceProfile><deviceProfileName>`)
			escape(&b, p.Name, false)
			b.WriteString(`</deviceProfileName><isDefaultDeviceProfile>`)
			if p.Default {
				b.WriteString(`t`)
			} else {
				b.WriteString(`f`)
			}
			b.WriteString(`</isDefaultDeviceProfile></deviceProfile>`)
		}
		b.WriteString(`</user>`)
	}
	b.WriteString(`</deviceProfileResults></response>`)
	return []byte(b.String())
}

// EncodeUserID percent-encodes a user ID as CUCM does in results: every byte outside
// A-Za-z0-9-_.~ becomes %XX (upper-case hex), so em@cisco.com is em%40cisco.com. The result
// needs no further XML escaping.
func EncodeUserID(id string) string {
	const hex = "0123456789ABCDEF"
	var b strings.Builder
	b.Grow(len(id))
	for i := 0; i < len(id); i++ {
		c := id[i]
		if c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~' {
			b.WriteByte(c)
			continue
		}
		b.WriteByte('%')
		b.WriteByte(hex[c>>4])
		b.WriteByte(hex[c&0xF])
	}
	return b.String()
}

// escape writes s as XML character data (attr: as an attribute value in double quotes).
// Characters XML cannot carry become U+FFFD so the output is always well-formed.
func escape(b *strings.Builder, s string, attr bool) {
	for _, r := range s {
		switch {
		case r == '&':
			b.WriteString("&amp;")
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '"' && attr:
			b.WriteString("&quot;")
		case (r == '\n' || r == '\r' || r == '\t') && attr:
			b.WriteString("&#x" + strconv.FormatInt(int64(r), 16) + ";")
		case r == '\r':
			b.WriteString("&#xD;")
		case r == utf8.RuneError || !isXMLChar(r):
			b.WriteRune('\uFFFD')
		default:
			b.WriteRune(r)
		}
	}
}

func isXMLChar(r rune) bool {
	return r == 0x9 || r == 0xA || r == 0xD || r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF
}
