package cucmsim

import "strings"

// MaxDevicePage bounds a page of the device search.
const MaxDevicePage = 500

// DeviceMatch is one device the search found, with its current login.
type DeviceMatch struct {
	Name    string `json:"name"`
	Model   string `json:"model,omitempty"`
	User    string `json:"user,omitempty"`
	Profile string `json:"profile,omitempty"`
	EMCC    bool   `json:"emcc"`
}

// SearchDevices returns the page [offset, offset+limit) of the devices, in topology order,
// whose name, current user or current profile contains q (any case; "" matches every
// device), and the number of devices that match. One pass over the estate, no copy of it.
func (c *Cluster) SearchDevices(q string, offset, limit int) ([]DeviceMatch, int) {
	q = fold(q)
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.model.Now()
	page := []DeviceMatch{}
	total := 0
	for i, dev := range c.order {
		l, on := c.current(dev.Name, now)
		if q != "" && !strings.Contains(c.keys[i], q) &&
			(!on || !(strings.Contains(fold(l.user), q) || strings.Contains(fold(l.profile), q))) {
			continue
		}
		if total >= offset && len(page) < limit {
			m := DeviceMatch{Name: dev.Name, Model: dev.Model}
			if on {
				m.User, m.Profile, m.EMCC = l.user, l.profile, l.emcc
			}
			page = append(page, m)
		}
		total++
	}
	return page, total
}
