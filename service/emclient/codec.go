package emclient

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// This file is the service's own EM XML codec (independent of the
// simulator's): it builds the requests of cmd/cucmsim/README.md ("EM protocol as
// the simulator speaks it") byte for byte as in
// testdata/golden/em and reads every answer shape listed there, including
// the variants real servers send (XML declaration, whitespace, the DTD's
// <errorMessage> failure).

// Auth is the appInfo block of every EM message.
type Auth struct {
	AppID          string
	AppCertificate string
}

// LoginRequest is the body of an EM <login>. Profile and Duration are
// optional: an empty Profile means the user's default profile, a nil
// Duration leaves <exclusiveDuration> out, a zero *Duration means
// <indefinite/>.
type LoginRequest struct {
	Device   string
	User     string
	Profile  string
	Duration *int // minutes
}

// EncodeLogin builds a <request><login> message.
func EncodeLogin(a Auth, l LoginRequest) string {
	var b strings.Builder
	b.WriteString("<request>")
	writeAuth(&b, a)
	b.WriteString("<login>")
	elem(&b, "deviceName", l.Device)
	elem(&b, "userID", l.User)
	if l.Profile != "" {
		elem(&b, "deviceProfile", l.Profile)
	}
	if l.Duration != nil {
		if *l.Duration == 0 {
			b.WriteString("<exclusiveDuration><indefinite/></exclusiveDuration>")
		} else {
			b.WriteString("<exclusiveDuration>")
			elem(&b, "time", strconv.Itoa(*l.Duration))
			b.WriteString("</exclusiveDuration>")
		}
	}
	b.WriteString("</login></request>")
	return b.String()
}

// EncodeLogout builds a <request><logout> message.
func EncodeLogout(a Auth, device string) string {
	var b strings.Builder
	b.WriteString("<request>")
	writeAuth(&b, a)
	b.WriteString("<logout>")
	elem(&b, "deviceName", device)
	b.WriteString("</logout></request>")
	return b.String()
}

// EncodeLogoutAll builds a <request><logoutAll> message.
func EncodeLogoutAll(a Auth) string {
	var b strings.Builder
	b.WriteString("<request>")
	writeAuth(&b, a)
	b.WriteString("<logoutAll></logoutAll></request>")
	return b.String()
}

// Query kinds of EncodeQuery.
const (
	DeviceUserQuery    = "deviceUserQuery"
	UserDevicesQuery   = "userDevicesQuery"
	DeviceProfileQuery = "deviceProfileQuery"
)

// EncodeQuery builds a <query> of kind for names (device names for
// deviceUserQuery, user IDs otherwise).
func EncodeQuery(a Auth, kind string, names ...string) string {
	child := "userID"
	if kind == DeviceUserQuery {
		child = "deviceName"
	}
	var b strings.Builder
	b.WriteString("<query>")
	writeAuth(&b, a)
	b.WriteString("<" + kind + ">")
	for _, n := range names {
		elem(&b, child, n)
	}
	b.WriteString("</" + kind + "></query>")
	return b.String()
}

func writeAuth(b *strings.Builder, a Auth) {
	b.WriteString("<appInfo>")
	elem(b, "appID", a.AppID)
	elem(b, "appCertificate", a.AppCertificate)
	b.WriteString("</appInfo>")
}

func elem(b *strings.Builder, name, text string) {
	b.WriteString("<" + name + ">")
	var buf bytes.Buffer
	_ = xml.EscapeText(&buf, []byte(text)) // writes to a bytes.Buffer never fail
	b.Write(buf.Bytes())
	b.WriteString("</" + name + ">")
}

// Response is a decoded EM answer. Exactly one of the pointers is set.
type Response struct {
	Success     bool
	Failure     *Failure
	DeviceUsers []DeviceResult
	UserDevices []UserResult
	Profiles    []ProfileResult
}

// Failure is <failure><error code="N">TEXT</error></failure>. HasCode is
// false for the DTD's <errorMessage> form, which carries no code.
type Failure struct {
	Code    int
	HasCode bool
	Text    string
}

// DeviceResult is one <device> of deviceUserResults. User and LastLogin are
// decoded from CUCM's percent-encoding.
type DeviceResult struct {
	Name         string
	DoesNotExist bool
	User         string // empty for <none/>
	LastLogin    string
	EMCC         bool
}

// UserResult is one <user> of userDevicesResults.
type UserResult struct {
	ID           string
	DoesNotExist bool
	Devices      []string
}

// ProfileResult is one <user> of deviceProfileResults.
type ProfileResult struct {
	ID       string
	Profiles []Profile
	Failure  *Failure
}

// Profile is one <deviceProfile>.
type Profile struct {
	Name    string
	Default bool
}

// ErrGarbled reports an answer that is not a well-formed EM response; the
// client treats it as a transport failure.
var ErrGarbled = errors.New("unparseable EM answer")

