package cucmsim

import (
	"strings"
	"sync"
	"time"

	"github.com/emconnector/emconnector/cucmsim/topology"
)

// Model is the domain state of a simulated CUCM estate: the provisioned objects of every
// cluster (read-only after construction) and the current EM logins (guarded per cluster).
// It knows nothing about HTTP.
type Model struct {
	clock    *simClock
	clusters []*Cluster
	byCode   map[string]*Cluster // upper-case code
	home     map[string]*Cluster // folded user ID -> the cluster that homes the user
	pins     pinChecks
}

// Cluster is one CUCM cluster. Provisioned objects are immutable, so EMCC rules may read
// another cluster's users and devices without its lock; logins change only under mu.
type Cluster struct {
	model  *Model
	code   string
	name   string
	policy topology.Policy
	// The provisioned objects are keyed by fold(name): CUCM looks names up with
	// my_lower(name) = my_lower(?), so any spelling finds them.
	appUsers map[string]*topology.AppUser
	users    map[string]*topology.User
	profiles map[string]string // folded name -> configured name
	devices  map[string]*topology.Device
	// order holds the devices in topology order and keys their folded names, for the
	// control API's device search (built once, so a search allocates no list of the estate).
	order []*topology.Device
	keys  []string
	// busy holds one token per login/logout/logoutAll in progress (Maximum Concurrent Requests).
	busy chan struct{}

	// Logins and indexes use the configured spellings of device names and user IDs.
	mu     sync.Mutex
	logins map[string]login    // device -> login
	byUser map[string][]string // user -> devices, for multiple-login rules and userDevicesQuery
	last   map[string]string   // device -> last user logged in there (<lastlogin>)
	// history holds the call history counts that differ from the topology's (device -> count),
	// so a reset is one map swap whatever the size of the estate.
	history map[string]int
	resets  map[string][]ResetRecord // device -> its doDeviceResets, oldest first

	// byUUID maps the upper-case UUID (without braces) of every device to it, built on the
	// first doDeviceReset by uuid: most runs never need it.
	uuidOnce sync.Once
	byUUID   map[string]*topology.Device
}

// login is one EM login on a device.
type login struct {
	user    string
	profile string
	since   time.Time
	expires time.Time // zero: no automatic logout
	emcc    bool
}

// NewModel builds the domain state of topo. topo must be valid (topology.Load validates);
// the model keeps pointers into it, so topo must not change afterwards.
func NewModel(topo *topology.Topology, clock Clock) *Model {
	if clock == nil {
		clock = SystemClock{}
	}
	m := &Model{
		clock:  &simClock{base: clock},
		byCode: make(map[string]*Cluster, len(topo.Clusters)),
		home:   map[string]*Cluster{},
	}
	for ci := range topo.Clusters {
		tc := &topo.Clusters[ci]
		c := &Cluster{
			model:    m,
			code:     tc.Code,
			name:     tc.Name,
			policy:   tc.Policy,
			appUsers: make(map[string]*topology.AppUser, len(tc.AppUsers)),
			users:    make(map[string]*topology.User, len(tc.Users)),
			profiles: make(map[string]string, len(tc.Profiles)),
			devices:  make(map[string]*topology.Device, len(tc.Devices)),
			busy:     make(chan struct{}, max(tc.Policy.MaxConcurrentRequests, 1)),
			logins:   map[string]login{},
			byUser:   map[string][]string{},
			last:     map[string]string{},
			history:  map[string]int{},
			resets:   map[string][]ResetRecord{},
		}
		for i := range tc.AppUsers {
			c.appUsers[fold(tc.AppUsers[i].ID)] = &tc.AppUsers[i]
		}
		for i := range tc.Users {
			c.users[fold(tc.Users[i].ID)] = &tc.Users[i]
			m.home[fold(tc.Users[i].ID)] = c
		}
		for _, p := range tc.Profiles {
			c.profiles[fold(p.Name)] = p.Name
		}
		for i := range tc.Devices {
			c.devices[fold(tc.Devices[i].Name)] = &tc.Devices[i]
			c.order = append(c.order, &tc.Devices[i])
			c.keys = append(c.keys, fold(tc.Devices[i].Name))
		}
		m.clusters = append(m.clusters, c)
		m.byCode[strings.ToUpper(tc.Code)] = c
	}
	return m
}

// Cluster returns the cluster with that code; codes compare case-insensitively.
func (m *Model) Cluster(code string) (*Cluster, bool) {
	c, ok := m.byCode[strings.ToUpper(code)]
	return c, ok
}

// Clusters returns the clusters in topology order.
func (m *Model) Clusters() []*Cluster { return m.clusters }

// Now is the simulator's current time (injected clock plus any Advance).
func (m *Model) Now() time.Time { return m.clock.Now() }

