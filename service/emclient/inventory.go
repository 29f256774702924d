package emclient

import (
	"context"

	"fmt"
	"strconv"
	"strings"

	"github.com/emconnector/emconnector/service"
)

// Defaults of the inventory calls (cmd/bcservice/README.md, "Sweeps").
const (
	// DefaultListPageSize rows per listPhone page: names only, so a page
	// stays far below AXL's answer size limit.
	DefaultListPageSize = 500
	// DefaultQueryBatch devices per deviceUserQuery: Cisco's DTD allows
	// deviceName+, and 50 keeps one query's answer around 5 KiB.
	DefaultQueryBatch = 50
	// maxInventory bounds the devices one listing may return, so a server
	// that ignores skip cannot page forever.
	maxInventory = 200000
)

// EncodeListPhone builds the SOAP envelope of AXL listPhone: the phones
// whose name matches pattern, name only, rows [skip, skip+first).
func EncodeListPhone(pattern string, skip, first int) string {
	var b strings.Builder
	b.WriteString(`<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns="` + AXLNamespace + `"><soapenv:Header/><soapenv:Body><ns:listPhone><searchCriteria>`)
	elem(&b, "name", pattern)
	b.WriteString(`</searchCriteria><returnedTags><name/></returnedTags>`)
	elem(&b, "skip", strconv.Itoa(skip))
	elem(&b, "first", strconv.Itoa(first))
	b.WriteString(`</ns:listPhone></soapenv:Body></soapenv:Envelope>`)
	return b.String()
}

// listPhoneEnvelope is the listPhone response.
type listPhoneEnvelope struct {
	Body struct {
		Response *struct {
			Return struct {
				Phones []struct {
					Name string `xml:"name"`
				} `xml:"phone"`
			} `xml:"return"`
		} `xml:"listPhoneResponse"`
	} `xml:"Body"`
}

// decodeListPhone reads the phone names of a listPhone response.
func decodeListPhone(body []byte) ([]string, error) {
	var env listPhoneEnvelope
	if err := unmarshalNoDTD(body, &env); err != nil {
		return nil, err
	}
	if env.Body.Response == nil {
		return nil, fmt.Errorf("%w: no listPhoneResponse", ErrGarbled)
	}
	names := make([]string, 0, len(env.Body.Response.Return.Phones))
	for _, p := range env.Body.Response.Return.Phones {
		names = append(names, strings.TrimSpace(p.Name))
	}
	return names, nil
}

// ListDevices pages through AXL listPhone (service.Inventory). Returns
// 1014 with AXL's fault text when AXL refuses the listing, 3 when it
// refuses the credentials, 1002 when no AXL URL answers, 1011 when the
// deadline passed.
func (c *Client) ListDevices(ctx context.Context, cred service.Credentials, pattern string, pageSize int) ([]string, error) {
	if pageSize <= 0 {
		pageSize = DefaultListPageSize
	}
	if c.resetCred != nil {
		cred = *c.resetCred
	}
	var all []string
	for skip := 0; skip < maxInventory; skip += pageSize {
		ans, err := callAXL(ctx, c, cred, "listPhone", EncodeListPhone(pattern, skip, pageSize), decodeListPhone)
		if err != nil {
			return nil, err
		}
		if ans.isFault {
			return nil, service.Errorf(service.CodeCUCMUnknownError, "AXL of cluster %s refused listPhone: %s", c.code, sanitize(ans.fault, cred.AppCertificate))
		}
		all = append(all, ans.value...)
		if len(ans.value) < pageSize {
			return all, nil
		}
	}
	return nil, service.Errorf(service.CodeCUCMUnknownError, "AXL of cluster %s listed more than %d phones for one pattern", c.code, maxInventory)
}

// DeviceUsers asks who is on devices, batch names per deviceUserQuery
// (service.Inventory), one query after the other: a snapshot, so no device
// lock is taken. A device missing from an answer is an error (1002).
func (c *Client) DeviceUsers(ctx context.Context, cred service.Credentials, devices []string, batch int) ([]service.DeviceStatus, error) {
	if batch <= 0 {
		batch = DefaultQueryBatch
	}
	a := auth(cred)
	out := make([]service.DeviceStatus, 0, len(devices))
	for start := 0; start < len(devices); start += batch {
		names := devices[start:min(start+batch, len(devices))]
		resp, err := c.query(ctx, a, "deviceUserQuery", EncodeQuery(a, DeviceUserQuery, names...), 0)
		if err != nil {
			return nil, err
		}
		got := make(map[string]DeviceResult, len(resp.DeviceUsers))
		for _, d := range resp.DeviceUsers {
			got[strings.ToUpper(d.Name)] = d
		}
		for _, n := range names {
			d, ok := got[strings.ToUpper(n)]
			if !ok {
				return nil, c.unreachable("deviceUserQuery answer without device " + service.Storable(n, service.MaxNameBytes))
			}
			out = append(out, service.DeviceStatus{Exists: !d.DoesNotExist, User: d.User})
		}
	}
	return out, nil
}

var _ service.Inventory = (*Client)(nil)
