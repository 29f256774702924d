package httpapi

import (
	"encoding/xml"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/emconnector/emconnector/service"
)

// messageFrom takes the `xml` parameter from, in this order of
// precedence, the form body (application/x-www-form-urlencoded or
// multipart/form-data), a raw text/xml or application/xml body, or the query
// string, and decodes it. It returns the HTTP status to answer with on
// failure (413 for a body over the limit, 200 otherwise) and a *service.Error
// (413, 1006, 1007). The caller has wrapped the body in http.MaxBytesReader.
func messageFrom(r *http.Request, maxBody int64) (requestMessage, int, error) {
	if ce := r.Header.Get("Content-Encoding"); ce != "" && !strings.EqualFold(ce, "identity") {
		// A compressed body would only be misread as a form or XML.
		return requestMessage{}, http.StatusOK, service.Errorf(service.CodeMalformedXML, "Malformed request: Content-Encoding not supported")
	}
	raw, found, err := xmlParam(r, maxBody)
	if err != nil {
		var tooLarge *http.MaxBytesError
		if errors.As(err, &tooLarge) {
			return requestMessage{}, http.StatusRequestEntityTooLarge,
				service.Errorf(service.CodeBodyTooLarge, "Request body too large (limit %d bytes)", tooLarge.Limit)
		}
		return requestMessage{}, http.StatusOK, service.Errorf(service.CodeMalformedXML, "Malformed request: unreadable body")
	}
	if !found || strings.TrimSpace(raw) == "" {
		return requestMessage{}, http.StatusOK, service.Errorf(service.CodeMalformedXML, "Missing xml parameter")
	}
	msg, err := parseRequestXML(raw)
	if err != nil {
		return requestMessage{}, http.StatusOK, err
	}
	return msg, http.StatusOK, msg.cred.Validate()
}

func xmlParam(r *http.Request, maxBody int64) (string, bool, error) {
	mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mt {
	case "application/x-www-form-urlencoded":
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return "", false, err
		}
		if v, ok, err := formValue(string(body), "xml"); err != nil || ok {
			return v, ok, err
		}
	case "multipart/form-data":
		if err := r.ParseMultipartForm(maxBody); err != nil {
			return "", false, err
		}
		if v, ok := r.MultipartForm.Value["xml"]; ok && len(v) > 0 {
			return v[0], true, nil
		}
	case "text/xml", "application/xml":
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return "", false, err
		}
		if len(strings.TrimSpace(string(body))) > 0 {
			return string(body), true, nil
		}
	}
	return formValue(r.URL.RawQuery, "xml")
}

// errFormEscape is a form field that cannot be decoded (a bad %-escape).
var errFormEscape = errors.New("bad escape in form")

// formValue returns the first value of field name in a URL-encoded form or
// query. Like the IIS original (and unlike Go's url.ParseQuery), only '&'
// separates fields: a ';' is data, so an unencoded certificate holding one
// is read whole. A field that cannot be decoded makes the form unreadable.
func formValue(form, name string) (string, bool, error) {
	var (
		val   string
		found bool
	)
	for field := range strings.SplitSeq(form, "&") {
		if field == "" {
			continue
		}
		k, v, _ := strings.Cut(field, "=")
		key, err := url.QueryUnescape(k)
		if err != nil {
			return "", false, errFormEscape
		}
		value, err := url.QueryUnescape(v)
		if err != nil {
			return "", false, errFormEscape
		}
		if key == name && !found {
			val, found = value, true
		}
	}
	return val, found, nil
}

// requestMessage is the decoded `xml` parameter: the credentials and the
// option elements (service.Option*) in the order given.
type requestMessage struct {
	cred    service.Credentials
	options []service.Field
}

// optionElements are the option elements a request message may carry
// directly under <request>: the union of the operations' Options, so that
// declaring an option on an operation (service/operation.go) is enough for
// the parser to read it. Each operation reads those it declares; an option
// of another operation is ignored (handler.go).
var optionElements = knownOptions(service.Operations())

// knownOptions returns the union of the Options of ops, each name once, in
// table order.
func knownOptions(ops []service.Operation) []string {
	var names []string
	for _, o := range ops {
		for _, name := range o.Options {
			if !slices.Contains(names, name) {
				names = append(names, name)
			}
		}
	}
	return names
}