// Advance moves the simulator's clock forward, e.g. past a login's expiry.
func (m *Model) Advance(d time.Duration) { m.clock.advance(d) }

// ClockOffset is how far Advance (and SetClockOffset) moved the clock since the last Reset.
func (m *Model) ClockOffset() time.Duration { return m.clock.get() }

// SetClockOffset puts the clock d ahead of its base, as a restored scenario needs.
func (m *Model) SetClockOffset(d time.Duration) { m.clock.set(d) }

// Reset removes every login and last-login memory, restores call histories, forgets device
// resets and accepted PINs, and undoes every Advance.
func (m *Model) Reset() {
	m.clock.reset()
	m.pins.reset()
	for _, c := range m.clusters {
		c.Reset()
	}
}

// Reset removes the cluster's logins and last-login memory, restores the topology's call
// histories and forgets every device reset (the clock is shared, it stays).
func (c *Cluster) Reset() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.logins = map[string]login{}
	c.byUser = map[string][]string{}
	c.last = map[string]string{}
	c.history = map[string]int{}
	c.resets = map[string][]ResetRecord{}
}

// fold is the key of a name in the lookup maps: names match case-insensitively.
func fold(name string) string { return strings.ToLower(name) }

// device finds a device whatever the spelling of name.
func (c *Cluster) device(name string) (*topology.Device, bool) {
	d, ok := c.devices[fold(name)]
	return d, ok
}

// profile returns the configured spelling of a profile name.
func (c *Cluster) profile(name string) (string, bool) {
	p, ok := c.profiles[fold(name)]
	return p, ok
}

// user finds a user homed in this cluster whatever the spelling of id.
func (c *Cluster) user(id string) (*topology.User, bool) {
	u, ok := c.users[fold(id)]
	return u, ok
}

// Code is the cluster's code as written in the topology.
func (c *Cluster) Code() string { return c.code }

// Name is the cluster's display name.
func (c *Cluster) Name() string { return c.name }

// Begin takes one of the cluster's Maximum Concurrent Requests slots for a login, logout or
// logoutAll. It never waits: when every slot is taken it returns code 26, like CUCM. The
// caller must call the returned release once the operation (including any injected latency)
// is over.
func (c *Cluster) Begin() (release func(), err error) {
	select {
	case c.busy <- struct{}{}:
		return func() { <-c.busy }, nil
	default:
		return nil, newError(CodeBusy)
	}
}

// InProgress is the number of busy slots taken (RTMT's "Requests In Progress").
func (c *Cluster) InProgress() int { return len(c.busy) }

// MaxConcurrent is the policy's limit of requests in progress (maxConcurrentRequests).
func (c *Cluster) MaxConcurrent() int { return cap(c.busy) }

// homeOf returns the user record and its home cluster, or nils for a user unknown to the topology.
func (c *Cluster) homeOf(userID string) (*topology.User, *Cluster) {
	if u, ok := c.user(userID); ok {
		return u, c
	}
	h, ok := c.model.home[fold(userID)]
	if !ok {
		return nil, nil
	}
	u, _ := h.user(userID)
	return u, h
}

// current returns the live login on device, dropping it first if it has expired.
// Expiry is lazy: every read goes through here or purgeUser. Caller holds mu.
func (c *Cluster) current(device string, now time.Time) (login, bool) {
	l, ok := c.logins[device]
	if ok && !l.expires.IsZero() && !now.Before(l.expires) {
		c.remove(device)
		return login{}, false
	}
	return l, ok
}

// devicesOf returns the user's live logins in this cluster, sorted. Caller holds mu.
func (c *Cluster) devicesOf(userID string, now time.Time) []string {
	devs := c.byUser[userID]
	live := make([]string, 0, len(devs))
	for _, d := range devs {
		if _, ok := c.current(d, now); ok {
			live = append(live, d)
		}
	}
	return live
}

// put records a login, indexes it by user and remembers the user as the device's last login.
// Caller holds mu.
func (c *Cluster) put(device string, l login) {
	if old, ok := c.logins[device]; ok {
		c.unindex(old.user, device)
	}
	c.logins[device] = l
	c.last[device] = l.user
	devs := c.byUser[l.user]
	i := 0
	for i < len(devs) && devs[i] < device {
		i++
	}
	c.byUser[l.user] = append(devs[:i], append([]string{device}, devs[i:]...)...)
}

// remove deletes the login on device. Caller holds mu.
func (c *Cluster) remove(device string) {
	if l, ok := c.logins[device]; ok {
		delete(c.logins, device)
		c.unindex(l.user, device)
	}
}

func (c *Cluster) unindex(user, device string) {
	devs := c.byUser[user]
	for i, d := range devs {
		if d == device {
			devs = append(devs[:i:i], devs[i+1:]...)
			break
		}
	}
	if len(devs) == 0 {
		delete(c.byUser, user)
	} else {
		c.byUser[user] = devs
	}
}
