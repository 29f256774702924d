package httpapi

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"mime"
	"slices"
	"strconv"
	"strings"

	"github.com/emconnector/emconnector/service"
)

// APIVersion and AppName are what getversioninfo reports: exactly the
// product documentation's example, since clients compare the version.
const (
	APIVersion = "1.4"
	AppName    = "Business Connector"
)

// xmlHeader starts every answer, as in the Business Connector 1.4 examples.
const xmlHeader = "<?xml version='1.0' encoding='UTF-8'?>\n"

// versionXML is the getversioninfo answer (testdata/golden/bc/getversioninfo.xml).
const versionXML = xmlHeader + "<result><appversion>" + APIVersion + "</appversion><appname>" + AppName + "</appname></result>"

// Content types of the answers.
const (
	contentXML  = "text/xml; charset=utf-8"
	contentJSON = "application/json; charset=utf-8"
)

// encodeResult renders r as
// <response><result><deviceName/>[<userID/>][fields][<devices/>]<code/><text/></result></response>,
// fields being the operation-specific elements of r.Fields in order.
// deviceName is left out for answers that concern no device operation
// (unknown route, wrong method on getversioninfo or an ops endpoint, access
// denied, operations whose path names no device). devices is the list
// payload: one <device> with its deviceName and cluster (and its own code
// and text when it has one) per entry; absent when the operation has none.
// An entry for a cluster that could not be asked has no device, so no
// deviceName element (rather than an empty one, which would read as a
// device with an empty name).
func encodeResult(r service.Result) []byte {
	var b bytes.Buffer
	b.WriteString(xmlHeader)
	b.WriteString("<response><result>")
	if hasDevice(r) {
		element(&b, "deviceName", r.Device)
	}
	if r.HasUser {
		element(&b, "userID", r.User)
	}
	for _, f := range r.Fields {
		element(&b, f.Name, f.Value)
	}
	encodeDevices(&b, r.Devices)
	encodeBookings(&b, r.Bookings)
	element(&b, "code", strconv.Itoa(r.Code))
	element(&b, "text", r.Text)
	b.WriteString("</result></response>")
	return b.Bytes()
}

func encodeDevices(b *bytes.Buffer, devices []service.DeviceResult) {
	switch {
	case devices == nil:
		return
	case len(devices) == 0:
		b.WriteString("<devices/>")
		return
	}
	b.WriteString("<devices>")
	for _, d := range devices {
		b.WriteString("<device>")
		if d.Device != "" {
			element(b, "deviceName", d.Device)
		}
		element(b, "cluster", d.Cluster)
		if d.Text != "" {
			element(b, "code", strconv.Itoa(d.Code))
			element(b, "text", d.Text)
		}
		b.WriteString("</device>")
	}
	b.WriteString("</devices>")
}

// hasDevice reports whether r's operation names a device in its path:
// getbookings only when it was given one.
func hasDevice(r service.Result) bool {
	op, ok := service.Lookup(r.Op)
	return ok && slices.Contains(op.Params(), service.ParamDevice) && (r.Device != "" || op.RequiresDevice())
}

func element(b *bytes.Buffer, name, text string) {
	b.WriteString("<" + name + ">")
	_ = xml.EscapeText(b, []byte(text)) // a bytes.Buffer write never fails
	b.WriteString("</" + name + ">")
}

// jsonResult is the JSON form of a result: the XML element names, the same
// elements present or absent.
type jsonResult struct {
	DeviceName *string        `json:"deviceName,omitempty"`
	UserID     *string        `json:"userID,omitempty"`
	Devices    *[]jsonDevice  `json:"devices,omitempty"`
	Bookings   *[]jsonBooking `json:"bookings,omitempty"`
	Code       int            `json:"code"`
	Text       string         `json:"text"`
}

// jsonDevice is one entry of the list payload.
type jsonDevice struct {
	DeviceName string  `json:"deviceName,omitempty"` // absent for a cluster that could not be asked
	Cluster    string  `json:"cluster"`
	Code       *int    `json:"code,omitempty"`
	Text       *string `json:"text,omitempty"`
}

// encodeJSON renders r as {"deviceName":…,"userID":…,"code":N,"text":…}.
func encodeJSON(r service.Result) []byte {
	j := jsonResult{Code: r.Code, Text: r.Text}
	if hasDevice(r) {
		j.DeviceName = &r.Device
	}
	if r.HasUser {
		j.UserID = &r.User
	}
	if r.Devices != nil {
		list := make([]jsonDevice, len(r.Devices))
		for i, d := range r.Devices {
			list[i] = jsonDevice{DeviceName: d.Device, Cluster: d.Cluster}
			if d.Text != "" {
				list[i].Code, list[i].Text = &d.Code, &d.Text
			}
		}
		j.Devices = &list
	}
	if r.Bookings != nil {
		list := bookingsJSON(r.Bookings)
		j.Bookings = &list
	}
	data, _ := json.Marshal(j) // strings and ints always marshal
	// The operation-specific fields become properties of the same object,
	// after the standard ones and in their order.
	for _, f := range r.Fields {
		name, _ := json.Marshal(f.Name)
		value, _ := json.Marshal(f.Value)
		data = append(data[:len(data)-1], ',')
		data = append(append(append(data, name...), ':'), value...)
		data = append(data, '}')
	}
	return data
}

// versionJSON is {"appversion":"1.4","appname":"Business Connector"}.
func versionJSON() []byte {
	data, _ := json.Marshal(struct {
		AppVersion string `json:"appversion"`
		AppName    string `json:"appname"`
	}{APIVersion, AppName})
	return data
}

// wantsJSON reports whether the Accept header asks for application/json
// more than for XML. XML stays the default: a missing header, */* alone, or
// an equal or higher q for text/xml or application/xml answers XML.
// Wildcards do not count as asking for XML, so the common
// "application/json, text/plain, */*" gets JSON. q=0 means "not this type";
// unparseable ranges are ignored.
func wantsJSON(accept string) bool {
	if accept == "" {
		return false
	}
	jsonQ, xmlQ := -1.0, -1.0
	for _, part := range strings.Split(accept, ",") {
		mt, params, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		q := 1.0
		if v, ok := params["q"]; ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil || f < 0 || f > 1 {
				continue
			}
			q = f
		}
		switch mt {
		case "application/json":
			jsonQ = max(jsonQ, q)
		case "text/xml", "application/xml":
			xmlQ = max(xmlQ, q)
		}
	}
	return jsonQ > 0 && jsonQ > xmlQ
}
