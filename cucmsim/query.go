package cucmsim

import (
	"slices"
	"strings"
)

// DeviceUser is one answer of deviceUserQuery.
type DeviceUser struct {
	// Device is the name as the query spelt it.
	Device string
	// Exists is false for a device unknown to the cluster (<doesNotExist/>).
	Exists bool
	// User is the logged-in user; empty means nobody (<none/>).
	User string
	// EMCC marks a cross-cluster login (<emccDevice>yes</emccDevice>).
	EMCC bool
	// LastLogin is the last user logged in on the device (also while logged in); empty when
	// the simulator has seen no login there since the last reset.
	LastLogin string
}

// UserDevices is one answer of userDevicesQuery.
type UserDevices struct {
	User string
	// Exists is false for a user the cluster does not home (<doesNotExist/>), even if that
	// user holds an EMCC login here: user records live on the home cluster, and the service's
	// PIN design relies on <doesNotExist/> to detect roaming users.
	Exists bool
	// Devices are the user's devices in this cluster, sorted; empty means <none/>.
	Devices []string
}

// UserProfiles is one answer of deviceProfileQuery.
type UserProfiles struct {
	User string
	// Exists is false for a user the cluster does not home (per-user error 23).
	Exists   bool
	Profiles []ProfileInfo
}

// ProfileInfo is one device profile of a user; Default marks the first one of the topology.
type ProfileInfo struct {
	Name    string
	Default bool
}

// authorizeQuery returns 10 unless p may ask about users: app users need proxy rights, an end
// user may ask only about itself. devices says whether the query names devices, which end
// users may not ask about.
func authorizeQuery(p Principal, users []string, devices bool) error {
	if !p.EndUser {
		return p.mayActForAll()
	}
	if devices {
		return newError(CodeNoProxyRights)
	}
	for _, u := range users {
		if err := p.mayActFor(u); err != nil {
			return err
		}
	}
	return nil
}

// DeviceUsers answers deviceUserQuery: one result per name, in request order. Returns 10 when
// the caller may not query devices.
func (c *Cluster) DeviceUsers(p Principal, devices []string) ([]DeviceUser, error) {
	if err := authorizeQuery(p, nil, true); err != nil {
		return nil, err
	}
	out := make([]DeviceUser, len(devices))
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.model.Now()
	for i, d := range devices {
		out[i] = DeviceUser{Device: d}
		dev, ok := c.device(d)
		if !ok {
			continue
		}
		out[i].Exists = true
		if l, ok := c.current(dev.Name, now); ok {
			out[i].User, out[i].EMCC = l.user, l.emcc
		}
		out[i].LastLogin = c.last[dev.Name]
	}
	return out, nil
}

// UserDevices answers userDevicesQuery: one result per user, in request order, devices sorted.
// Returns 10 when the caller may not query those users.
func (c *Cluster) UserDevices(p Principal, users []string) ([]UserDevices, error) {
	if err := authorizeQuery(p, users, false); err != nil {
		return nil, err
	}
	out := make([]UserDevices, len(users))
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.model.Now()
	for i, u := range users {
		out[i] = UserDevices{User: u}
		user, ok := c.user(u)
		if !ok {
			continue
		}
		out[i].Exists = true
		out[i].Devices = c.devicesOf(user.ID, now)
	}
	return out, nil
}

// DeviceProfiles answers deviceProfileQuery: one result per user, in request order, the
// profiles sorted by name. Returns 10 when the caller may not query those users.
func (c *Cluster) DeviceProfiles(p Principal, users []string) ([]UserProfiles, error) {
	if err := authorizeQuery(p, users, false); err != nil {
		return nil, err
	}
	out := make([]UserProfiles, len(users))
	for i, id := range users {
		out[i] = UserProfiles{User: id}
		u, ok := c.user(id)
		if !ok {
			continue
		}
		out[i].Exists = true
		for j, name := range u.Profiles {
			out[i].Profiles = append(out[i].Profiles, ProfileInfo{Name: name, Default: j == 0})
		}
		// Listed by name, like CUCM's association list; the default keeps its flag. (The
		// golden deviceProfileResults shows the default second.)
		slices.SortFunc(out[i].Profiles, func(a, b ProfileInfo) int { return strings.Compare(a.Name, b.Name) })
	}
	return out, nil
}

// CheckUsers answers checkUser, the query EMApp sends before a login: for each name, in
// request order, the configured ID of the user homed in this cluster, or "" for a user it does
// not home. Returns 10 when the caller may not query those users.
func (c *Cluster) CheckUsers(p Principal, users []string) ([]string, error) {
	if err := authorizeQuery(p, users, false); err != nil {
		return nil, err
	}
	out := make([]string, len(users))
	for i, id := range users {
		if u, ok := c.user(id); ok {
			out[i] = u.ID
		}
	}
	return out, nil
}
