package axlsoap

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
)

// OpListPhone is AXL listPhone, the device inventory by name pattern.
const OpListPhone = "listPhone"

// PhoneTags are the returnedTags the simulator answers, in the order a phone lists them (the
// AXL schema's order). A request without returnedTags gets them all.
var PhoneTags = []string{"name", "description", "model"}

// ListPhoneRequest is a decoded listPhone.
type ListPhoneRequest struct {
	// Name is searchCriteria/name: a SQL LIKE pattern (% any run, _ one character, \ escapes).
	Name string
	// Tags are the returnedTags asked for, in PhoneTags order; nil when returnedTags is absent
	// (every tag), empty for an empty returnedTags (the uuid attribute only).
	Tags []string
	// Skip and First page the answer: skip rows, then at most First (0 = no bound).
	Skip, First int
}

// Phone is one row of a listPhone answer.
type Phone struct {
	UUID, Name, Description, Model string
}

// xnode is an element of a decoded envelope: local name, text and children.
type xnode struct {
	name     string
	text     strings.Builder
	children []*xnode
}

func (n *xnode) child(name string) *xnode {
	for _, c := range n.children {
		if c.name == name {
			return c
		}
	}
	return nil
}

// methodElement reads a SOAP envelope into a tree (DTDs refused, nesting bounded) and returns
// the one element of its Body.
func methodElement(body []byte) (*xnode, error) {
	if len(body) == 0 || len(body) > MaxRequestBytes {
		return nil, errMalformed
	}
	d := xml.NewDecoder(bytes.NewReader(body))
	d.Strict = true
	var stack []*xnode
	var root *xnode
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, errMalformed
		}
		switch t := tok.(type) {
		case xml.Directive:
			return nil, errMalformed
		case xml.StartElement:
			if len(stack) >= 16 || (root != nil && len(stack) == 0) {
				return nil, errMalformed
			}
			n := &xnode{name: t.Name.Local}
			if root == nil {
				root = n
			} else {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text.Write(t)
			}
		}
	}
	if root == nil || root.name != "Envelope" {
		return nil, errMalformed
	}
	b := root.child("Body")
	if b == nil || len(b.children) != 1 {
		return nil, errMalformed
	}
	return b.children[0], nil
}

// DecodeListPhone reads a SOAP envelope whose Body holds listPhone. searchCriteria must hold
// name (the only criterion the simulator supports); returnedTags may name PhoneTags only;
// skip and first are non-negative integers. The error says what is wrong, without echoing
// the body.
func DecodeListPhone(body []byte) (ListPhoneRequest, error) {
	m, err := methodElement(body)
	if err != nil || m.name != OpListPhone {
		return ListPhoneRequest{}, errMalformed
	}
	var r ListPhoneRequest
	sc := m.child("searchCriteria")
	if sc == nil || sc.child("name") == nil {
		return r, errors.New("searchCriteria with a name is required")
	}
	for _, c := range sc.children {
		if c.name != "name" {
			return r, fmt.Errorf("searchCriteria %s is not supported (name only)", c.name)
		}
	}
	r.Name = strings.TrimSpace(sc.child("name").text.String())
	if rt := m.child("returnedTags"); rt != nil {
		r.Tags = []string{}
		for _, c := range rt.children {
			if !slices.Contains(PhoneTags, c.name) {
				return r, fmt.Errorf("returnedTags %s is not supported (%s)", c.name, strings.Join(PhoneTags, ", "))
			}
		}
		for _, tag := range PhoneTags {
			if rt.child(tag) != nil {
				r.Tags = append(r.Tags, tag)
			}
		}
	}
	for _, p := range []struct {
		name string
		to   *int
	}{{"skip", &r.Skip}, {"first", &r.First}} {
		if c := m.child(p.name); c != nil {
			n, err := strconv.Atoi(strings.TrimSpace(c.text.String()))
			if err != nil || n < 0 {
				return r, fmt.Errorf("%s must be a non-negative integer", p.name)
			}
			*p.to = n
		}
	}
	return r, nil
}

// ListPhoneResponse is the 200 answer of listPhone: one <phone uuid="…"> per row with the
// tags asked for (nil: all of them), or an empty <return/>.
func ListPhoneResponse(phones []Phone, tags []string) []byte {
	if tags == nil {
		tags = PhoneTags
	}
	var b strings.Builder
	b.WriteString(`<soapenv:Envelope xmlns:soapenv="` + envelopeNS + `"><soapenv:Body><ns:listPhoneResponse xmlns:ns="` + axlNS + `">`)
	if len(phones) == 0 {
		b.WriteString(`<return/>`)
	} else {
		b.WriteString(`<return>`)
		for _, p := range phones {
			b.WriteString(`<phone uuid="` + escape(p.UUID) + `">`)
			for _, tag := range tags {
				v := map[string]string{"name": p.Name, "description": p.Description, "model": p.Model}[tag]
				if v == "" {
					b.WriteString("<" + tag + "/>")
					continue
				}
				b.WriteString("<" + tag + ">" + escape(v) + "</" + tag + ">")
			}
			b.WriteString(`</phone>`)
		}
		b.WriteString(`</return>`)
	}
	b.WriteString(`</ns:listPhoneResponse></soapenv:Body></soapenv:Envelope>`)
	return []byte(b.String())
}

// Like reports whether name matches the SQL LIKE pattern, case-insensitively as CUCM compares
// device names: % matches any run (also empty), _ one character, \ makes the next one literal.
func Like(pattern, name string) bool {
	p, s := []rune(strings.ToUpper(pattern)), []rune(strings.ToUpper(name))
	// Iterative matching with one backtrack point (the last %), linear in practice.
	pi, si, star, mark := 0, 0, -1, 0
	for si < len(s) {
		switch {
		case pi < len(p) && p[pi] == '%':
			star, mark = pi, si
			pi++
		case pi < len(p) && p[pi] == '\\' && pi+1 < len(p) && p[pi+1] == s[si]:
			pi, si = pi+2, si+1
		case pi < len(p) && p[pi] != '\\' && (p[pi] == '_' || p[pi] == s[si]):
			pi, si = pi+1, si+1
		case star >= 0:
			pi, mark = star+1, mark+1
			si = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '%' {
		pi++
	}
	return pi == len(p)
}