// parseRequestXML reads <request><appID>…</appID><appCertificate>…</appCertificate></request>
// (element names case sensitive) and the option elements beside them
// (optionElements: duration, force, deviceProfile, clearCallHistory). The
// EM-style <appInfo> wrapper around the two credentials is accepted too;
// other elements are ignored. Values are kept exactly as sent (credentials
// go to CUCM unchanged). A DOCTYPE, entity references other than XML's own,
// a different root, a repeated credential or option element or trailing
// content are 1006. Error texts never quote the input: it holds the
// certificate.
func parseRequestXML(raw string) (requestMessage, error) {
	d := xml.NewDecoder(strings.NewReader(raw))
	d.Strict = true
	p := requestParser{values: map[string]*strings.Builder{}}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return requestMessage{}, syntaxError(err)
		}
		if err := p.token(tok); err != nil {
			return requestMessage{}, err
		}
	}
	if !p.rootDone {
		return requestMessage{}, malformedXML("no complete <request> element")
	}
	return p.message(), nil
}

// malformedXML is the 1006 for a request message that is not the documented XML.
func malformedXML(why string) error {
	return service.Errorf(service.CodeMalformedXML, "Malformed request XML: %s", why)
}

// syntaxError is the 1006 for a decoder error; it names the line, never the input.
func syntaxError(err error) error {
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		return malformedXML("syntax error on line " + strconv.Itoa(se.Line))
	}
	return malformedXML("syntax error")
}

// requestParser is the state of parseRequestXML between tokens.
type requestParser struct {
	// Only the first three levels can hold a value, so only their names are kept:
	// the work per token stays constant however deep the input nests.
	top                [3]string
	depth              int
	seenRoot, rootDone bool
	values             map[string]*strings.Builder
}

// token takes one token of the message.
func (p *requestParser) token(tok xml.Token) error {
	switch t := tok.(type) {
	case xml.Directive:
		return malformedXML("DOCTYPE and entity declarations are not accepted")
	case xml.StartElement:
		return p.start(t.Name.Local)
	case xml.EndElement:
		p.end()
	case xml.CharData:
		return p.text(t)
	}
	return nil
}

// start opens element name: the root must be <request>, nothing may follow
// it, and an element holding a value may appear once.
func (p *requestParser) start(name string) error {
	if p.rootDone {
		return malformedXML("content after the root element")
	}
	if !p.seenRoot {
		if name != "request" {
			return malformedXML("root element must be <request>")
		}
		p.seenRoot = true
	}
	if p.depth < len(p.top) {
		p.top[p.depth] = name
	}
	p.depth++
	if f := p.field(); f != "" {
		if p.values[f] != nil {
			return malformedXML(name + " given twice")
		}
		p.values[f] = &strings.Builder{}
	}
	return nil
}

// end closes the current element; closing the root completes the message.
func (p *requestParser) end() {
	p.depth--
	if p.depth == 0 {
		p.rootDone = true
	}
}

// text adds character data to the value being read; outside the root only
// white space is allowed.
func (p *requestParser) text(t xml.CharData) error {
	if p.depth == 0 {
		if strings.TrimSpace(string(t)) != "" {
			return malformedXML("text outside the root element")
		}
		return nil
	}
	if f := p.field(); f != "" {
		p.values[f].Write(t)
	}
	return nil
}

// field names the value the element at the current depth holds ("" for none).
func (p *requestParser) field() string {
	if p.top[0] != "request" {
		return ""
	}
	switch {
	case p.depth == 2 && (isCredential(p.top[1]) || slices.Contains(optionElements, p.top[1])):
		return p.top[1]
	case p.depth == 3 && p.top[1] == "appInfo" && isCredential(p.top[2]):
		return p.top[2]
	}
	return ""
}

// isCredential reports whether name is one of the two credential elements.
func isCredential(name string) bool {
	return name == "appID" || name == "appCertificate"
}

// message is the request message read: the credentials and the option
// elements given, in optionElements order.
func (p *requestParser) message() requestMessage {
	var m requestMessage
	m.cred.AppID = p.value("appID")
	m.cred.AppCertificate = p.value("appCertificate")
	for _, name := range optionElements {
		if b := p.values[name]; b != nil {
			m.options = append(m.options, service.Field{Name: name, Value: b.String()})
		}
	}
	return m
}

// value is the text of element name ("" when absent).
func (p *requestParser) value(name string) string {
	if b := p.values[name]; b != nil {
		return b.String()
	}
	return ""
}
