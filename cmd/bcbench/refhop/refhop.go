// Package refhop is the benchmark's reference hop: the barest Business Connector one could
// write with the standard library. A net/http server answers getloggedinuser, login and
// logout with exactly one EM call each (deviceUserQuery, login, logout) through a net/http
// client and encoding/xml, and nothing else: no validation, no logs, no metrics, no limits,
// no failover. `make bench` runs it in bcservice's place, so bcservice's throughput can be
// read as a share of what plain net/http and encoding/xml allow on the same machine.
package refhop

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Forwarder is the reference hop's HTTP handler.
type Forwarder struct {
	client *http.Client
	// nodes maps an upper-case cluster code to the EM servlet URL every call goes to.
	nodes map[string]string
	mux   *http.ServeMux
}

// New returns a Forwarder sending each cluster's calls to nodes[code] (an EM servlet URL)
// through client.
func New(client *http.Client, nodes map[string]string) *Forwarder {
	f := &Forwarder{client: client, nodes: map[string]string{}, mux: http.NewServeMux()}
	for code, u := range nodes {
		f.nodes[strings.ToUpper(code)] = u
	}
	f.mux.HandleFunc("POST /api/getloggedinuser/{device}/{cluster}", f.getLoggedInUser)
	f.mux.HandleFunc("POST /api/login/{device}/{user}/{cluster}", f.login)
	f.mux.HandleFunc("POST /api/logout/{device}/{cluster}", f.logout)
	return f
}

// NewClient returns the client of the reference hop: keep-alive with as many idle
// connections per node as bcservice keeps (64), so neither pays a TCP handshake per call.
func NewClient(timeout time.Duration) *http.Client {
	return &http.Client{Timeout: timeout, Transport: &http.Transport{
		Proxy:               nil,
		MaxIdleConns:        256,
		MaxIdleConnsPerHost: 64,
		IdleConnTimeout:     90 * time.Second,
	}}
}

// ServeHTTP answers the three Business Connector calls the benchmark makes.
func (f *Forwarder) ServeHTTP(w http.ResponseWriter, r *http.Request) { f.mux.ServeHTTP(w, r) }

func (f *Forwarder) getLoggedInUser(w http.ResponseWriter, r *http.Request) {
	device := r.PathValue("device")
	app, node, res := f.prepare(r, device)
	if res == nil {
		q := emQuery{AppInfo: app, Devices: []string{device}}
		var em emResponse
		res = f.call(r.Context(), node, q, &em, device)
		if res == nil {
			res = queryResult(&em, device)
		}
	}
	writeResult(w, res)
}

func (f *Forwarder) login(w http.ResponseWriter, r *http.Request) {
	device, user := r.PathValue("device"), r.PathValue("user")
	app, node, res := f.prepare(r, device)
	if res == nil {
		var em emResponse
		req := emRequest{AppInfo: app, Login: &emLogin{DeviceName: device, UserID: user}}
		res = f.call(r.Context(), node, req, &em, device)
		if res == nil {
			res = actionResult(&em, device, "Login successful for "+user+" on device "+device)
			res.UserID = &user
		}
	}
	writeResult(w, res)
}

func (f *Forwarder) logout(w http.ResponseWriter, r *http.Request) {
	device := r.PathValue("device")
	app, node, res := f.prepare(r, device)
	if res == nil {
		var em emResponse
		req := emRequest{AppInfo: app, Logout: &emLogout{DeviceName: device}}
		res = f.call(r.Context(), node, req, &em, device)
		if res == nil {
			res = actionResult(&em, device, "Logout successful for device "+device)
		}
	}
	writeResult(w, res)
}

// prepare reads the xml parameter and the cluster's node. The result is non-nil only when the
// call cannot be forwarded at all (it is then the answer).
func (f *Forwarder) prepare(r *http.Request, device string) (appInfo, string, *bcResult) {
	var req bcRequest
	if err := xml.Unmarshal([]byte(r.FormValue("xml")), &req); err != nil {
		return appInfo{}, "", &bcResult{DeviceName: device, Code: 1006, Text: "Malformed request XML"}
	}
	node, ok := f.nodes[strings.ToUpper(r.PathValue("cluster"))]
	if !ok {
		return appInfo{}, "", &bcResult{DeviceName: device, Code: 1001, Text: "Cluster not found"}
	}
	return appInfo{AppID: req.AppID, AppCertificate: req.AppCertificate}, node, nil
}

// maxAnswer bounds an EM answer; the ones forwarded here are well under a kilobyte.
const maxAnswer = 1 << 20

// call sends msg to node as the form field xml and decodes the answer into em. A transport
// failure or an answer that is not EM XML gives the 1002 result.
func (f *Forwarder) call(ctx context.Context, node string, msg any, em *emResponse, device string) *bcResult {
	unreachable := &bcResult{DeviceName: device, Code: 1002, Text: "CUCM unreachable"}
	body, err := xml.Marshal(msg)
	if err != nil {
		return unreachable
	}
	form := url.Values{"xml": {string(body)}}.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, node, strings.NewReader(form))
	if err != nil {
		return unreachable
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := f.client.Do(req)
	if err != nil {
		return unreachable
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer))
	if err != nil || resp.StatusCode != http.StatusOK || xml.Unmarshal(data, em) != nil {
		return unreachable
	}
	return nil
}

// queryResult maps a deviceUserQuery answer to the getloggedinuser result.
func queryResult(em *emResponse, device string) *bcResult {
	if em.Failure != nil {
		return &bcResult{DeviceName: device, Code: em.Failure.Error.Code, Text: em.Failure.Error.Text}
	}
	user := ""
	if em.DeviceUserResults != nil && len(em.DeviceUserResults.Devices) == 1 && em.DeviceUserResults.Devices[0].UserID != nil {
		if u, err := url.PathUnescape(*em.DeviceUserResults.Devices[0].UserID); err == nil {
			user = u
		}
	}
	text := "Get logged in user request successful"
	if user == "" {
		text = "No user logged in on device " + device
	}
	return &bcResult{DeviceName: device, UserID: &user, Code: 0, Text: text}
}

// actionResult maps a login or logout answer: success gives code 0 and ok, a failure its code.
func actionResult(em *emResponse, device, ok string) *bcResult {
	if em.Failure != nil {
		return &bcResult{DeviceName: device, Code: em.Failure.Error.Code, Text: em.Failure.Error.Text}
	}
	return &bcResult{DeviceName: device, Code: 0, Text: ok}
}

// xmlHeader starts every Business Connector answer, as bcservice writes it.
const xmlHeader = "<?xml version='1.0' encoding='UTF-8'?>\n"

func writeResult(w http.ResponseWriter, res *bcResult) {
	body, err := xml.Marshal(bcResponse{Result: *res})
	if err != nil {
		http.Error(w, "encode", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	_, _ = io.WriteString(w, xmlHeader)
	_, _ = w.Write(body)
}

// Serve answers on ln until ctx is done, then shuts down gracefully (in-flight calls finish
// within grace).
func Serve(ctx context.Context, ln net.Listener, h http.Handler, grace time.Duration) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.Background(), grace)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("reference hop shutdown: %w", err)
	}
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
