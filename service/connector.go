// Package service is the Business Connector domain: it validates API
// requests, picks the CUCM cluster of a device, runs the PIN (roaming) flow
// and turns every outcome into a result code and text. It knows nothing about
// HTTP: service/httpapi decodes requests and encodes results, and
// service/emclient talks to CUCM through the Cluster interface.
package service

import (
	"context"
	"fmt"
	"strings"
	"time"
)

// Connector carries out the API operations against a set of clusters.
type Connector struct {
	clusters []Cluster // configuration order: decides ties in a search
	byCode   map[string]Cluster
	def      Cluster // nil when no cluster is the default
	locs     *locations
	events   *Emitter
	now      func() time.Time
	// sched runs the bookings; nil when the service has no schedules.
	sched  *Scheduler
	sweeps *SweepRunner // nil: no schedules configured
}

// Found is what an operation found out, also on failure: the cluster it
// used (empty if none was resolved), the user logged in on the device for
// getloggedinuser (empty for nobody), and the list payload of operations
// that concern several devices.
type Found struct {
	Cluster string
	User    string
	Devices []DeviceResult
	// Fields are operation-specific findings reported in the answer.
	Fields []Field
	// Bookings is getbookings' list payload.
	Bookings []Booking
}

// field returns the value of the Field named name ("" when absent).
func (f Found) field(name string) string {
	for _, fl := range f.Fields {
		if fl.Name == name {
			return fl.Value
		}
	}
	return ""
}

// note is what a success text adds for the findings of the request
// options: who a forced login replaced, until when a timed login lasts,
// that the call history was cleared.
func (f Found) note() string {
	var s string
	if u := f.field(FieldReplaced); u != "" {
		s += ", replacing " + u
	}
	if t := f.field(FieldUntil); t != "" {
		s += ", until " + t
	}
	if f.field(FieldHistoryCleared) == "true" {
		s += ", call history cleared"
	}
	return s
}

// Names of the operation-specific answer fields.
const (
	FieldUntil          = "until"
	FieldReplaced       = "replaced"
	FieldLeftFree       = "deviceLeftFree"
	FieldHistoryCleared = "callHistoryCleared"
)

// Options configure a Connector; zero values take the defaults.
type Options struct {
	// Default names the default cluster; "" means none (devices are then
	// searched in every cluster).
	Default string
	// LocationTTL and LocationSize bound the device-location cache
	// (defaults 10 minutes and 100000 devices).
	LocationTTL  time.Duration
	LocationSize int
	// Events receives one Event per API request; nil drops them.
	Events *Emitter
	// Now is the clock of the cache and the events; nil means time.Now.
	Now func() time.Time
}

// NewConnector returns a Connector over clusters, in configuration order.
// Cluster codes are matched case-insensitively.
func NewConnector(clusters []Cluster, opts Options) (*Connector, error) {
	if opts.Now == nil {
		opts.Now = time.Now
	}
	c := &Connector{clusters: clusters, byCode: make(map[string]Cluster, len(clusters)),
		locs: newLocations(opts.LocationTTL, opts.LocationSize, opts.Now), events: opts.Events, now: opts.Now}
	for _, cl := range clusters {
		key := strings.ToUpper(cl.Code())
		if _, dup := c.byCode[key]; dup {
			return nil, fmt.Errorf("duplicate cluster code %q", cl.Code())
		}
		c.byCode[key] = cl
	}
	if opts.Default != "" {
		c.def = c.byCode[strings.ToUpper(opts.Default)]
		if c.def == nil {
			return nil, fmt.Errorf("default cluster %q is not configured", opts.Default)
		}
	}
	return c, nil
}

