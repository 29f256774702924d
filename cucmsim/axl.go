package cucmsim

import (
	"io"
	"net/http"

	"github.com/emconnector/emconnector/cucmsim/axlsoap"
)

// Operation names of AXL requests in faults and the request log. doAuthenticateUser keeps
// the name `axl` it had when it was the only AXL method, so existing faults still scope it.
const (
	opAXLAuthenticate = "axl"
	opAXLDeviceReset  = axlsoap.OpDeviceReset
	opAXLListPhone    = axlsoap.OpListPhone
)

// serveAXL is POST /axl/. The method in the SOAP Body names the operation (doDeviceReset,
// listPhone, or doAuthenticateUser for anything else, which then answers its parse fault), so the request
// log names it even for a caller refused by basic auth. Then: basic auth of an app user with
// AXL access (401), faults, the method.
func (s *Sim) serveAXL(n *node, w http.ResponseWriter, r *http.Request) {
	x := s.newExchange(n, r, soapFailure)
	x.soap = true
	body, rerr := io.ReadAll(http.MaxBytesReader(w, r.Body, axlsoap.MaxRequestBytes))
	method := ""
	if rerr == nil {
		method = axlsoap.Method(body)
	}
	x.entry.Operation = opAXLAuthenticate
	switch method {
	case axlsoap.OpDeviceReset:
		x.entry.Operation = opAXLDeviceReset
	case axlsoap.OpListPhone:
		x.entry.Operation = opAXLListPhone
	}
	c := n.cluster.c
	user, pass, ok := r.BasicAuth()
	x.entry.AppID = user
	if !ok || !c.AuthenticateAXL(user, pass) {
		w.Header().Set("WWW-Authenticate", `Basic realm="AXL"`)
		x.resp.status, x.resp.contentType, x.resp.body = http.StatusUnauthorized, "text/plain; charset=utf-8", []byte("Unauthorized")
		s.finish(w, x)
		return
	}
	switch x.entry.Operation {
	case opAXLDeviceReset:
		s.axlDeviceReset(n, w, r, x, body)
		return
	case opAXLListPhone:
		s.axlListPhone(n, w, r, x, body)
		return
	}
	var req axlsoap.Request
	err := rerr
	if err == nil {
		req, err = axlsoap.Decode(body)
	}
	x.entry.User = req.UserID // never the PIN, never the body
	h, faulted := n.cluster.faults.match(opAXLAuthenticate, n.name, nil, []string{req.UserID}, s.rnd.Float64)
	s.underFault(w, r, x, h, faulted,
		func() { x.resp.body = axlsoap.Response(false) },
		func() {
			if err != nil {
				x.resp.status, x.resp.body = http.StatusInternalServerError, axlsoap.Fault("Unable to parse the doAuthenticateUser request")
				return
			}
			authenticated, aerr := c.AuthenticateUserPIN(req.UserID, req.PIN)
			if aerr != nil {
				x.resp.status, x.resp.body = http.StatusInternalServerError, axlsoap.Fault(axlsoap.UserNotFound)
			} else {
				x.resp.body = axlsoap.Response(authenticated)
			}
		})
}

// axlDeviceReset performs doDeviceReset under the faults scoped to it (operation
// doDeviceReset, the device by its configured name when the request found one).
func (s *Sim) axlDeviceReset(n *node, w http.ResponseWriter, r *http.Request, x *exchange, body []byte) {
	c := n.cluster.c
	req, err := axlsoap.DecodeDeviceReset(body)
	device := req.DeviceName
	if device == "" {
		device = req.UUID
	}
	if name, ok := c.ResolveDevice(req.DeviceName, req.UUID); ok {
		device = name
	}
	x.entry.Device = device
	h, faulted := n.cluster.faults.match(opAXLDeviceReset, n.name, []string{device}, nil, s.rnd.Float64)
	s.underFault(w, r, x, h, faulted,
		func() { x.resp.body = axlsoap.ResetResponse(c.DeviceUUID(device)) },
		func() {
			if err != nil {
				x.resp.status, x.resp.body = http.StatusInternalServerError, axlsoap.Fault("Unable to parse the doDeviceReset request: "+err.Error())
				return
			}
			uuid, derr := c.DeviceReset(DeviceResetRequest{Name: req.DeviceName, UUID: req.UUID, Hard: req.Hard})
			if derr != nil {
				x.resp.status, x.resp.body = http.StatusInternalServerError, axlsoap.AXLFault(axlsoap.CodeItemNotValid, axlsoap.DeviceNotFound, axlsoap.OpDeviceReset)
				return
			}
			x.resp.body = axlsoap.ResetResponse(uuid)
		})
}

// axlListPhone performs listPhone under the faults scoped to it (operation listPhone; the
// request log's device is the name pattern, as sent but storable).
func (s *Sim) axlListPhone(n *node, w http.ResponseWriter, r *http.Request, x *exchange, body []byte) {
	req, err := axlsoap.DecodeListPhone(body)
	x.entry.Device = clipPattern(req.Name)
	h, faulted := n.cluster.faults.match(opAXLListPhone, n.name, nil, nil, s.rnd.Float64)
	s.underFault(w, r, x, h, faulted,
		func() { x.resp.body = axlsoap.ListPhoneResponse(nil, req.Tags) },
		func() {
			if err != nil {
				x.resp.status, x.resp.body = http.StatusInternalServerError, axlsoap.Fault("Unable to parse the listPhone request: "+err.Error())
				return
			}
			x.resp.body = axlsoap.ListPhoneResponse(n.cluster.c.ListPhones(req.Name, req.Skip, req.First), req.Tags)
		})
}
