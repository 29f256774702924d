// Package emxml is cucmsim's codec for the CUCM Extension Mobility XML: it decodes the
// <request> and <query> documents clients send and encodes <response> documents byte for byte
// as CUCM does (testdata/golden/em; the shapes are listed in cmd/cucmsim/README.md, "EM
// protocol as the simulator speaks it"). It is independent of the service's codec.
package emxml

import (
	"encoding/xml"
	"errors"
	"io"
	"strconv"
	"strings"
)

// MaxDocumentBytes caps a request document; larger ones are refused with code 1.
const MaxDocumentBytes = 64 << 10

// maxDepth bounds element nesting; EM documents are four levels deep.
const maxDepth = 16

// Op names an EM operation (also the operation name of faults and the request log).
type Op string

// The EM operations. checkUser is the query CUCM's own EMApp sends before a login.
const (
	OpLogin              Op = "login"
	OpLogout             Op = "logout"
	OpLogoutAll          Op = "logoutAll"
	OpDeviceUserQuery    Op = "deviceUserQuery"
	OpUserDevicesQuery   Op = "userDevicesQuery"
	OpDeviceProfileQuery Op = "deviceProfileQuery"
	OpCheckUser          Op = "checkUser"
)

// Codes of decoding failures (same numbers as the EM API).
const (
	CodeParse             = 1
	CodeQueryUndetermined = 8
)

// Error is a document the simulator refuses: Code 1 "Error on Parsing" or 8 "Query type undetermined".
type Error struct {
	Code int
	Text string
}

func (e *Error) Error() string { return e.Text }

func parseError() *Error { return &Error{Code: CodeParse, Text: "Error on Parsing"} }

func undetermined() *Error {
	return &Error{Code: CodeQueryUndetermined, Text: "Query type undetermined"}
}

// Message is a decoded EM request or query.
type Message struct {
	Op             Op
	AppID          string
	AppCertificate string
	// DeviceName, UserID, DeviceProfile: login and logout fields.
	DeviceName    string
	UserID        string
	DeviceProfile string
	// TimeSet: exclusiveDuration/time was given (Minutes holds it). Indefinite: <indefinite/>.
	TimeSet    bool
	Minutes    int
	Indefinite bool
	// RemoteIPAddr and IsViaHeaderSet are the optional origin fields.
	RemoteIPAddr   string
	IsViaHeaderSet bool
	// Names are the deviceName+ or userID+ of a query, in request order.
	Names []string
}

// Devices returns the device names the message is about (for fault matching and logs).
func (m *Message) Devices() []string {
	switch m.Op {
	case OpLogin, OpLogout:
		return []string{m.DeviceName}
	case OpDeviceUserQuery:
		return m.Names
	}
	return nil
}

// Users returns the user IDs the message is about (for fault matching and logs).
func (m *Message) Users() []string {
	switch m.Op {
	case OpLogin:
		return []string{m.UserID}
	case OpUserDevicesQuery, OpDeviceProfileQuery, OpCheckUser:
		return m.Names
	}
	return nil
}

// element is a decoded XML element: its local name, text and child elements.
type element struct {
	name     string
	text     strings.Builder
	children []*element
}

func (e *element) child(name string) *element {
	for _, c := range e.children {
		if c.name == name {
			return c
		}
	}
	return nil
}

func (e *element) childText(name string) string {
	if c := e.child(name); c != nil {
		return strings.TrimSpace(c.text.String())
	}
	return ""
}

// Decode parses an EM document. It refuses with *Error code 1 empty input, documents over
// MaxDocumentBytes, malformed XML, a DOCTYPE with an internal subset (so no entity is ever
// declared or expanded) or any other directive, more than one root, bad numbers; and with
// code 8 an unknown root and an unknown operation. A DOCTYPE that only names an external DTD
// (EMApp sends `<!DOCTYPE query SYSTEM "…/LoginQuery.dtd">`) is ignored: nothing is fetched.
// The returned Message is non-nil whenever the root was understood (its Op is set), so a
// failure can still be logged against its operation.
func Decode(doc string) (*Message, error) {
	if strings.TrimSpace(doc) == "" || len(doc) > MaxDocumentBytes {
		return nil, parseError()
	}
	root, err := parseTree(doc)
	if err != nil {
		return nil, err
	}
	switch root.name {
	case "request":
		return decodeRequest(root)
	case "query":
		return decodeQuery(root)
	default:
		return nil, undetermined()
	}
}

