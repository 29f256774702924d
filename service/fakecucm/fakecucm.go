// Package fakecucm is a deliberately small in-memory EMService + AXL stand-in
// for the service's own tests (the real simulator, cucmsim, is independent
// and not imported by the service). It knows devices, users with PINs and
// logins, and answers login, logout, deviceUserQuery and userDevicesQuery
// with the shapes of cmd/cucmsim/README.md, "EM protocol as the simulator
// speaks it". Hook lets a test replace any answer.
package fakecucm

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
)

// Message is a decoded EM request as the fake saw it.
type Message struct {
	Op     string // login, logout, deviceUserQuery, userDevicesQuery
	AppID  string
	Cert   string
	Device string
	User   string
}

// CUCM is one fake cluster; its Handler serves every node.
type CUCM struct {
	AppID, Cert string

	mu      sync.Mutex
	devices map[string]string // device -> logged-in user ("" = none)
	users   map[string]string // user -> PIN
	log     []Message
	// Hook, if set, runs before the normal handling; returning true means
	// it wrote the answer itself. It may also call Apply to carry the
	// operation out first (a lost answer after the fact).
	hook func(w http.ResponseWriter, m Message) bool
	// roamers, shared by linked clusters (Link), holds the users whose PIN a
	// home cluster accepted; nil: every user is accepted.
	roamers *roamers
}

// roamers is the users whose PIN their home cluster accepted, each good for one login.
type roamers struct {
	mu    sync.Mutex
	users map[string]bool
}

// Link makes clusters one topology, as cucmsim's emApiRoaming afterPINCheck: a
// login of a user the cluster does not know answers 23, unless the user's home
// cluster has just accepted the user's PIN through AXL (one login per PIN).
// Unlinked, a cluster accepts any user (an EMCC login whose PIN was checked).
func Link(clusters ...*CUCM) {
	r := &roamers{users: map[string]bool{}}
	for _, c := range clusters {
		c.mu.Lock()
		c.roamers = r
		c.mu.Unlock()
	}
}

// mayRoam reports (and uses up) whether user may log in on a cluster that does not know them.
func (r *roamers) mayRoam(user string) bool {
	if r == nil {
		return true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	ok := r.users[user]
	delete(r.users, user)
	return ok
}

// accepted records that user's PIN was accepted.
func (r *roamers) accepted(user string) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.users[user] = true
}

// New returns a cluster that accepts appID/cert.
func New(appID, cert string) *CUCM {
	return &CUCM{AppID: appID, Cert: cert, devices: map[string]string{}, users: map[string]string{}}
}

// AddDevice adds a device with nobody logged in.
func (c *CUCM) AddDevice(name string) { c.mu.Lock(); c.devices[name] = ""; c.mu.Unlock() }

// AddUser adds a user homed here with a PIN.
func (c *CUCM) AddUser(id, pin string) { c.mu.Lock(); c.users[id] = pin; c.mu.Unlock() }

// SetLogin puts user on device directly.
func (c *CUCM) SetLogin(device, user string) { c.mu.Lock(); c.devices[device] = user; c.mu.Unlock() }

// LoggedIn returns who is on device.
func (c *CUCM) LoggedIn(device string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.devices[device]
}

// SetHook installs a hook (nil removes it).
func (c *CUCM) SetHook(h func(w http.ResponseWriter, m Message) bool) {
	c.mu.Lock()
	c.hook = h
	c.mu.Unlock()
}

// Requests returns the messages received so far.
func (c *CUCM) Requests() []Message {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Message(nil), c.log...)
}

// Count returns how many messages of op were received.
func (c *CUCM) Count(op string) int {
	n := 0
	for _, m := range c.Requests() {
		if m.Op == op {
			n++
		}
	}
	return n
}

type xmlMsg struct {
	XMLName xml.Name
	AppID   string `xml:"appInfo>appID"`
	Cert    string `xml:"appInfo>appCertificate"`
	Login   *struct {
		Device string `xml:"deviceName"`
		User   string `xml:"userID"`
	} `xml:"login"`
	Logout *struct {
		Device string `xml:"deviceName"`
	} `xml:"logout"`
	DUQ *struct {
		Device string `xml:"deviceName"`
	} `xml:"deviceUserQuery"`
	UDQ *struct {
		User string `xml:"userID"`
	} `xml:"userDevicesQuery"`
}

// Handler serves EM at any path except /axl/, which serves doAuthenticateUser.
func (c *CUCM) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasPrefix(r.URL.Path, "/axl") {
			c.axl(w, r)
			return
		}
		var x xmlMsg
		if err := xml.Unmarshal([]byte(r.FormValue("xml")), &x); err != nil {
			Failure(w, 1, "Error on Parsing")
			return
		}
		m := Message{AppID: x.AppID, Cert: x.Cert}
		switch {
		case x.Login != nil:
			m.Op, m.Device, m.User = "login", x.Login.Device, x.Login.User
		case x.Logout != nil:
			m.Op, m.Device = "logout", x.Logout.Device
		case x.DUQ != nil:
			m.Op, m.Device = "deviceUserQuery", x.DUQ.Device
		case x.UDQ != nil:
			m.Op, m.User = "userDevicesQuery", x.UDQ.User
		}
		c.mu.Lock()
		c.log = append(c.log, m)
		hook := c.hook
		c.mu.Unlock()
		if hook != nil && hook(w, m) {
			return
		}
		c.Answer(w, m)
	})
}

