package topology

import (
	"fmt"

	"gopkg.in/yaml.v3"
)

// The provisioned objects of a cluster: app users, users, profiles, devices.

func (d *nodeDecoder) appUser(n *yaml.Node) AppUser {
	u := AppUser{line: d.line(n)}
	if !d.expectKind(n, yaml.MappingNode, "an app user mapping") {
		return u
	}
	axlSet := false
	d.fields(n, appUserKeys, func(key string, v *yaml.Node) {
		switch key {
		case "id":
			u.ID = d.str(v, key)
		case "password":
			u.Password = d.str(v, key)
		case "emProxyRights":
			u.EMProxyRights = d.boolean(v, key)
		case "mustChangePassword":
			u.MustChangePassword = d.boolean(v, key)
		case "axlAccess":
			u.AXLAccess, axlSet = d.boolean(v, key), true
		}
	})
	if !axlSet {
		u.AXLAccess = u.EMProxyRights
	}
	if u.ID == "" {
		d.fail(n, "app user without an id")
	} else if u.Password == "" {
		d.fail(n, fmt.Sprintf("app user %q without a password", u.ID))
	}
	return u
}

// user decodes a mapping or the compact form [id, pin, profile...].
func (d *nodeDecoder) user(n *yaml.Node) User {
	u := User{EMCC: true, line: d.line(n)}
	switch n.Kind {
	case yaml.SequenceNode:
		parts := d.strList(n, "user")
		if len(parts) < 2 {
			d.fail(n, "compact user needs [id, pin, profile...]")
			return u
		}
		u.ID, u.PIN, u.Profiles = parts[0], parts[1], parts[2:]
	case yaml.MappingNode:
		d.fields(n, userKeys, func(key string, v *yaml.Node) {
			switch key {
			case "id":
				u.ID = d.str(v, key)
			case "pin":
				u.PIN = d.str(v, key)
			case "password":
				u.Password = d.str(v, key)
			case "profiles":
				u.Profiles = d.strList(v, key)
			case "locked":
				u.Locked = d.boolean(v, key)
			case "emcc":
				u.EMCC = d.boolean(v, key)
			}
		})
	default:
		d.fail(n, "expected a user mapping or [id, pin, profile...]")
		return u
	}
	if u.ID == "" {
		d.fail(n, "user without an id")
	}
	u.line = d.line(n)
	return u
}

// profile decodes a mapping or a plain name.
func (d *nodeDecoder) profile(n *yaml.Node) Profile {
	p := Profile{line: d.line(n)}
	switch n.Kind {
	case yaml.ScalarNode:
		p.Name = n.Value
	case yaml.MappingNode:
		d.fields(n, profileKeys, func(key string, v *yaml.Node) { p.Name = d.str(v, key) })
	default:
		d.fail(n, "expected a profile mapping or name")
	}
	if p.Name == "" {
		d.fail(n, "profile without a name")
	}
	return p
}

// device decodes a mapping or a plain name (EM enabled, EMCC capable).
func (d *nodeDecoder) device(n *yaml.Node) Device {
	dev := Device{EMEnabled: true, EMCCCapable: true, line: d.line(n)}
	switch n.Kind {
	case yaml.ScalarNode:
		dev.Name = n.Value
	case yaml.MappingNode:
		d.fields(n, deviceKeys, func(key string, v *yaml.Node) {
			switch key {
			case "name":
				dev.Name = d.str(v, key)
			case "model":
				dev.Model = d.str(v, key)
			case "emEnabled":
				dev.EMEnabled = d.boolean(v, key)
			case "emccCapable":
				dev.EMCCCapable = d.boolean(v, key)
			case "callHistory":
				dev.CallHistory = d.integer(v, key)
				if dev.CallHistory < 0 || dev.CallHistory > MaxCallHistory {
					d.fail(v, fmt.Sprintf("callHistory must be 0..%d", MaxCallHistory))
				}
			}
		})
	default:
		d.fail(n, "expected a device mapping or name")
	}
	if dev.Name == "" {
		d.fail(n, "device without a name")
	}
	return dev
}
