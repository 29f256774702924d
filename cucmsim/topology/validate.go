package topology

import (
	"fmt"
	"slices"
	"strings"
)

// validate checks the cross-entry rules of the contract: unique names, known profiles, user IDs
// unique across the topology, unique listen addresses.
func validate(t *Topology, errs *errorList) {
	codes := map[string]bool{}
	listens := map[string]string{}
	userHome := map[string]string{}
	for ci := range t.Clusters {
		c := &t.Clusters[ci]
		if !validClusterCode(c.Code) {
			errs.add(c.Line, fmt.Sprintf("cluster code %q: want 1-16 letters, digits, '-' or '_'", c.Code))
		}
		key := strings.ToUpper(c.Code)
		if codes[key] {
			errs.add(c.Line, fmt.Sprintf("duplicate cluster %q (codes compare case-insensitively)", c.Code))
		}
		codes[key] = true
		where := fmt.Sprintf("cluster %q: ", c.Code)

		if len(c.Nodes) == 0 {
			errs.add(c.Line, where+"no nodes")
		}
		nodes := map[string]bool{}
		for _, n := range c.Nodes {
			if nodes[n.Name] {
				errs.add(n.line, where+fmt.Sprintf("duplicate node %q", n.Name))
			}
			nodes[n.Name] = true
			if strings.HasSuffix(n.Listen, ":0") {
				continue // ephemeral ports never clash
			}
			if other, ok := listens[n.Listen]; ok {
				errs.add(n.line, where+fmt.Sprintf("listen address %q already used by %s", n.Listen, other))
			}
			listens[n.Listen] = fmt.Sprintf("%s/%s", c.Code, n.Name)
		}

		apps := make(map[string]bool, len(c.AppUsers))
		for _, a := range c.AppUsers {
			if apps[a.ID] {
				errs.add(a.line, where+fmt.Sprintf("duplicate app user %q", a.ID))
			}
			apps[a.ID] = true
		}

		profiles := make(map[string]bool, len(c.Profiles))
		for _, p := range c.Profiles {
			if profiles[p.Name] {
				errs.add(p.line, where+fmt.Sprintf("duplicate profile %q", p.Name))
			}
			profiles[p.Name] = true
		}

		for _, u := range c.Users {
			if errs.full() {
				return
			}
			if home, ok := userHome[u.ID]; ok {
				if home == c.Code {
					errs.add(u.line, where+fmt.Sprintf("duplicate user %q", u.ID))
				} else {
					errs.add(u.line, where+fmt.Sprintf("user %q is already homed in cluster %q (user IDs are unique across the topology)", u.ID, home))
				}
			}
			userHome[u.ID] = c.Code
			if apps[u.ID] {
				errs.add(u.line, where+fmt.Sprintf("user %q has the ID of an app user", u.ID))
			}
			for i, p := range u.Profiles {
				if !profiles[p] {
					errs.add(u.line, where+fmt.Sprintf("user %q: unknown profile %q", u.ID, p))
				}
				// Profile lists are short: a quadratic scan beats a map per user.
				if slices.Contains(u.Profiles[:i], p) {
					errs.add(u.line, where+fmt.Sprintf("user %q: profile %q listed twice", u.ID, p))
				}
			}
		}

		devices := make(map[string]bool, len(c.Devices))
		for _, d := range c.Devices {
			if errs.full() {
				return
			}
			if devices[d.Name] {
				errs.add(d.line, where+fmt.Sprintf("duplicate device %q", d.Name))
			}
			devices[d.Name] = true
		}
	}
}