type xmlResponse struct {
	XMLName     xml.Name    `xml:"response"`
	Success     *struct{}   `xml:"success"`
	Failure     *xmlFailure `xml:"failure"`
	DeviceUsers *struct {
		Devices []struct {
			Name         string    `xml:"name,attr"`
			UserID       *string   `xml:"userID"`
			LastLogin    string    `xml:"lastlogin"`
			EMCC         string    `xml:"emccDevice"`
			None         *struct{} `xml:"none"`
			DoesNotExist *struct{} `xml:"doesNotExist"`
		} `xml:"device"`
	} `xml:"deviceUserResults"`
	UserDevices *struct {
		Users []struct {
			ID           string    `xml:"id,attr"`
			Devices      []string  `xml:"deviceName"`
			None         *struct{} `xml:"none"`
			DoesNotExist *struct{} `xml:"doesNotExist"`
		} `xml:"user"`
	} `xml:"userDevicesResults"`
	Profiles *struct {
		Users []struct {
			ID       string `xml:"id,attr"`
			Profiles []struct {
				Name    string `xml:"deviceProfileName"`
				Default string `xml:"isDefaultDeviceProfile"`
			} `xml:"deviceProfile"`
			Failure *xmlFailure `xml:"failure"`
		} `xml:"user"`
	} `xml:"deviceProfileResults"`
}

type xmlFailure struct {
	Error *struct {
		Code string `xml:"code,attr"`
		Text string `xml:",chardata"`
	} `xml:"error"`
	ErrorMessage *string `xml:"errorMessage"`
}

func (f *xmlFailure) decode() (*Failure, error) {
	switch {
	case f.Error != nil:
		code, err := strconv.Atoi(strings.TrimSpace(f.Error.Code))
		if err != nil {
			return &Failure{Text: strings.TrimSpace(f.Error.Text)}, nil
		}
		return &Failure{Code: code, HasCode: true, Text: strings.TrimSpace(f.Error.Text)}, nil
	case f.ErrorMessage != nil:
		return &Failure{Text: strings.TrimSpace(*f.ErrorMessage)}, nil
	}
	return nil, fmt.Errorf("%w: empty <failure>", ErrGarbled)
}

// DecodeResponse parses an EM answer. Documents with a DTD are refused
// (nothing legitimate sends one); anything else that is not a <response>
// with a known child is ErrGarbled.
func DecodeResponse(body []byte) (*Response, error) {
	var x xmlResponse
	if err := unmarshalNoDTD(body, &x); err != nil {
		return nil, err
	}
	r := &Response{}
	switch {
	case x.Success != nil:
		r.Success = true
	case x.Failure != nil:
		f, err := x.Failure.decode()
		if err != nil {
			return nil, err
		}
		r.Failure = f
	case x.DeviceUsers != nil:
		for _, d := range x.DeviceUsers.Devices {
			res := DeviceResult{Name: d.Name, DoesNotExist: d.DoesNotExist != nil}
			if d.UserID != nil {
				res.User = unescapeID(strings.TrimSpace(*d.UserID))
			}
			res.LastLogin = unescapeID(strings.TrimSpace(d.LastLogin))
			res.EMCC = strings.EqualFold(strings.TrimSpace(d.EMCC), "yes")
			r.DeviceUsers = append(r.DeviceUsers, res)
		}
	case x.UserDevices != nil:
		for _, u := range x.UserDevices.Users {
			res := UserResult{ID: unescapeID(u.ID), DoesNotExist: u.DoesNotExist != nil}
			for _, d := range u.Devices {
				res.Devices = append(res.Devices, strings.TrimSpace(d))
			}
			r.UserDevices = append(r.UserDevices, res)
		}
	case x.Profiles != nil:
		for _, u := range x.Profiles.Users {
			res := ProfileResult{ID: unescapeID(u.ID)}
			if u.Failure != nil {
				f, err := u.Failure.decode()
				if err != nil {
					return nil, err
				}
				res.Failure = f
			}
			for _, p := range u.Profiles {
				res.Profiles = append(res.Profiles, Profile{Name: strings.TrimSpace(p.Name), Default: strings.TrimSpace(p.Default) == "t"})
			}
			r.Profiles = append(r.Profiles, res)
		}
	default:
		return nil, fmt.Errorf("%w: <response> without a known result", ErrGarbled)
	}
	return r, nil
}

// unmarshalNoDTD decodes the root element of body into v like
// xml.Unmarshal, in one pass, after refusing a <!DOCTYPE …> or any other
// directive before it (nothing legitimate sends one). Every error wraps
// ErrGarbled.
func unmarshalNoDTD(body []byte, v any) error {
	d := xml.NewDecoder(bytes.NewReader(body))
	for {
		tok, err := d.Token()
		if err != nil {
			return fmt.Errorf("%w: %v", ErrGarbled, err)
		}
		switch t := tok.(type) {
		case xml.Directive:
			return fmt.Errorf("%w: document type declarations are not accepted", ErrGarbled)
		case xml.StartElement:
			if err := d.DecodeElement(v, &t); err != nil {
				return fmt.Errorf("%w: %v", ErrGarbled, err)
			}
			return nil
		}
	}
}

// unescapeID decodes CUCM's percent-encoded user IDs (em%40cisco.com); a
// value that is not valid percent-encoding is kept as sent.
func unescapeID(s string) string {
	u, err := url.PathUnescape(s)
	if err != nil {
		return s
	}
	return u
}