func parseTree(doc string) (*element, error) {
	d := xml.NewDecoder(strings.NewReader(doc))
	d.Strict = true
	var root *element
	var stack []*element
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, parseError()
		}
		switch t := tok.(type) {
		case xml.Directive:
			if root != nil || !externalDoctype(t) {
				return nil, parseError()
			}
		case xml.StartElement:
			if len(stack) == maxDepth || (root != nil && len(stack) == 0) {
				return nil, parseError()
			}
			e := &element{name: t.Name.Local}
			if root == nil {
				root = e
			} else {
				parent := stack[len(stack)-1]
				parent.children = append(parent.children, e)
			}
			stack = append(stack, e)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) == 0 {
				if strings.TrimSpace(string(t)) != "" {
					return nil, parseError()
				}
				continue
			}
			stack[len(stack)-1].text.Write(t)
		}
	}
	if root == nil || len(stack) != 0 {
		return nil, parseError()
	}
	return root, nil
}

// externalDoctype reports whether d is `DOCTYPE name SYSTEM|PUBLIC …` without an internal
// subset, the only directive EM documents may carry.
func externalDoctype(d xml.Directive) bool {
	f := strings.Fields(string(d))
	return len(f) >= 3 && f[0] == "DOCTYPE" && (f[2] == "SYSTEM" || f[2] == "PUBLIC") && !strings.ContainsAny(string(d), "[]<>")
}

func decodeAppInfo(root *element, m *Message) {
	if ai := root.child("appInfo"); ai != nil {
		m.AppID = ai.childText("appID")
		m.AppCertificate = ai.childText("appCertificate")
		if m.AppCertificate == "" {
			// The DTD's alternative; its format is undocumented, the simulator treats it as the password.
			m.AppCertificate = ai.childText("appEncryptedCertificate")
		}
	}
}

func decodeOrigin(op *element, m *Message) error {
	m.RemoteIPAddr = op.childText("remoteIPAddr")
	if v := op.childText("isViaHeaderSet"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return parseError()
		}
		m.IsViaHeaderSet = b
	}
	return nil
}

func decodeRequest(root *element) (*Message, error) {
	var op *element
	for _, c := range root.children {
		if c.name == "appInfo" {
			continue
		}
		if op != nil {
			return nil, parseError() // the DTD allows exactly one operation
		}
		op = c
	}
	if op == nil {
		return nil, undetermined()
	}
	m := &Message{}
	switch op.name {
	case "login":
		m.Op = OpLogin
		m.DeviceName = op.childText("deviceName")
		m.UserID = op.childText("userID")
		m.DeviceProfile = op.childText("deviceProfile")
		if ed := op.child("exclusiveDuration"); ed != nil {
			if ed.child("indefinite") != nil {
				m.Indefinite = true
			} else if t := ed.child("time"); t != nil {
				n, err := strconv.Atoi(strings.TrimSpace(t.text.String()))
				if err != nil {
					decodeAppInfo(root, m)
					return m, parseError()
				}
				m.TimeSet, m.Minutes = true, n
			}
		}
	case "logout":
		m.Op = OpLogout
		m.DeviceName = op.childText("deviceName")
	case "logoutAll":
		m.Op = OpLogoutAll
	default:
		return nil, undetermined()
	}
	decodeAppInfo(root, m)
	if err := decodeOrigin(op, m); err != nil {
		return m, err
	}
	return m, nil
}

func decodeQuery(root *element) (*Message, error) {
	var op *element
	for _, c := range root.children {
		if c.name == "appInfo" {
			continue
		}
		if op != nil {
			return nil, parseError()
		}
		op = c
	}
	if op == nil {
		return nil, undetermined()
	}
	m := &Message{}
	item := "userID"
	switch op.name {
	case "deviceUserQuery":
		m.Op, item = OpDeviceUserQuery, "deviceName"
	case "userDevicesQuery":
		m.Op = OpUserDevicesQuery
	case "deviceProfileQuery", "userDeviceProfileQuery":
		// DevNet's example says userDeviceProfileQuery, the DTD deviceProfileQuery: both accepted.
		m.Op = OpDeviceProfileQuery
	case "checkUser":
		m.Op = OpCheckUser
	default:
		return nil, undetermined()
	}
	decodeAppInfo(root, m)
	for _, c := range op.children {
		if c.name == item {
			m.Names = append(m.Names, strings.TrimSpace(c.text.String()))
		}
	}
	if len(m.Names) == 0 {
		return m, parseError() // the DTD requires at least one name
	}
	if err := decodeOrigin(op, m); err != nil {
		return m, err
	}
	return m, nil
}