// Serve carries out the operation req.Op names with cred and returns the
// answer: the input is validated first (nothing reaches CUCM otherwise),
// then the operation runs. See each operation for its codes.
func (c *Connector) Serve(ctx context.Context, cred Credentials, req Request) Result {
	op, ok := Lookup(req.Op)
	if !ok || op.run == nil {
		return ResultFor(req, Found{}, Errorf(CodeNotFound, "Unknown API route"))
	}
	ExchangeFrom(ctx).SetAppID(cred.AppID)
	if err := req.Validate(); err != nil {
		return ResultFor(req, Found{}, err)
	}
	if err := cred.Validate(); err != nil {
		return ResultFor(req, Found{}, err)
	}
	found, err := op.run(c, ctx, cred, req)
	return ResultFor(req, found, err)
}

// Finish emits the Event of a request that has been answered and reports
// whether there was one (a health check has none).
func (c *Connector) Finish(x *Exchange) bool {
	ev, ok := x.Event(c.now())
	if ok {
		c.events.Emit(ev)
	}
	return ok
}

// LocationStats returns the device-location cache's counters.
func (c *Connector) LocationStats() LocationStats { return c.locs.stats() }

// login logs req.User into req.Device (cmd/bcservice/README.md, "PIN design").
// Returns 1001 for an unknown cluster code, 11 when no cluster has the
// device, 23 when no cluster knows the user (PIN or not), 1003 when a user
// homed in another cluster gave no PIN, 1004 for a wrong PIN, CUCM's code
// for an EM failure, and the client's 1002/1010/1011.
//
// The login is optimistic: it goes straight to the device's cluster, and
// only CUCM's 23 (the cluster does not know the user) starts the roaming
// path, so a local user's login is one EM request. A forced login asks
// first (userDevicesQuery), because its optimism would cost state: it
// would log the current user out for a user who then turns out unknown.
func (c *Connector) login(ctx context.Context, cred Credentials, req Request) (Found, error) {
	return c.onDevice(ctx, cred, req, func(visited Cluster, _ *DeviceStatus) (Found, error) {
		found := Found{Cluster: visited.Code()}
		if req.Login.Force {
			return c.askedLogin(ctx, cred, req, visited, found)
		}
		rep, err := visited.Login(ctx, cred, req.Device, req.User, req.Login)
		if !userUnknown(err) {
			return c.loginFound(found, req, rep, err)
		}
		if err := c.roam(ctx, cred, req, visited); err != nil {
			return found, err
		}
		rep, err = visited.Login(ctx, cred, req.Device, req.User, req.Login)
		return c.loginFound(found, req, rep, err)
	})
}

// askedLogin is the login that first asks the visited cluster whether it
// knows the user, and takes the roaming path before anything changes the
// device when it does not.
func (c *Connector) askedLogin(ctx context.Context, cred Credentials, req Request, visited Cluster, found Found) (Found, error) {
	st, err := visited.UserDevices(ctx, cred, req.User)
	if err != nil {
		return found, err
	}
	if !st.Exists {
		if err := c.roam(ctx, cred, req, visited); err != nil {
			return found, err
		}
	}
	// A local user's PIN, if given, is ignored: the EM API has no PIN and
	// the app user's proxy rights authorise the login (documented).
	rep, err := visited.Login(ctx, cred, req.Device, req.User, req.Login)
	return c.loginFound(found, req, rep, err)
}

// roam lets a user the visited cluster does not know through when the home
// cluster accepts the PIN (checkPIN), and marks the exchange as a PIN flow.
func (c *Connector) roam(ctx context.Context, cred Credentials, req Request, visited Cluster) error {
	ExchangeFrom(ctx).SetPINFlow()
	return c.checkPIN(ctx, cred, req, visited)
}

// userUnknown reports CUCM's "user does not exist" (23).
func userUnknown(err error) bool {
	e := asError(err)
	return err != nil && e.FromCUCM && e.Code == EMCodeUserNotFound
}

