package emclient

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/emconnector/emconnector/service"
)

// AXLNamespace is the AXL schema the doAuthenticateUser request names.
const AXLNamespace = "http://www.cisco.com/AXL/API/14.0"

// EncodeAuthenticateUser builds the SOAP envelope of AXL doAuthenticateUser.
// It holds the PIN: it must never be logged.
func EncodeAuthenticateUser(user, pin string) string {
	var b strings.Builder
	b.WriteString(`<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns="` + AXLNamespace + `"><soapenv:Header/><soapenv:Body><ns:doAuthenticateUser>`)
	elem(&b, "userid", user)
	elem(&b, "pin", pin)
	b.WriteString(`</ns:doAuthenticateUser></soapenv:Body></soapenv:Envelope>`)
	return b.String()
}

// AXLAnswer is a decoded doAuthenticateUser answer: either Authenticated or a
// SOAP Fault text.
type AXLAnswer struct {
	Authenticated bool
	Fault         string
	IsFault       bool
}

type soapEnvelope struct {
	Body struct {
		Response *struct {
			Return struct {
				UserAuthenticated string `xml:"userAuthenticated"`
			} `xml:"return"`
		} `xml:"doAuthenticateUserResponse"`
		Fault *struct {
			FaultString string `xml:"faultstring"`
		} `xml:"Fault"`
	} `xml:"Body"`
}

// DecodeAXLAnswer reads a doAuthenticateUser response or SOAP fault.
func DecodeAXLAnswer(body []byte) (AXLAnswer, error) {
	if err := refuseDirectives(body); err != nil {
		return AXLAnswer{}, err
	}
	var env soapEnvelope
	if err := xml.Unmarshal(body, &env); err != nil {
		return AXLAnswer{}, fmt.Errorf("%w: %v", ErrGarbled, err)
	}
	switch {
	case env.Body.Fault != nil:
		return AXLAnswer{IsFault: true, Fault: strings.TrimSpace(env.Body.Fault.FaultString)}, nil
	case env.Body.Response != nil:
		v := strings.TrimSpace(env.Body.Response.Return.UserAuthenticated)
		return AXLAnswer{Authenticated: strings.EqualFold(v, "true")}, nil
	}
	return AXLAnswer{}, fmt.Errorf("%w: no doAuthenticateUserResponse", ErrGarbled)
}

// AuthenticateUser checks user's PIN with AXL doAuthenticateUser on this
// cluster's AXL URLs in turn, with cred as HTTP basic auth. Returns false for
// a wrong PIN or a SOAP fault (e.g. user not found), EM code 3 when AXL
// refuses the credentials (HTTP 401/403), 1002 when no AXL URL answers.
// Neither the PIN nor the certificate appears in any log or error.
func (c *Client) AuthenticateUser(ctx context.Context, cred service.Credentials, user, pin string) (bool, error) {
	body := EncodeAuthenticateUser(user, pin)
	for _, target := range c.axl {
		if ctx.Err() != nil {
			break
		}
		began := time.Now()
		ans, status, reason := c.postAXL(ctx, target, cred, body)
		c.obs.CUCMCall(c.code, hostOf(target), "axl", axlOutcome(ctx, ans, status, reason), time.Since(began))
		switch {
		case status == http.StatusUnauthorized || status == http.StatusForbidden:
			return false, service.CUCMError(service.EMCodeAuth, fmt.Sprintf("AXL of cluster %s refused the credentials of '%s'", c.code, cred.AppID))
		case reason != "":
			c.log.Debug("AXL node failed", "node", target, "reason", reason)
			continue
		case ans.IsFault:
			c.log.Info("AXL fault on PIN check", "user", user, "fault", sanitize(ans.Fault, cred.AppCertificate))
			return false, nil
		}
		return ans.Authenticated, nil
	}
	if ctx.Err() != nil {
		return false, c.busy("deadline passed during the PIN check")
	}
	return false, service.Errorf(service.CodeUnreachable, "AXL of cluster %s unreachable", c.code)
}

// axlOutcome classifies one AXL attempt for the Observer.
func axlOutcome(ctx context.Context, ans AXLAnswer, status int, reason string) string {
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden || reason == "" && ans.IsFault:
		return CallEMError
	case reason == "":
		return CallSuccess
	case status != 0 && status != http.StatusOK && status != http.StatusInternalServerError:
		return CallHTTPError
	case status != 0:
		return CallGarbled
	case ctx.Err() != nil || reason == "timeout":
		return CallTimeout
	}
	return CallConnection
}

func (c *Client) postAXL(ctx context.Context, target string, cred service.Credentials, body string) (AXLAnswer, int, string) {
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(actx, http.MethodPost, target, bytes.NewReader([]byte(body)))
	if err != nil {
		return AXLAnswer{}, 0, "bad AXL URL"
	}
	req.SetBasicAuth(cred.AppID, cred.AppCertificate)
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	req.Header.Set("SOAPAction", `"CUCM:DB ver=14.0 doAuthenticateUser"`)
	res, err := c.http.Do(req)
	if err != nil {
		return AXLAnswer{}, 0, transportReason(err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, maxAnswer+1))
	if err != nil {
		return AXLAnswer{}, res.StatusCode, "connection dropped"
	}
	if res.StatusCode == http.StatusUnauthorized || res.StatusCode == http.StatusForbidden {
		return AXLAnswer{}, res.StatusCode, ""
	}
	if res.StatusCode != http.StatusOK && res.StatusCode != http.StatusInternalServerError {
		return AXLAnswer{}, res.StatusCode, fmt.Sprintf("HTTP %d", res.StatusCode)
	}
	ans, err := DecodeAXLAnswer(data)
	if err != nil {
		return AXLAnswer{}, res.StatusCode, "garbled answer"
	}
	if res.StatusCode != http.StatusOK && !ans.IsFault {
		return AXLAnswer{}, res.StatusCode, "HTTP 500 without a SOAP fault"
	}
	return ans, res.StatusCode, ""
}
