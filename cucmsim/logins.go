package cucmsim

import (
	"sort"
	"time"
)

// LoginInfo is a current login as the control API shows it.
type LoginInfo struct {
	Device  string
	User    string
	Profile string
	Since   time.Time
	// Expires is zero for a login without automatic logout.
	Expires time.Time
	EMCC    bool
}

// Logins returns the cluster's live logins sorted by device (expired ones are dropped first).
func (c *Cluster) Logins() []LoginInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.model.Now()
	out := make([]LoginInfo, 0, len(c.logins))
	for d := range c.logins {
		if l, ok := c.current(d, now); ok {
			out = append(out, LoginInfo{Device: d, User: l.user, Profile: l.profile, Since: l.since, Expires: l.expires, EMCC: l.emcc})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Device < out[j].Device })
	return out
}

// SetLogin records a login directly, bypassing policy (occupancy, multiple logins, EMCC
// checks, maximum login time) so tests can arrange any state. It still returns 11 for an
// unknown device, 23 for a user unknown to the topology, 12 for an unknown profile (or a user
// without profiles when profile is empty) and 1 for negative minutes. minutes 0 means no
// expiry. A user homed elsewhere gets an EMCC login.
func (c *Cluster) SetLogin(device, user, profile string, minutes int) error {
	dev, ok := c.device(device)
	if !ok {
		return newError(CodeDeviceNotFound)
	}
	u, home := c.homeOf(user)
	if u == nil {
		return newError(CodeUserNotFound)
	}
	profile, err := home.profileFor(u, profile)
	if err != nil {
		return err
	}
	if minutes < 0 {
		return newError(CodeParse)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.model.Now()
	l := login{user: u.ID, profile: profile, since: now, emcc: home != c}
	if minutes > 0 {
		l.expires = now.Add(time.Duration(minutes) * time.Minute)
	}
	c.put(dev.Name, l)
	return nil
}

// ClearLogin removes the login on device, bypassing policy. Returns 19 when nobody is on it
// (11 for an unknown device).
func (c *Cluster) ClearLogin(device string) error {
	dev, ok := c.device(device)
	if !ok {
		return newError(CodeDeviceNotFound)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.current(dev.Name, c.model.Now()); !ok {
		return newError(CodeNoUserLoggedIn)
	}
	c.remove(dev.Name)
	return nil
}

// ResetDevice forgets everything the simulator learnt about device: its login, its last
// login, its call history (back to the topology's) and its resets. Returns 11 for an unknown
// device.
func (c *Cluster) ResetDevice(device string) error {
	dev, ok := c.device(device)
	if !ok {
		return newError(CodeDeviceNotFound)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.remove(dev.Name)
	delete(c.last, dev.Name)
	delete(c.history, dev.Name)
	delete(c.resets, dev.Name)
	return nil
}
