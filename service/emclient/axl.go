package emclient

import (
	"context"
	"encoding/xml"
	"fmt"
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

// authenticateUserEnvelope is the doAuthenticateUser response.
type authenticateUserEnvelope struct {
	Body struct {
		Response *struct {
			Return struct {
				UserAuthenticated string `xml:"userAuthenticated"`
			} `xml:"return"`
		} `xml:"doAuthenticateUserResponse"`
	} `xml:"Body"`
}

// faultEnvelope is any AXL answer, read only for a SOAP fault.
type faultEnvelope struct {
	Body struct {
		Fault *struct {
			FaultString string `xml:"faultstring"`
		} `xml:"Fault"`
	} `xml:"Body"`
}

// DecodeAXLAnswer reads a doAuthenticateUser response or SOAP fault.
func DecodeAXLAnswer(body []byte) (AXLAnswer, error) {
	ans, err := decodeSOAP(body, decodeAuthenticateUser)
	if err != nil {
		return AXLAnswer{}, err
	}
	return AXLAnswer{Authenticated: ans.value, Fault: ans.fault, IsFault: ans.isFault}, nil
}

func decodeAuthenticateUser(body []byte) (bool, error) {
	var env authenticateUserEnvelope
	if err := xml.Unmarshal(body, &env); err != nil {
		return false, fmt.Errorf("%w: %v", ErrGarbled, err)
	}
	if env.Body.Response == nil {
		return false, fmt.Errorf("%w: no doAuthenticateUserResponse", ErrGarbled)
	}
	v := strings.TrimSpace(env.Body.Response.Return.UserAuthenticated)
	return strings.EqualFold(v, "true"), nil
}

// soapAnswer is an AXL method's decoded answer, or the SOAP fault sent
// instead.
type soapAnswer[T any] struct {
	value   T
	fault   string
	isFault bool
}

// decodeSOAP reads an AXL answer: a SOAP fault, else the method's response
// through decode. Errors wrap ErrGarbled.
func decodeSOAP[T any](body []byte, decode func([]byte) (T, error)) (soapAnswer[T], error) {
	var env faultEnvelope
	if err := unmarshalNoDTD(body, &env); err != nil {
		return soapAnswer[T]{}, err
	}
	if f := env.Body.Fault; f != nil {
		return soapAnswer[T]{isFault: true, fault: strings.TrimSpace(f.FaultString)}, nil
	}
	v, err := decode(body)
	if err != nil {
		return soapAnswer[T]{}, err
	}
	return soapAnswer[T]{value: v}, nil
}

// AuthenticateUser checks user's PIN with AXL doAuthenticateUser on this
// cluster's AXL URLs in turn, with cred as HTTP basic auth. Returns false for
// a wrong PIN or a SOAP fault (e.g. user not found), EM code 3 when AXL
// refuses the credentials (HTTP 401/403), 1002 when no AXL URL answers.
// Neither the PIN nor the certificate appears in any log or error.
func (c *Client) AuthenticateUser(ctx context.Context, cred service.Credentials, user, pin string) (bool, error) {
	ans, err := callAXL(ctx, c, cred, "doAuthenticateUser", EncodeAuthenticateUser(user, pin), decodeAuthenticateUser)
	if err != nil {
		return false, err
	}
	if ans.isFault {
		c.log.Info("AXL fault on PIN check", "user", user, "fault", sanitize(ans.fault, cred.AppCertificate))
		return false, nil
	}
	return ans.value, nil
}

// axlVersion is the AXL version of the SOAPAction header, matching
// AXLNamespace.
const axlVersion = "14.0"

// callAXL sends body, a request of the AXL method, to the cluster's AXL URLs
// in turn with cred as HTTP basic auth, until one answers with the method's
// response (read by decode) or a SOAP fault. A URL that fails is reported as
// the EM node attempts are (op "axl") and the next one is tried. Errors: EM
// code 3 when AXL refuses cred (HTTP 401/403), 1011 when the deadline
// passed, 1002 when no URL answered. body may hold a secret (a PIN): it is
// never logged.
func callAXL[T any](ctx context.Context, c *Client, cred service.Credentials, method, body string, decode func([]byte) (T, error)) (soapAnswer[T], error) {
	for _, target := range c.axl {
		if ctx.Err() != nil {
			break
		}
		began := time.Now()
		service.ExchangeFrom(ctx).Attempt(c.code, hostOf(target))
		ans, refused, fail := postAXL(ctx, c, target, cred, method, body, decode)
		c.obs.CUCMCall(c.code, hostOf(target), "axl", outcome(fail, refused || ans.isFault), time.Since(began))
		switch {
		case refused:
			return ans, service.CUCMError(service.EMCodeAuth, fmt.Sprintf("AXL of cluster %s refused the credentials of '%s'", c.code, cred.AppID))
		case fail.kind != "":
			c.log.Debug("AXL node failed", "method", method, "node", target, "reason", fail.reason)
			continue
		}
		return ans, nil
	}
	if ctx.Err() != nil {
		return soapAnswer[T]{}, c.busy("deadline passed during AXL " + method)
	}
	return soapAnswer[T]{}, service.Errorf(service.CodeUnreachable, "AXL of cluster %s unreachable", c.code)
}

// postAXL makes one AXL attempt. refused is AXL's HTTP 401/403 (the
// credentials, not the URL, are wrong: no other URL is tried); a non-zero
// failure means the URL gave no usable answer. A SOAP fault comes with HTTP
// 500 or 200; any other status, or a 500 without a fault, is an HTTP error.
func postAXL[T any](ctx context.Context, c *Client, target string, cred service.Credentials, method, body string, decode func([]byte) (T, error)) (ans soapAnswer[T], refused bool, f failure) {
	r := c.attempt(ctx, func(ctx context.Context) (*http.Request, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, strings.NewReader(body))
		if err == nil {
			req.SetBasicAuth(cred.AppID, cred.AppCertificate)
			req.Header.Set("Content-Type", "text/xml; charset=utf-8")
			req.Header.Set("SOAPAction", `"CUCM:DB ver=`+axlVersion+` `+method+`"`)
		}
		return req, err
	})
	switch {
	case r.status == http.StatusUnauthorized || r.status == http.StatusForbidden:
		return ans, true, failure{}
	case r.status != 0 && r.status != http.StatusOK && r.status != http.StatusInternalServerError:
		return ans, false, httpFailure(r.status)
	case r.fail.kind != "":
		return ans, false, r.fail
	}
	ans, err := decodeSOAP(r.body, decode)
	switch {
	case err != nil:
		return ans, false, failure{CallGarbled, "garbled answer"}
	case r.status != http.StatusOK && !ans.isFault:
		return soapAnswer[T]{}, false, httpFailure(r.status)
	}
	return ans, false, failure{}
}
