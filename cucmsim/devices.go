package cucmsim

import (
	"crypto/sha1"
	"fmt"
	"strings"
	"time"

	"github.com/emconnector/emconnector/cucmsim/topology"
)

// MaxCallHistory bounds a device's call history count (topology and control API).
const MaxCallHistory = topology.MaxCallHistory

// maxResetRecords is how many resets a device remembers (the oldest are dropped), so a soak
// that resets phones for hours cannot grow the simulator without bound.
const maxResetRecords = 100

// ResetRecord is one doDeviceReset a device received.
type ResetRecord struct {
	Time time.Time
	Hard bool
}

// DeviceState is a device as the control API shows it.
type DeviceState struct {
	Name        string
	Model       string
	UUID        string
	EMEnabled   bool
	EMCCCapable bool
	// CallHistory is the number of call history entries on the phone.
	CallHistory int
	// Resets are the device's resets since the last reset of the simulator, oldest first.
	Resets []ResetRecord
	// User, Profile and EMCC describe the current EM login; User is empty when nobody is on
	// the device.
	User    string
	Profile string
	EMCC    bool
	// LastLogin is the last user logged in on the device ("" when unknown).
	LastLogin string
}

// DeviceResetRequest is an AXL doDeviceReset: the device by name or, when Name is empty, by
// UUID (braces optional, any case).
type DeviceResetRequest struct {
	Name string
	UUID string
	Hard bool
}

// DeviceUUID is the device's pkid as AXL writes it ({XXXXXXXX-XXXX-…}, upper case). The
// simulator derives it from the cluster code and the device name (any spelling), so it is
// stable across runs and differs between clusters that share a device name.
func (c *Cluster) DeviceUUID(name string) string {
	sum := sha1.Sum([]byte(strings.ToUpper(c.code) + "\x00" + fold(name)))
	sum[6] = sum[6]&0x0f | 0x50 // version 5 (name-based, SHA-1)
	sum[8] = sum[8]&0x3f | 0x80 // RFC 4122 variant
	return strings.ToUpper(fmt.Sprintf("{%x-%x-%x-%x-%x}", sum[0:4], sum[4:6], sum[6:8], sum[8:10], sum[10:16]))
}

// ResolveDevice finds the device a doDeviceReset names and returns its configured name.
func (c *Cluster) ResolveDevice(name, uuid string) (string, bool) {
	dev, ok := c.deviceByNameOrUUID(name, uuid)
	if !ok {
		return "", false
	}
	return dev.Name, true
}

func (c *Cluster) deviceByNameOrUUID(name, uuid string) (*topology.Device, bool) {
	if name != "" || uuid == "" {
		return c.device(name)
	}
	c.uuidOnce.Do(func() {
		c.byUUID = make(map[string]*topology.Device, len(c.devices))
		for _, d := range c.devices {
			c.byUUID[uuidKey(c.DeviceUUID(d.Name))] = d
		}
	})
	d, ok := c.byUUID[uuidKey(uuid)]
	return d, ok
}

// uuidKey is a UUID without braces, upper case: AXL accepts either form.
func uuidKey(uuid string) string {
	return strings.ToUpper(strings.TrimSuffix(strings.TrimPrefix(strings.TrimSpace(uuid), "{"), "}"))
}

// DeviceReset is AXL doDeviceReset: it records the reset and, for a hard reset, empties the
// phone's call history (Cisco's remedy for the history an EM logout leaves behind). A soft
// reset (restart) keeps it. The EM login stays either way: it lives in the database, not on
// the phone. Returns the device's UUID, or 11 for an unknown device.
func (c *Cluster) DeviceReset(r DeviceResetRequest) (string, error) {
	dev, ok := c.deviceByNameOrUUID(r.Name, r.UUID)
	if !ok {
		return "", newError(CodeDeviceNotFound)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if r.Hard {
		c.history[dev.Name] = 0
	}
	recs := append(c.resets[dev.Name], ResetRecord{Time: c.model.Now(), Hard: r.Hard})
	if len(recs) > maxResetRecords {
		recs = recs[len(recs)-maxResetRecords:]
	}
	c.resets[dev.Name] = recs
	return c.DeviceUUID(dev.Name), nil
}

// SetCallHistory sets the number of call history entries on device (control API). Returns 11
// for an unknown device and 1 for a count outside 0..MaxCallHistory.
func (c *Cluster) SetCallHistory(device string, entries int) error {
	dev, ok := c.device(device)
	if !ok {
		return newError(CodeDeviceNotFound)
	}
	if entries < 0 || entries > MaxCallHistory {
		return newError(CodeParse)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.history[dev.Name] = entries
	return nil
}

// Device returns the state of device (any spelling), or 11 for an unknown device.
func (c *Cluster) Device(device string) (DeviceState, error) {
	dev, ok := c.device(device)
	if !ok {
		return DeviceState{}, newError(CodeDeviceNotFound)
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	st := DeviceState{
		Name: dev.Name, Model: dev.Model, UUID: c.DeviceUUID(dev.Name),
		EMEnabled: dev.EMEnabled, EMCCCapable: dev.EMCCCapable,
		CallHistory: c.callHistory(dev),
		Resets:      append([]ResetRecord(nil), c.resets[dev.Name]...),
		LastLogin:   c.last[dev.Name],
	}
	if l, ok := c.current(dev.Name, c.model.Now()); ok {
		st.User, st.Profile, st.EMCC = l.user, l.profile, l.emcc
	}
	return st, nil
}

// callHistory is the device's count: the one set since the last reset, else the topology's.
// Caller holds mu.
func (c *Cluster) callHistory(dev *topology.Device) int {
	if n, ok := c.history[dev.Name]; ok {
		return n
	}
	return dev.CallHistory
}
