package cucmsim

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/emconnector/emconnector/cucmsim/axlsoap"
	"github.com/emconnector/emconnector/cucmsim/emxml"
)

const xmlContentType = "text/xml; charset=utf-8"

// nodeMux routes one node's endpoints. A node marked down closes every connection, which
// matters when the handler is used without listeners (httptest).
func (s *Sim) nodeMux(n *node) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/emservice/EMServiceServlet", func(w http.ResponseWriter, r *http.Request) { s.serveEM(n, w, r) })
	mux.HandleFunc("POST /axl/", func(w http.ResponseWriter, r *http.Request) { s.serveAXL(n, w, r) })
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !n.up.Load() {
			dropConnection(w)
			return
		}
		mux.ServeHTTP(w, r)
	})
	return mergeSlashes(h)
}

// exchange is one request in flight: what will be answered and what will be logged.
type exchange struct {
	node  *node
	start time.Time
	entry RequestEntry
	resp  response
	// soap marks an AXL exchange, whose answers never carry an EM code.
	soap bool
}

func (s *Sim) newExchange(n *node, r *http.Request, failure func(int, string) (int, []byte)) *exchange {
	x := &exchange{
		node:  n,
		start: time.Now(),
		entry: RequestEntry{Seq: n.cluster.reqs.arrive(), Time: s.model.Now(), Node: n.name, Method: r.Method},
		resp:  response{status: http.StatusOK, contentType: xmlContentType, failure: failure},
	}
	// Read at answer time: the appID is known once the document is decoded.
	x.resp.text = func(code int) string { return n.cluster.c.ErrorText(code, x.entry.AppID) }
	return x
}

func emFailure(code int, text string) (int, []byte) { return http.StatusOK, emxml.Failure(code, text) }

func soapFailure(_ int, text string) (int, []byte) {
	return http.StatusInternalServerError, axlsoap.Fault(text)
}

// answer sets an EM body with its code.
func (x *exchange) answer(body []byte, code int) {
	x.resp.status, x.resp.body, x.resp.emCode = http.StatusOK, body, &code
}

// fail sets the failure for err: the code of an *Error (domain) or *emxml.Error (decoding),
// anything else 0 "Unknown Error", in the cluster's wording.
func (x *exchange) fail(err error) {
	code := CodeUnknown
	var de *Error
	var xe *emxml.Error
	switch {
	case errors.As(err, &de):
		code = de.Code
	case errors.As(err, &xe):
		code = xe.Code
	}
	x.resp.status, x.resp.body = x.resp.failure(code, x.resp.text(code))
	x.resp.emCode = &code
}

// serveEM is /emservice/EMServiceServlet: decode, apply faults and busy slots, call the
// domain, encode.
func (s *Sim) serveEM(n *node, w http.ResponseWriter, r *http.Request) {
	x := s.newExchange(n, r, emFailure)
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		// Tomcat's deny-all constraint on emservice.war.
		x.resp.status, x.resp.body = http.StatusForbidden, emxml.MethodNotAllowed(r.Method)
		s.finish(w, x)
		return
	}
	doc := readXMLParam(w, r)
	x.entry.XML = redactXML(doc)
	msg, derr := emxml.Decode(doc)
	var devices, users []string
	if msg != nil {
		x.entry.Operation, x.entry.AppID = string(msg.Op), msg.AppID
		devices, users = msg.Devices(), msg.Users()
		x.entry.Device, x.entry.User = strings.Join(devices, ","), strings.Join(users, ",")
	}
	c := n.cluster.c
	if derr == nil && (msg.Op == emxml.OpLogin || msg.Op == emxml.OpLogout || msg.Op == emxml.OpLogoutAll) {
		// The slot is held through injected latency, which is how tests fill it deterministically.
		release, err := c.Begin()
		if err != nil {
			x.fail(err)
			s.finish(w, x)
			return
		}
		defer release()
	}
	if derr == nil {
		// The policy's realistic timing, inside the busy slot like a real request's work.
		if !s.wait(r.Context(), c.OperationLatency(x.entry.Operation, s.rnd.Float64)) {
			s.abandon(w, x)
			return
		}
	}
	h, faulted := n.cluster.faults.match(x.entry.Operation, n.name, devices, users, s.rnd.Float64)
	s.underFault(w, r, x, h, faulted,
		func() { x.answer(emxml.Success(), 0) }, // what a garbling effect garbles
		func() {
			if derr != nil {
				x.fail(derr)
			} else {
				s.executeEM(c, msg, x)
			}
		})
}

// underFault performs an operation under the fault h matched for it (none when !faulted)
// and finishes the exchange. A fault without `after` waits its latency first, and when it
// has an effect, the operation is not performed: the effect shapes canned(), the answer a
// success would have had. A fault with `after` performs the operation, waits, then shapes
// the real answer. A client that leaves during the latency gets a dropped connection.
func (s *Sim) underFault(w http.ResponseWriter, r *http.Request, x *exchange, h hit, faulted bool, canned, perform func()) {
	if faulted {
		x.entry.Fault = h.id
	}
	if faulted && !h.after {
		if !s.wait(r.Context(), h.latency) {
			s.abandon(w, x)
			return
		}
		if h.effect != nil {
			canned()
			h.effect.apply(&x.resp)
			s.finish(w, x)
			return
		}
	}
	perform()
	if faulted && h.after {
		if !s.wait(r.Context(), h.latency) {
			s.abandon(w, x)
			return
		}
		if h.effect != nil {
			h.effect.apply(&x.resp)
		}
	}
	s.finish(w, x)
}

