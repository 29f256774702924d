package httpapi

import (
	"bytes"
	"encoding/xml"
	"strconv"

	"github.com/emconnector/emconnector/service"
)

// xmlHeader starts every answer, as in the Business Connector 1.4 examples.
const xmlHeader = "<?xml version='1.0' encoding='UTF-8'?>\n"

// versionXML is the getversioninfo answer (testdata/golden/bc/getversioninfo.xml).
const versionXML = xmlHeader + "<result><appversion>1.4.0</appversion><appname>Business Connector</appname></result>"

// encodeResult renders r as
// <response><result><deviceName/>[<userID/>]<code/><text/></result></response>.
// deviceName is left out only for answers that concern no device operation
// (unknown route, wrong method on getversioninfo).
func encodeResult(r service.Result) []byte {
	var b bytes.Buffer
	b.WriteString(xmlHeader)
	b.WriteString("<response><result>")
	if r.Op != "" && r.Op != service.OpVersion {
		element(&b, "deviceName", r.Device)
	}
	if r.HasUser {
		element(&b, "userID", r.User)
	}
	element(&b, "code", strconv.Itoa(r.Code))
	element(&b, "text", r.Text)
	b.WriteString("</result></response>")
	return b.Bytes()
}

func element(b *bytes.Buffer, name, text string) {
	b.WriteString("<" + name + ">")
	_ = xml.EscapeText(b, []byte(text)) // a bytes.Buffer write never fails
	b.WriteString("</" + name + ">")
}
