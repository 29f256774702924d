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
	codes := map[string]bool{}
	listens := map[string]string{}
	userHome := map[string]string{}  // folded user ID -> cluster code
	userSpelt := map[string]string{} // folded user ID -> first spelling
	for ci := range t.Clusters {
		c := &t.Clusters[ci]
		if c.Code == "" {
			continue // reported while decoding
		}
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
			if n.Name == "" {
				continue
			}
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

		apps := make(map[string]string, len(c.AppUsers))
		for _, a := range c.AppUsers {
			if a.ID == "" {
				continue
			}
			if first, ok := apps[fold(a.ID)]; ok {
				errs.add(a.line, where+"duplicate app user "+sameAs(a.ID, first))
			}
			apps[fold(a.ID)] = a.ID
		}

		profiles := make(map[string]string, len(c.Profiles))
		for _, p := range c.Profiles {
			if p.Name == "" {
				continue
			}
			if first, ok := profiles[fold(p.Name)]; ok {
				errs.add(p.line, where+"duplicate profile "+sameAs(p.Name, first))
			}
			profiles[fold(p.Name)] = p.Name
		}

		for ui := range c.Users {
			u := &c.Users[ui]
			if errs.full() {
				return
			}
			if u.ID == "" {
				continue
			}
			key := fold(u.ID)
			if home, ok := userHome[key]; ok {
				if home == c.Code {
					errs.add(u.line, where+"duplicate user "+sameAs(u.ID, userSpelt[key]))
				} else {
					errs.add(u.line, where+fmt.Sprintf("user %s is already homed in cluster %q (user IDs are unique across the topology)", sameAs(u.ID, userSpelt[key]), home))
				}
			} else {
				userSpelt[key] = u.ID
			}
			userHome[key] = c.Code
			if first, ok := apps[key]; ok {
				errs.add(u.line, where+fmt.Sprintf("user %q has the ID of app user %q", u.ID, first))
			}
			for i, p := range u.Profiles {
				configured, ok := profiles[fold(p)]
				if !ok {
					errs.add(u.line, where+fmt.Sprintf("user %q: unknown profile %q", u.ID, p))
					continue
				}
				// Profile lists are short: a quadratic scan beats a map per user.
				if slices.Contains(u.Profiles[:i], configured) {
					errs.add(u.line, where+fmt.Sprintf("user %q: profile %q listed twice", u.ID, p))
				}
				u.Profiles[i] = configured
			}
		}

		devices := make(map[string]string, len(c.Devices))
		for _, d := range c.Devices {
			if errs.full() {
				return
			}
			if d.Name == "" {
				continue
			}
			if first, ok := devices[fold(d.Name)]; ok {
				errs.add(d.line, where+"duplicate device "+sameAs(d.Name, first))
			}
			devices[fold(d.Name)] = d.Name
		}
	}
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