// loginFound adds what a login with options did to found: who was
// replaced, until when the login lasts, whether a failed forced login left
// the device free (then the error says so too).
func (c *Connector) loginFound(found Found, req Request, rep LoginReport, err error) (Found, error) {
	if rep.Replaced != "" {
		found.Fields = append(found.Fields, Field{FieldReplaced, rep.Replaced})
	}
	if err != nil {
		if rep.LeftFree {
			found.Fields = append(found.Fields, Field{FieldLeftFree, "true"})
			e := *asError(err)
			e.Text += fmt.Sprintf(" (user %s was logged out first: the device was left free)", rep.Replaced)
			err = &e
		}
		return found, err
	}
	if req.Login.Duration > 0 {
		until := c.now().UTC().Add(time.Duration(req.Login.Duration) * time.Minute).Truncate(time.Second)
		found.Fields = append(found.Fields, Field{FieldUntil, until.Format(time.RFC3339)})
	}
	return found, nil
}

// checkPIN lets a roaming user's login through when the home cluster
// accepts the PIN: 23 without a home, 1003 without a PIN, 1004 when wrong.
func (c *Connector) checkPIN(ctx context.Context, cred Credentials, req Request, visited Cluster) error {
	home, err := c.homeCluster(ctx, cred, req.User, visited)
	if err != nil {
		return err
	}
	if req.PIN == "" {
		return Errorf(CodePINRequired, "PIN required: user %s is not known in cluster %s", req.User, visited.Code())
	}
	ok, err := home.AuthenticateUser(ctx, cred, req.User, req.PIN)
	if err != nil {
		return err
	}
	if !ok {
		return Errorf(CodePINInvalid, "PIN invalid for user %s (home cluster %s)", req.User, home.Code())
	}
	return nil
}

// logout logs whoever is on req.Device out. Returns 1001, 11 when no
// cluster has the device, CUCM's code (19 nobody logged in) and the
// client's 1002/1010/1011.
func (c *Connector) logout(ctx context.Context, cred Credentials, req Request) (Found, error) {
	return c.onDevice(ctx, cred, req, func(cl Cluster, _ *DeviceStatus) (Found, error) {
		found := Found{Cluster: cl.Code()}
		cleared, err := logoutDevice(ctx, cl, cred, req.Device, req.ClearCallHistory)
		if cleared {
			found.Fields = append(found.Fields, Field{FieldHistoryCleared, "true"})
		}
		return found, err
	})
}

// logoutDevice logs device out of cl and then, when asked (clear, else the
// cluster's clearCallHistory setting), hard-resets it through AXL so that
// the next user does not see the call history. A failed reset is 1016: the
// logout stands, the history was not cleared.
func logoutDevice(ctx context.Context, cl Cluster, cred Credentials, device string, clear *bool) (cleared bool, err error) {
	if err := cl.Logout(ctx, cred, device); err != nil {
		return false, err
	}
	want := cl.ClearsCallHistoryOnLogout()
	if clear != nil {
		want = *clear
	}
	if !want {
		return false, nil
	}
	if err := cl.ResetDevice(ctx, cred, device); err != nil {
		return false, Errorf(CodeHistoryNotCleared, "Logout successful for device %s, but its call history was not cleared: %s", device, asError(err).Text)
	}
	return true, nil
}

// loggedInUser tells who is logged in on req.Device; nobody is a success
// with an empty Found.User. Returns 11 for an unknown device and the codes
// of logout otherwise.
func (c *Connector) loggedInUser(ctx context.Context, cred Credentials, req Request) (Found, error) {
	return c.onDevice(ctx, cred, req, func(cl Cluster, known *DeviceStatus) (Found, error) {
		found := Found{Cluster: cl.Code()}
		st := known
		if st == nil {
			s, err := cl.DeviceUser(ctx, cred, req.Device)
			if err != nil {
				return found, err
			}
			st = &s
		}
		if !st.Exists {
			return found, CUCMError(EMCodeDeviceNotFound, "Device does not exist")
		}
		found.User = st.User
		return found, nil
	})
}

