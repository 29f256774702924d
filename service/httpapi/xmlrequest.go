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
// directly under <request>; each operation reads those it declares.
var optionElements = []string{service.OptionDuration, service.OptionForce, service.OptionDeviceProfile, service.OptionClearCallHistory}

// parseRequestXML reads <request><appID>…</appID><appCertificate>…</appCertificate></request>
// (element names case sensitive) and the option elements beside them
// (duration, force, deviceProfile, clearCallHistory). The EM-style <appInfo>
// wrapper around the two credentials is accepted too; other elements are
// ignored. Values are kept exactly as sent (credentials go to CUCM
// unchanged). A DOCTYPE, entity references other than XML's own, a
// different root, a repeated credential or option element or trailing
// content are 1006. Error texts never quote the input: it holds the
// certificate.
func parseRequestXML(raw string) (requestMessage, error) {
	malformed := func(why string) error {
		return service.Errorf(service.CodeMalformedXML, "Malformed request XML: %s", why)
	}
	d := xml.NewDecoder(strings.NewReader(raw))
	d.Strict = true
	var (
		// Only the first three levels can hold a value, so only their names are kept:
		// the work per token stays constant however deep the input nests.
		top                [3]string
		depth              int
		seenRoot, rootDone bool
		values             = map[string]*strings.Builder{}
	)
	// field names the value the element at the current depth holds ("" for none).
	field := func() string {
		switch {
		case depth == 2 && top[0] == "request" && (top[1] == "appID" || top[1] == "appCertificate"):
			return top[1]
		case depth == 3 && top[0] == "request" && top[1] == "appInfo" && (top[2] == "appID" || top[2] == "appCertificate"):
			return top[2]
		case depth == 2 && top[0] == "request" && slices.Contains(optionElements, top[1]):
			return top[1]
		}
		return ""
	}
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				return requestMessage{}, malformed("syntax error on line " + strconv.Itoa(se.Line))
			}
			return requestMessage{}, malformed("syntax error")
		}
		switch t := tok.(type) {
		case xml.Directive:
			return requestMessage{}, malformed("DOCTYPE and entity declarations are not accepted")
		case xml.StartElement:
			if rootDone {
				return requestMessage{}, malformed("content after the root element")
			}
			if !seenRoot {
				if t.Name.Local != "request" {
					return requestMessage{}, malformed("root element must be <request>")
				}
				seenRoot = true
			}
			if depth < len(top) {
				top[depth] = t.Name.Local
			}
			depth++
			if f := field(); f != "" {
				if values[f] != nil {
					return requestMessage{}, malformed(t.Name.Local + " given twice")
				}
				values[f] = &strings.Builder{}
			}
		case xml.EndElement:
			depth--
			if depth == 0 {
				rootDone = true
			}
		case xml.CharData:
			if depth == 0 {
				if strings.TrimSpace(string(t)) != "" {
					return requestMessage{}, malformed("text outside the root element")
				}
				continue
			}
			if f := field(); f != "" {
				values[f].Write(t)
			}
		}
	}
	if !rootDone {
		return requestMessage{}, malformed("no complete <request> element")
	}
	var m requestMessage
	if b := values["appID"]; b != nil {
		m.cred.AppID = b.String()
	}
	if b := values["appCertificate"]; b != nil {
		m.cred.AppCertificate = b.String()
	}
	for _, name := range optionElements {
		if b := values[name]; b != nil {
			m.options = append(m.options, service.Field{Name: name, Value: b.String()})
		}
	}
	return m, nil
}
