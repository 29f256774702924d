package dashboard

import (
	"net/http"

	"github.com/emconnector/emconnector/service"
	"github.com/emconnector/emconnector/service/history"
)

// detailRows is how many of a device's or a user's newest rows a page
// reads; the history page pages through the rest.
const detailRows = 200

type detailView struct {
	Device, User string
	Rows         []history.Record
	Sessions     []loginSession
	Failures     []history.Record
	More         string
	Error        string
	// Check is the answer of "check now"; Done the answer of a logout.
	Check, Done *service.Result
}

func failuresOf(rows []history.Record) []history.Record {
	var out []history.Record
	for _, r := range rows {
		if r.Class != string(service.ClassSuccess) {
			out = append(out, r)
		}
	}
	return out
}

// detail reads the newest rows of q and builds the page's view.
func (d *Dashboard) detail(r *http.Request, q history.Query, more filter) (detailView, int) {
	q.Limit = detailRows
	v := detailView{Device: q.Device, User: q.User}
	if len(q.Device) > maxFilterLen || len(q.User) > maxFilterLen {
		v.Error = "too long"
		return v, http.StatusBadRequest
	}
	p, status, msg := d.query(r, q)
	if status != http.StatusOK {
		v.Error = msg
		return v, status
	}
	v.Rows, v.Sessions, v.Failures = p.Rows, sessionsOf(p.Rows, d.opts.Now()), failuresOf(p.Rows)
	if p.Next != "" {
		v.More = more.link("/history", "")
	}
	return v, http.StatusOK
}

func (d *Dashboard) devicePage(w http.ResponseWriter, r *http.Request) {
	dev := r.PathValue("device")
	v, status := d.detail(r, history.Query{Device: dev}, filter{Device: dev})
	d.render(w, r, status, "device.html", v)
}

func (d *Dashboard) userPage(w http.ResponseWriter, r *http.Request) {
	user := r.PathValue("user")
	v, status := d.detail(r, history.Query{User: user}, filter{User: user})
	d.closeOpen(r.Context(), v.Sessions)
	d.render(w, r, status, "user.html", v)
}

// checkDevice asks CUCM who is logged in on the device and shows the
// device page with the answer.
func (d *Dashboard) checkDevice(w http.ResponseWriter, r *http.Request) {
	dev := r.PathValue("device")
	res := d.act(r, service.Request{Op: service.OpLoggedInUser, Device: dev})
	v, status := d.detail(r, history.Query{Device: dev}, filter{Device: dev})
	v.Check = &res
	d.render(w, r, status, "device.html", v)
}

func (d *Dashboard) confirmLogout(w http.ResponseWriter, r *http.Request) {
	d.render(w, r, http.StatusOK, "confirm.html", detailView{Device: r.PathValue("device")})
}

// logoutDevice logs the device out through CUCM for an operator.
func (d *Dashboard) logoutDevice(w http.ResponseWriter, r *http.Request) {
	dev := r.PathValue("device")
	res := d.act(r, service.Request{Op: service.OpLogout, Device: dev})
	u := userFrom(r.Context())
	d.audit("logout", u.Name, d.clientIP(r).String(), string(res.Class()), "device", dev, "code", res.Code)
	v, status := d.detail(r, history.Query{Device: dev}, filter{Device: dev})
	v.Done = &res
	d.render(w, r, status, "device.html", v)
}

// act runs one operation with the dashboard's EM app user inside its own
// Exchange, so that it is logged, counted and kept in the history like an
// API request, with the signed-in user as its actor.
func (d *Dashboard) act(r *http.Request, req service.Request) service.Result {
	client := d.clientIP(r).String()
	x := service.NewExchange(rand16(), client, r.RemoteAddr, r.Method, d.opts.Now())
	x.SetActor(userFrom(r.Context()).Name)
	return service.ServeAs(r.Context(), d.opts.Conn, x, d.opts.Cred, req)
}