// onDevice runs do on the cluster of req.Device: the named one (1001 if
// unknown), the default one, the one remembered from an earlier search, or
// the one a search finds. A search also hands do the device status it
// learnt, so getloggedinuser need not ask twice. When a remembered cluster
// says the device does not exist (11), the entry is dropped and the device
// searched again.
func (c *Connector) onDevice(ctx context.Context, cred Credentials, req Request,
	do func(Cluster, *DeviceStatus) (Found, error)) (Found, error) {
	if req.Cluster != "" {
		cl, err := c.named(req.Cluster)
		if err != nil {
			return Found{}, err
		}
		return do(cl, nil)
	}
	if c.def != nil {
		return do(c.def, nil)
	}
	if cl := c.locs.get(req.Device); cl != nil {
		found, err := do(cl, nil)
		if !deviceGone(err) {
			return found, err
		}
		c.locs.forget(req.Device)
	}
	cl, st, err := c.search(ctx, cred, req.Device)
	if err != nil {
		return Found{}, err
	}
	c.locs.put(req.Device, cl)
	return do(cl, st)
}

// named returns the cluster with code (case-insensitive), or 1001.
func (c *Connector) named(code string) (Cluster, error) {
	cl := c.byCode[strings.ToUpper(code)]
	if cl == nil {
		return nil, Errorf(CodeClusterNotFound, "Cluster with code [%s] not found", code)
	}
	return cl, nil
}

// deviceGone reports CUCM's "device does not exist" (11).
func deviceGone(err error) bool {
	e := asError(err)
	return err != nil && e.FromCUCM && e.Code == EMCodeDeviceNotFound
}

// search asks every cluster with deviceUserQuery (askAll: the first cluster
// in configuration order that has the device wins, without waiting for
// slower clusters after it). Without a hit: an EM error answered by a
// cluster is passed through; if any cluster could not be asked the answer is
// 1002, because the device may live there; 11 only when every cluster
// answered that the device does not exist.
func (c *Connector) search(ctx context.Context, cred Credentials, device string) (Cluster, *DeviceStatus, error) {
	replies, won := askAll(ctx, c.clusters, nil,
		func(ctx context.Context, cl Cluster) (DeviceStatus, error) { return cl.DeviceUser(ctx, cred, device) },
		func(st DeviceStatus) bool { return st.Exists })
	if won >= 0 {
		st := replies[won].val
		return c.clusters[won], &st, nil
	}
	down, emErr, transportErr := misses(c.clusters, nil, replies)
	switch {
	case emErr != nil:
		return nil, nil, emErr
	case len(down) == len(c.clusters) && len(down) == 1:
		return nil, nil, transportErr
	case len(down) > 0:
		return nil, nil, Errorf(CodeUnreachable, "CUCM unreachable: cannot search device %s in cluster(s) %s", device, strings.Join(down, ", "))
	}
	return nil, nil, Errorf(EMCodeDeviceNotFound, "Device %s does not exist in any cluster", device)
}

// homeCluster finds the cluster other than visited that knows user (askAll
// with userDevicesQuery). Returns 23 "User not found" (the Business
// Connector's code) when every cluster answered that it does not know the
// user, an EM error answered by a cluster, or the error (1002) of a cluster
// that could be the home but could not be asked.
func (c *Connector) homeCluster(ctx context.Context, cred Credentials, user string, visited Cluster) (Cluster, error) {
	replies, won := askAll(ctx, c.clusters, visited,
		func(ctx context.Context, cl Cluster) (UserStatus, error) { return cl.UserDevices(ctx, cred, user) },
		func(st UserStatus) bool { return st.Exists })
	if won >= 0 {
		return c.clusters[won], nil
	}
	_, emErr, transportErr := misses(c.clusters, visited, replies)
	switch {
	case emErr != nil:
		return nil, emErr
	case transportErr != nil:
		return nil, transportErr
	}
	return nil, Errorf(EMCodeUserNotFound, "User not found")
}
