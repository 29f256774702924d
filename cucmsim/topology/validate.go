package topology

import (
	"fmt"
	"slices"
	"strings"
)

// validate checks the cross-entry rules of the contract: unique names, known profiles, user IDs
// unique across the topology, unique listen addresses. Device, profile, user and app user names
// compare case-insensitively, as CUCM looks them up (my_lower(name) = my_lower(?)); a user's
// profile list is rewritten to the profiles' configured spellings.
func validate(t *Topology, errs *errorList) {
	v := validator{
		errs:      errs,
		codes:     map[string]bool{},
		listens:   map[string]string{},
		userHome:  map[string]string{},
		userSpelt: map[string]string{},
	}
	for ci := range t.Clusters {
		c := &t.Clusters[ci]
		if c.Code == "" {
			continue // reported while decoding
		}
		if !v.cluster(c) {
			return
		}
	}
}

// validator holds what validate has seen across clusters: the rules on codes, listen
// addresses and user IDs span the topology.
type validator struct {
	errs      *errorList
	codes     map[string]bool   // upper-cased cluster codes
	listens   map[string]string // listen address -> "cluster/node"
	userHome  map[string]string // folded user ID -> cluster code
	userSpelt map[string]string // folded user ID -> first spelling
}

// cluster checks c; false when the error list is full and validation stops.
func (v *validator) cluster(c *Cluster) bool {
	v.clusterCode(c)
	where := fmt.Sprintf("cluster %q: ", c.Code)
	v.nodes(c, where)
	apps := v.appUsers(c, where)
	profiles := v.profiles(c, where)
	return v.users(c, where, apps, profiles) && v.devices(c, where)
}

// clusterCode checks that the code is well formed and unique (case-insensitively).
func (v *validator) clusterCode(c *Cluster) {
	if !validClusterCode(c.Code) {
		v.errs.add(c.Line, fmt.Sprintf("cluster code %q: want 1-16 letters, digits, '-' or '_'", c.Code))
	}
	key := strings.ToUpper(c.Code)
	if v.codes[key] {
		v.errs.add(c.Line, fmt.Sprintf("duplicate cluster %q (codes compare case-insensitively)", c.Code))
	}
	v.codes[key] = true
}

// nodes checks that a cluster has nodes, with unique names, and that no two nodes of the
// topology listen on the same fixed address.
func (v *validator) nodes(c *Cluster, where string) {
	if len(c.Nodes) == 0 {
		v.errs.add(c.Line, where+"no nodes")
	}
	names := map[string]bool{}
	for _, n := range c.Nodes {
		if n.Name == "" {
			continue
		}
		if names[n.Name] {
			v.errs.add(n.line, where+fmt.Sprintf("duplicate node %q", n.Name))
		}
		names[n.Name] = true
		if strings.HasSuffix(n.Listen, ":0") {
			continue // ephemeral ports never clash
		}
		if other, ok := v.listens[n.Listen]; ok {
			v.errs.add(n.line, where+fmt.Sprintf("listen address %q already used by %s", n.Listen, other))
		}
		v.listens[n.Listen] = fmt.Sprintf("%s/%s", c.Code, n.Name)
	}
}

// appUsers checks that app user IDs are unique in the cluster; it returns them by folded ID.
func (v *validator) appUsers(c *Cluster, where string) map[string]string {
	return v.uniqueNames("app user", where, len(c.AppUsers), func(i int) (string, int) { return c.AppUsers[i].ID, c.AppUsers[i].line })
}

// profiles checks that profile names are unique in the cluster; it returns them by folded
// name.
func (v *validator) profiles(c *Cluster, where string) map[string]string {
	return v.uniqueNames("profile", where, len(c.Profiles), func(i int) (string, int) { return c.Profiles[i].Name, c.Profiles[i].line })
}

// uniqueNames checks that the n names entry gives (with their lines) are unique, compared
// case-insensitively, reporting each repeat as a duplicate what; empty names were reported
// while decoding. It returns the first spelling of each name by folded name.
func (v *validator) uniqueNames(what, where string, n int, entry func(i int) (name string, line int)) map[string]string {
	seen := make(map[string]string, n)
	for i := range n {
		name, line := entry(i)
		if name == "" {
			continue
		}
		if first, ok := seen[fold(name)]; ok {
			v.errs.add(line, where+"duplicate "+what+" "+sameAs(name, first))
		}
		seen[fold(name)] = name
	}
	return seen
}

// users checks the cluster's users against the topology's user IDs, the cluster's app
// users and its profiles; false when the error list filled up.
func (v *validator) users(c *Cluster, where string, apps, profiles map[string]string) bool {
	for ui := range c.Users {
		u := &c.Users[ui]
		if v.errs.full() {
			return false
		}
		if u.ID == "" {
			continue
		}
		v.userID(c.Code, u, where)
		if first, ok := apps[fold(u.ID)]; ok {
			v.errs.add(u.line, where+fmt.Sprintf("user %q has the ID of app user %q", u.ID, first))
		}
		v.userProfiles(u, where, profiles)
	}
	return true
}

// userID checks that a user ID is unique across the topology (a user has one home cluster).
func (v *validator) userID(code string, u *User, where string) {
	key := fold(u.ID)
	if home, ok := v.userHome[key]; ok {
		if home == code {
			v.errs.add(u.line, where+"duplicate user "+sameAs(u.ID, v.userSpelt[key]))
		} else {
			v.errs.add(u.line, where+fmt.Sprintf("user %s is already homed in cluster %q (user IDs are unique across the topology)", sameAs(u.ID, v.userSpelt[key]), home))
		}
	} else {
		v.userSpelt[key] = u.ID
	}
	v.userHome[key] = code
}

// userProfiles checks that a user's profiles are known and listed once, and rewrites them
// to their configured spellings.
func (v *validator) userProfiles(u *User, where string, profiles map[string]string) {
	for i, p := range u.Profiles {
		configured, ok := profiles[fold(p)]
		if !ok {
			v.errs.add(u.line, where+fmt.Sprintf("user %q: unknown profile %q", u.ID, p))
			continue
		}
		// Profile lists are short: a quadratic scan beats a map per user.
		if slices.Contains(u.Profiles[:i], configured) {
			v.errs.add(u.line, where+fmt.Sprintf("user %q: profile %q listed twice", u.ID, p))
		}
		u.Profiles[i] = configured
	}
}

// devices checks that device names are unique in the cluster; false when the error list
// filled up.
func (v *validator) devices(c *Cluster, where string) bool {
	v.uniqueNames("device", where, len(c.Devices), func(i int) (string, int) { return c.Devices[i].Name, c.Devices[i].line })
	return !v.errs.full()
}

// fold is the comparison key of device, profile and user names.
func fold(name string) string { return strings.ToLower(name) }

// sameAs quotes name, and names the earlier entry when only the case differs.
func sameAs(name, first string) string {
	if first == "" || first == name {
		return fmt.Sprintf("%q", name)
	}
	return fmt.Sprintf("%q (same name as %q: names compare case-insensitively, as in CUCM)", name, first)
}
