// Package axlsoap is cucmsim's codec for the one AXL operation it serves,
// doAuthenticateUser (SOAP 1.1): the PIN check the service uses for roaming users.
package axlsoap

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"strings"
)

// MaxRequestBytes caps a SOAP request body.
const MaxRequestBytes = 64 << 10

// errMalformed reports a body that is not a doAuthenticateUser envelope.
var errMalformed = errors.New("malformed doAuthenticateUser request")

// UserNotFound is the faultstring CUCM sends for an unknown user.
const UserNotFound = "Item not valid: The specified User was not found"

// Request is a decoded doAuthenticateUser.
type Request struct {
	UserID string
	// PIN is a secret: it must never be logged or stored.
	PIN string
}

// Decode reads a SOAP envelope whose Body holds doAuthenticateUser{userid, pin}. Element
// namespaces are not checked (clients vary the prefix); DTDs are refused.
func Decode(body []byte) (Request, error) {
	if len(body) == 0 || len(body) > MaxRequestBytes {
		return Request{}, errMalformed
	}
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = true
	var path []string
	var req Request
	found := false
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return Request{}, errMalformed
		}
		switch t := tok.(type) {
		case xml.Directive:
			return Request{}, errMalformed
		case xml.StartElement:
			if len(path) >= 16 {
				return Request{}, errMalformed
			}
			path = append(path, t.Name.Local)
			if len(path) == 3 && path[0] == "Envelope" && path[1] == "Body" && path[2] == "doAuthenticateUser" {
				found = true
			}
		case xml.EndElement:
			path = path[:len(path)-1]
		case xml.CharData:
			if len(path) == 4 && path[2] == "doAuthenticateUser" {
				switch path[3] {
				case "userid":
					req.UserID += string(t)
				case "pin":
					req.PIN += string(t)
				}
			}
		}
	}
	if !found {
		return Request{}, errMalformed
	}
	req.UserID = strings.TrimSpace(req.UserID)
	return req, nil
}

// Response is the 200 answer of doAuthenticateUser.
func Response(authenticated bool) []byte {
	v := "false"
	if authenticated {
		v = "true"
	}
	return []byte(`<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><ns:doAuthenticateUserResponse xmlns:ns="http://www.cisco.com/AXL/API/14.0"><return><userAuthenticated>` +
		v + `</userAuthenticated><code>0</code><daysToExpiry>0</daysToExpiry><isWorkingPeriod>true</isWorkingPeriod></return></ns:doAuthenticateUserResponse></soapenv:Body></soapenv:Envelope>`)
}

// Fault is a SOAP 1.1 fault (sent with HTTP 500).
func Fault(text string) []byte {
	var b bytes.Buffer
	b.WriteString(`<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><soapenv:Fault><faultcode>soapenv:Client</faultcode><faultstring>`)
	xml.EscapeText(&b, []byte(text))
	b.WriteString(`</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>`)
	return b.Bytes()
}
