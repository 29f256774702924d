// Package axlsoap is cucmsim's codec for the AXL operations it serves (SOAP 1.1):
// doAuthenticateUser, the PIN check the service uses for roaming users, and doDeviceReset,
// the reset that clears a phone's call history after an EM logout.
package axlsoap

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
)

// MaxRequestBytes caps a SOAP request body.
const MaxRequestBytes = 64 << 10

// The AXL methods the simulator serves, as the element in the SOAP Body names them.
const (
	OpAuthenticateUser = "doAuthenticateUser"
	OpDeviceReset      = "doDeviceReset"
)

// envelopeNS and axlNS are the namespaces of the answers (AXL schema 14.0).
const (
	envelopeNS = "http://schemas.xmlsoap.org/soap/envelope/"
	axlNS      = "http://www.cisco.com/AXL/API/14.0"
)

// errMalformed reports a body that is not a SOAP envelope with one AXL method in its Body.
var errMalformed = errors.New("not a SOAP envelope with an AXL method in its Body")

// call is the method element of a SOAP Body: its local name and the text of each direct child
// (the first of a repeated one). Namespaces are not checked: clients vary the prefix and the
// schema version.
type call struct {
	method string
	fields map[string]string
}

// parse reads a SOAP envelope. DTDs are refused, nesting is bounded, and a Body must hold
// exactly one element.
func parse(body []byte) (call, error) {
	if len(body) == 0 || len(body) > MaxRequestBytes {
		return call{}, errMalformed
	}
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = true
	var path []string
	c := call{fields: map[string]string{}}
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return call{}, errMalformed
		}
		switch t := tok.(type) {
		case xml.Directive:
			return call{}, errMalformed
		case xml.StartElement:
			if len(path) >= 16 {
				return call{}, errMalformed
			}
			path = append(path, t.Name.Local)
			inBody := len(path) >= 3 && path[0] == "Envelope" && path[1] == "Body"
			if inBody && len(path) == 3 {
				if c.method != "" {
					return call{}, errMalformed
				}
				c.method = t.Name.Local
			}
			if inBody && len(path) == 4 {
				if _, ok := c.fields[t.Name.Local]; !ok {
					c.fields[t.Name.Local] = ""
				}
			}
		case xml.EndElement:
			path = path[:len(path)-1]
		case xml.CharData:
			if len(path) == 4 && path[0] == "Envelope" && path[1] == "Body" {
				c.fields[path[3]] += string(t)
			}
		}
	}
	if c.method == "" {
		return call{}, errMalformed
	}
	return c, nil
}

// Method returns the AXL method a request body calls ("doDeviceReset", …), or "" when the
// body is not a SOAP envelope with one method in its Body.
func Method(body []byte) string {
	c, err := parse(body)
	if err != nil {
		return ""
	}
	return c.method
}

// Fault is a SOAP 1.1 client fault without AXL detail (sent with HTTP 500): the simulator's
// answer to a request it cannot read, and doAuthenticateUser's unknown user.
func Fault(text string) []byte {
	var b bytes.Buffer
	b.WriteString(`<soapenv:Envelope xmlns:soapenv="` + envelopeNS + `"><soapenv:Body><soapenv:Fault><faultcode>soapenv:Client</faultcode><faultstring>`)
	_ = xml.EscapeText(&b, []byte(text))
	b.WriteString(`</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>`)
	return b.Bytes()
}

// AXLFault is the fault real AXL sends for a request it read but refused (HTTP 500): a server
// fault whose detail carries the AXL error code, the message again and the method.
func AXLFault(code int, text, method string) []byte {
	var b bytes.Buffer
	b.WriteString(`<soapenv:Envelope xmlns:soapenv="` + envelopeNS + `"><soapenv:Body><soapenv:Fault><faultcode>soapenv:Server</faultcode><faultstring>`)
	_ = xml.EscapeText(&b, []byte(text))
	fmt.Fprintf(&b, `</faultstring><detail><axlError><axlcode>%d</axlcode><axlmessage>`, code)
	_ = xml.EscapeText(&b, []byte(text))
	b.WriteString(`</axlmessage><request>`)
	_ = xml.EscapeText(&b, []byte(method))
	b.WriteString(`</request></axlError></detail></soapenv:Fault></soapenv:Body></soapenv:Envelope>`)
	return b.Bytes()
}

// escape is text escaped for element content.
func escape(s string) string {
	var b bytes.Buffer
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}
