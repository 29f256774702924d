package axlsoap

import (
	"errors"
	"fmt"
	"strings"
)

// DeviceNotFound is the faultstring (and axlmessage) of doDeviceReset for an unknown device.
const DeviceNotFound = "Item not valid: The specified Device was not found"

// CodeItemNotValid is the axlcode real AXL gives with "Item not valid: … was not found".
const CodeItemNotValid = 5007

// The values of deviceResetType (AXL 8.0 on): Reset is a hard reset, Restart a soft one.
const (
	ResetTypeReset   = "Reset"
	ResetTypeRestart = "Restart"
)

// ResetRequest is a decoded doDeviceReset.
type ResetRequest struct {
	// DeviceName names the device; empty when the request names it by UUID.
	DeviceName string
	// UUID is the device's pkid as the request wrote it (braces and case as sent).
	UUID string
	// Hard is the reset kind after the precedence rule of DecodeDeviceReset.
	Hard bool
}

// DecodeDeviceReset reads a SOAP envelope whose Body holds doDeviceReset. The device is named
// by exactly one of deviceName and uuid. The kind of reset: deviceResetType (Reset = hard,
// Restart = soft) when present, else isHardReset, else soft (both elements default that way
// in the AXL schema). isMGCP is read and ignored: the simulator models phones only. The error
// says what is wrong, without echoing the body.
func DecodeDeviceReset(body []byte) (ResetRequest, error) {
	c, err := parse(body)
	if err != nil || c.method != OpDeviceReset {
		return ResetRequest{}, errMalformed
	}
	name, byName := c.fields["deviceName"]
	uuid, byUUID := c.fields["uuid"]
	if byName == byUUID {
		return ResetRequest{}, errors.New("name the device by exactly one of deviceName and uuid")
	}
	r := ResetRequest{DeviceName: strings.TrimSpace(name), UUID: strings.TrimSpace(uuid)}
	if v, ok := c.fields["isHardReset"]; ok {
		if r.Hard, ok = parseBool(v); !ok {
			return ResetRequest{}, errors.New("isHardReset must be true or false")
		}
	}
	if v, ok := c.fields["isMGCP"]; ok {
		if _, ok := parseBool(v); !ok {
			return ResetRequest{}, errors.New("isMGCP must be true or false")
		}
	}
	if v, ok := c.fields["deviceResetType"]; ok {
		switch strings.TrimSpace(v) {
		case ResetTypeReset:
			r.Hard = true
		case ResetTypeRestart:
			r.Hard = false
		default:
			return ResetRequest{}, fmt.Errorf("deviceResetType must be %s or %s", ResetTypeReset, ResetTypeRestart)
		}
	}
	return r, nil
}

// parseBool reads an AXL boolean: true/false, t/f or 1/0, in any case.
func parseBool(v string) (value, ok bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "t", "1":
		return true, true
	case "false", "f", "0":
		return false, true
	}
	return false, false
}

// ResetResponse is the 200 answer of doDeviceReset: the reset device's UUID.
func ResetResponse(uuid string) []byte {
	var b strings.Builder
	b.WriteString(`<soapenv:Envelope xmlns:soapenv="` + envelopeNS + `"><soapenv:Body><ns:doDeviceResetResponse xmlns:ns="` + axlNS + `"><return>`)
	b.WriteString(escape(uuid))
	b.WriteString(`</return></ns:doDeviceResetResponse></soapenv:Body></soapenv:Envelope>`)
	return []byte(b.String())
}
