package features

import (
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
)

// bcXMLDeclaration starts every XML answer of bcservice (openapi.yaml, info.description).
const bcXMLDeclaration = "<?xml version='1.0' encoding='UTF-8'?>\n"

// xmlNode is one element of an XML answer: its name, its own text and its child elements.
type xmlNode struct {
	XMLName  xml.Name
	Text     string    `xml:",chardata"`
	Children []xmlNode `xml:",any"`
}

// decodeXMLBody is openapi3filter's body decoder for text/xml: it turns the answer into
// the JSON-like value its schema describes, the way OpenAPI 3 maps XML (the `xml` object):
// the root element is the schema's xml.name, an object property is the child element of its
// name (or xml.name), an array is a wrapped element holding one element per item, and the
// text of an integer, number or boolean element is that value. What does not fit (an
// unknown element, a text that is no number) is kept as it is, for the schema to reject.
func decodeXMLBody(body io.Reader, _ http.Header, schema *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
	data, err := io.ReadAll(body)
	if err != nil {
		return nil, err
	}
	if !strings.HasPrefix(string(data), bcXMLDeclaration) {
		return nil, fmt.Errorf("the answer does not start with %q", bcXMLDeclaration)
	}
	var root xmlNode
	if err := xml.Unmarshal(data, &root); err != nil {
		return nil, err
	}
	if want := xmlName(schema.Value, ""); want != "" && root.XMLName.Local != want {
		return nil, fmt.Errorf("root element <%s>, documented <%s>", root.XMLName.Local, want)
	}
	return xmlValue(schema.Value, root)
}

// xmlName is the element name of schema: its xml.name, else fallback (the property name).
func xmlName(schema *openapi3.Schema, fallback string) string {
	if schema.XML != nil && schema.XML.Name != "" {
		return schema.XML.Name
	}
	return fallback
}

// xmlValue is the value of n as schema describes it.
func xmlValue(schema *openapi3.Schema, n xmlNode) (any, error) {
	switch {
	case schema.Type.Is("object"):
		return xmlObject(schema, n)
	case schema.Type.Is("array"):
		if schema.XML == nil || !schema.XML.Wrapped {
			return nil, fmt.Errorf("<%s>: only wrapped XML arrays are supported", n.XMLName.Local)
		}
		items := []any{}
		for _, child := range n.Children {
			if want := xmlName(schema.Items.Value, child.XMLName.Local); child.XMLName.Local != want {
				return nil, fmt.Errorf("<%s> in <%s>, documented <%s>", child.XMLName.Local, n.XMLName.Local, want)
			}
			v, err := xmlValue(schema.Items.Value, child)
			if err != nil {
				return nil, err
			}
			items = append(items, v)
		}
		return items, nil
	case len(n.Children) > 0:
		return nil, fmt.Errorf("<%s> has child elements, documented as a %v", n.XMLName.Local, schema.Type.Slice())
	case schema.Type.Is("integer"):
		if _, err := strconv.ParseInt(n.Text, 10, 64); err == nil {
			return json.Number(n.Text), nil
		}
	case schema.Type.Is("boolean") && (n.Text == "true" || n.Text == "false"):
		return n.Text == "true", nil
	}
	return n.Text, nil
}

// xmlObject maps the child elements of n to the properties of schema; an element no
// property names is kept under its own name (additionalProperties: false rejects it).
func xmlObject(schema *openapi3.Schema, n xmlNode) (any, error) {
	byElement := map[string]string{}
	for name, prop := range schema.Properties {
		byElement[xmlName(prop.Value, name)] = name
	}
	obj := map[string]any{}
	for _, child := range n.Children {
		name, known := byElement[child.XMLName.Local]
		if !known {
			obj[child.XMLName.Local] = child.Text
			continue
		}
		if _, twice := obj[name]; twice {
			return nil, fmt.Errorf("<%s> twice in <%s>", child.XMLName.Local, n.XMLName.Local)
		}
		v, err := xmlValue(schema.Properties[name].Value, child)
		if err != nil {
			return nil, err
		}
		obj[name] = v
	}
	return obj, nil
}