// Answer carries m out and writes the normal answer.
func (c *CUCM) Answer(w http.ResponseWriter, m Message) {
	code, text, body := c.Apply(m)
	if code != 0 {
		Failure(w, code, text)
		return
	}
	writeXML(w, body)
}

// Apply carries m out and returns the EM code, text and success body.
func (c *CUCM) Apply(m Message) (int, string, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if m.AppID != c.AppID || m.Cert != c.Cert {
		return 3, fmt.Sprintf("Could not authenticate '%s'", m.AppID), ""
	}
	switch m.Op {
	case "login":
		cur, ok := c.devices[m.Device]
		if !ok {
			return 11, "Device does not exist", ""
		}
		// A user the fake does not know is homed elsewhere: an EMCC login, unless
		// linked clusters say the home cluster accepted no PIN for it.
		if _, known := c.users[m.User]; !known && !c.roamers.mayRoam(m.User) {
			return 23, "User does not exist", ""
		}
		if cur != "" {
			return 18, "Another user logged in", ""
		}
		c.devices[m.Device] = m.User
		return 0, "", "<response><success/></response>"
	case "logout":
		cur, ok := c.devices[m.Device]
		if !ok {
			return 11, "Device does not exist", ""
		}
		if cur == "" {
			return 19, "No user logged in", ""
		}
		c.devices[m.Device] = ""
		return 0, "", "<response><success/></response>"
	case "deviceUserQuery":
		cur, ok := c.devices[m.Device]
		inner := "<none/>"
		switch {
		case !ok:
			inner = "<doesNotExist/>"
		case cur != "":
			e := escapeID(cur)
			inner = "<userID>" + e + "</userID><lastlogin>" + e + "</lastlogin><emccDevice>no</emccDevice>"
		}
		return 0, "", `<response><deviceUserResults><device name="` + m.Device + `">` + inner + `</device></deviceUserResults></response>`
	case "userDevicesQuery":
		inner := ""
		if _, ok := c.users[m.User]; !ok {
			inner = "<doesNotExist/>"
		} else {
			var devs []string
			for d, u := range c.devices {
				if u == m.User {
					devs = append(devs, d)
				}
			}
			sort.Strings(devs)
			for _, d := range devs {
				inner += "<deviceName>" + d + "</deviceName>"
			}
			if inner == "" {
				inner = "<none/>"
			}
		}
		return 0, "", `<response><userDevicesResults><user id="` + escapeID(m.User) + `">` + inner + `</user></userDevicesResults></response>`
	}
	return 8, "Query type undetermined", ""
}

func (c *CUCM) axl(w http.ResponseWriter, r *http.Request) {
	id, pw, ok := r.BasicAuth()
	if !ok || id != c.AppID || pw != c.Cert {
		w.WriteHeader(http.StatusUnauthorized)
		return
	}
	var env struct {
		User string `xml:"Body>doAuthenticateUser>userid"`
		PIN  string `xml:"Body>doAuthenticateUser>pin"`
	}
	if err := xml.NewDecoder(r.Body).Decode(&env); err != nil {
		w.WriteHeader(http.StatusBadRequest)
		return
	}
	c.mu.Lock()
	pin, known := c.users[env.User]
	if known && pin == env.PIN {
		c.roamers.accepted(env.User)
	}
	c.mu.Unlock()
	if !known {
		w.Header().Set("Content-Type", "text/xml")
		w.WriteHeader(http.StatusInternalServerError)
		fmt.Fprint(w, `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><soapenv:Fault><faultcode>soapenv:Client</faultcode><faultstring>Item not valid: The specified User was not found</faultstring></soapenv:Fault></soapenv:Body></soapenv:Envelope>`)
		return
	}
	writeXML(w, `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><ns:doAuthenticateUserResponse xmlns:ns="http://www.cisco.com/AXL/API/14.0"><return><userAuthenticated>`+
		fmt.Sprint(pin == env.PIN)+`</userAuthenticated><code>0</code><daysToExpiry>0</daysToExpiry><isWorkingPeriod>true</isWorkingPeriod></return></ns:doAuthenticateUserResponse></soapenv:Body></soapenv:Envelope>`)
}

// Failure writes an EM failure answer.
func Failure(w http.ResponseWriter, code int, text string) {
	writeXML(w, fmt.Sprintf(`<response><failure><error code="%d">%s</error></failure></response>`, code, text))
}

func writeXML(w http.ResponseWriter, body string) {
	w.Header().Set("Content-Type", "text/xml; charset=utf-8")
	fmt.Fprint(w, body)
}

func escapeID(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}
