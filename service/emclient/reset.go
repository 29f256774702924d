package emclient

import (
	"context"
	"encoding/xml"
	"fmt"
	"strings"

	"github.com/emconnector/emconnector/service"
)

// EncodeDeviceReset builds the SOAP envelope of AXL doDeviceReset: a hard
// reset of device by name. It says so twice, with isHardReset (every AXL
// version) and deviceResetType Reset (AXL 8.0 onward), which agree.
func EncodeDeviceReset(device string) string {
	var b strings.Builder
	b.WriteString(`<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns="` + AXLNamespace + `"><soapenv:Header/><soapenv:Body><ns:doDeviceReset>`)
	elem(&b, "deviceName", device)
	b.WriteString(`<isHardReset>true</isHardReset><isMGCP>false</isMGCP><deviceResetType>Reset</deviceResetType></ns:doDeviceReset></soapenv:Body></soapenv:Envelope>`)
	return b.String()
}

// deviceResetEnvelope is the doDeviceReset response: the device's uuid.
type deviceResetEnvelope struct {
	Body struct {
		Response *struct {
			Return string `xml:"return"`
		} `xml:"doDeviceResetResponse"`
	} `xml:"Body"`
}

func decodeDeviceReset(body []byte) (string, error) {
	var env deviceResetEnvelope
	if err := xml.Unmarshal(body, &env); err != nil {
		return "", fmt.Errorf("%w: %v", ErrGarbled, err)
	}
	if env.Body.Response == nil {
		return "", fmt.Errorf("%w: no doDeviceResetResponse", ErrGarbled)
	}
	return strings.TrimSpace(env.Body.Response.Return), nil
}

// ResetDevice hard-resets device through AXL doDeviceReset on the cluster's
// AXL URLs in turn, which clears the phone's call history (an EM logout does
// not). It authenticates with the cluster's AXL user when one is configured,
// else with cred. Returns 3 when AXL refuses the credentials, 1014 with
// AXL's fault text when AXL refuses the reset (e.g. an unknown device), 1002
// when no AXL URL answers, 1011 when the deadline passed.
func (c *Client) ResetDevice(ctx context.Context, cred service.Credentials, device string) error {
	if c.resetCred != nil {
		cred = *c.resetCred
	}
	ans, err := callAXL(ctx, c, cred, "doDeviceReset", EncodeDeviceReset(device), decodeDeviceReset)
	if err != nil {
		return err
	}
	if ans.isFault {
		return service.Errorf(service.CodeCUCMUnknownError, "AXL of cluster %s refused the reset of %s: %s", c.code, device, sanitize(ans.fault, cred.AppCertificate))
	}
	return nil
}

// ClearsCallHistoryOnLogout reports the cluster's clearCallHistory setting.
func (c *Client) ClearsCallHistoryOnLogout() bool { return c.clearHistory }
