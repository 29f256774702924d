package emxml

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Framing follows a real CUCM 12.0 trace where one exists: login, logout and logoutAll
// successes carry an XML declaration and put one element a line; deviceUserResults and
// checkUserResults put one element a line without a declaration. Shapes the trace does not
// show (failures, userDevicesResults, deviceProfileResults) keep the documented single-line
// form. No answer ends with a line break.

// Success is the success answer of login, logout and logoutAll, as a real CUCM sends it.
func Success() []byte { return []byte("<?xml version=\"1.0\"?>\n<response>\n<success/>\n</response>") }

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
	DeviceNone         DeviceState = iota // <none/> then <none/> or <lastlogin>
	DeviceLoggedIn                        // <userID>…<lastlogin>…
	DeviceDoesNotExist                    // <doesNotExist/>
)

// DeviceResult is one <device> of deviceUserResults.
type DeviceResult struct {
	// Name is echoed in the name attribute.
	Name  string
	State DeviceState
	// UserID is the logged-in user (DeviceLoggedIn).
	UserID string
	// LastLogin is the last user logged in on the device, "" when unknown. A logged-in device
	// whose LastLogin is empty shows UserID there.
	LastLogin string
	EMCC      bool
}

// DeviceUserResults encodes a deviceUserQuery answer, one element a line as in the real
// trace. An existing device has two slots, the current user and the last-login user, each
// <none/> when empty, then <emccDevice>.
func DeviceUserResults(results []DeviceResult) []byte {
	var b strings.Builder
	b.WriteString("<response>\n<deviceUserResults>\n")
	for _, r := range results {
		b.WriteString(`<device name="`)
		escape(&b, r.Name, true)
		b.WriteString("\">\n")
		switch r.State {
		case DeviceDoesNotExist:
			b.WriteString("<doesNotExist/>\n")
		case DeviceLoggedIn:
			last := r.LastLogin
			if last == "" {
				last = r.UserID
			}
			b.WriteString("<userID>" + EncodeUserID(r.UserID) + "</userID>\n")
			writeLastLogin(&b, last)
			writeEMCC(&b, r.EMCC)
		default:
			b.WriteString("<none/>\n")
			writeLastLogin(&b, r.LastLogin)
			writeEMCC(&b, false)
		}
		b.WriteString("</device>\n")
	}
	b.WriteString("</deviceUserResults>\n</response>")
	return []byte(b.String())
}

func writeLastLogin(b *strings.Builder, user string) {
	if user == "" {
		b.WriteString("<none/>\n")
		return
	}
	b.WriteString("<lastlogin>" + EncodeUserID(user) + "</lastlogin>\n")
}

func writeEMCC(b *strings.Builder, emcc bool) {
	if emcc {
		b.WriteString("<emccDevice>yes</emccDevice>\n")
	} else {
		b.WriteString("<emccDevice>no</emccDevice>\n")
	}
}

// CheckUserResult is one <user> of checkUserResults.
type CheckUserResult struct {
	// ID is echoed (percent-encoded) in the id attribute.
	ID string
	// User is the user's configured ID; "" means the user does not exist (<doesNotExist/>).
	User string
}

// CheckUserResults encodes a checkUser answer as in the real trace: <exists>USER</exists> for
// a known user. The trace shows no unknown user; <doesNotExist/> is the simulator's choice,
// the empty element the other queries use.
func CheckUserResults(results []CheckUserResult) []byte {
	var b strings.Builder
	b.WriteString("<response>\n<checkUserResults>\n")
	for _, r := range results {
		b.WriteString(`<user id="` + EncodeUserID(r.ID) + "\">\n")
		if r.User == "" {
			b.WriteString("<doesNotExist/>\n")
		} else {
			b.WriteString("<exists>" + EncodeUserID(r.User) + "</exists>\n")
		}
		b.WriteString("</user>\n")
	}
	b.WriteString("</checkUserResults>\n</response>")
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