// executeEM authenticates the appID and runs the operation on the domain.
func (s *Sim) executeEM(c *Cluster, m *emxml.Message, x *exchange) {
	p, err := c.AuthenticateApp(m.AppID, m.AppCertificate)
	if err != nil {
		x.fail(err)
		return
	}
	switch m.Op {
	case emxml.OpLogin:
		err = c.Login(p, LoginRequest{Device: m.DeviceName, User: m.UserID, Profile: m.DeviceProfile,
			TimeSet: m.TimeSet, Minutes: m.Minutes, RemoteIP: m.RemoteIPAddr, ViaProxy: m.IsViaHeaderSet})
	case emxml.OpLogout:
		err = c.Logout(p, LogoutRequest{Device: m.DeviceName, RemoteIP: m.RemoteIPAddr, ViaProxy: m.IsViaHeaderSet})
	case emxml.OpLogoutAll:
		err = c.LogoutAll(p)
	case emxml.OpDeviceUserQuery:
		var res []DeviceUser
		if res, err = c.DeviceUsers(p, m.Names); err == nil {
			out := make([]emxml.DeviceResult, len(res))
			for i, d := range res {
				out[i] = emxml.DeviceResult{Name: d.Device, UserID: d.User, LastLogin: d.LastLogin, EMCC: d.EMCC}
				switch {
				case !d.Exists:
					out[i].State = emxml.DeviceDoesNotExist
				case d.User != "":
					out[i].State = emxml.DeviceLoggedIn
				}
			}
			x.answer(emxml.DeviceUserResults(out), 0)
			return
		}
	case emxml.OpUserDevicesQuery:
		var res []UserDevices
		if res, err = c.UserDevices(p, m.Names); err == nil {
			out := make([]emxml.UserDevicesResult, len(res))
			for i, u := range res {
				out[i] = emxml.UserDevicesResult{UserID: u.User, Exists: u.Exists, Devices: u.Devices}
			}
			x.answer(emxml.UserDevicesResults(out), 0)
			return
		}
	case emxml.OpCheckUser:
		var res []string
		if res, err = c.CheckUsers(p, m.Names); err == nil {
			out := make([]emxml.CheckUserResult, len(res))
			for i, u := range res {
				out[i] = emxml.CheckUserResult{ID: m.Names[i], User: u}
			}
			x.answer(emxml.CheckUserResults(out), 0)
			return
		}
	case emxml.OpDeviceProfileQuery:
		var res []UserProfiles
		if res, err = c.DeviceProfiles(p, m.Names); err == nil {
			out := make([]emxml.UserProfilesResult, len(res))
			for i, u := range res {
				out[i] = emxml.UserProfilesResult{UserID: u.User, Exists: u.Exists}
				for _, pr := range u.Profiles {
					out[i].Profiles = append(out[i].Profiles, emxml.Profile{Name: pr.Name, Default: pr.Default})
				}
			}
			x.answer(emxml.DeviceProfileResults(out), 0)
			return
		}
	}
	if err != nil {
		x.fail(err)
		return
	}
	x.answer(emxml.Success(), 0)
}

// finish writes the response (or drops the connection), then logs and records the request.
func (s *Sim) finish(w http.ResponseWriter, x *exchange) {
	if x.soap {
		x.resp.emCode = nil // AXL answers carry no EM code, whatever a fault's effect set
	}
	if x.resp.drop {
		dropConnection(w)
		x.entry.Status = 0
	} else {
		w.Header().Set("Content-Type", x.resp.contentType)
		w.WriteHeader(x.resp.status)
		_, _ = w.Write(x.resp.body)
		x.entry.Status = x.resp.status
		x.entry.Code = x.resp.emCode
	}
	s.record(x)
}

// abandon ends a request whose client left, or whose simulator stopped, during an injected
// latency: the connection is dropped (like a dying server), never answered with an empty 200.
func (s *Sim) abandon(w http.ResponseWriter, x *exchange) {
	defer dropConnection(w)
	x.entry.Status = 0
	x.entry.Code = nil
	s.record(x)
}

func (s *Sim) record(x *exchange) {
	took := time.Since(x.start)
	x.node.latency.observe(took)
	x.node.cluster.reqs.add(x.entry)
	s.stream.publish(x.node.cluster.c.Code(), &x.entry)
	code := -1
	if x.entry.Code != nil {
		code = *x.entry.Code
	}
	s.log.LogAttrs(context.Background(), slog.LevelInfo, "request",
		slog.String("cluster", x.node.cluster.c.Code()),
		slog.String("node", x.node.name),
		slog.String("method", x.entry.Method),
		slog.String("operation", x.entry.Operation),
		slog.String("device", x.entry.Device),
		slog.String("user", x.entry.User),
		slog.String("appID", x.entry.AppID),
		slog.Int("code", code),
		slog.Int("status", x.entry.Status),
		slog.String("fault", x.entry.Fault),
		slog.Duration("duration", took),
	)
}

// dropConnection closes the client's connection without an answer.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	// Not hijackable (HTTP/2, recorders): net/http aborts the stream for this sentinel.
	panic(http.ErrAbortHandler)
}
