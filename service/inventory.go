package service

import "context"

// Inventory is what a sweep needs from a cluster besides a logout: the
// devices whose name matches a pattern (AXL listPhone, paged) and who is
// logged in on many devices at once (deviceUserQuery naming several
// devices). service/emclient implements it.
type Inventory interface {
	// ListDevices returns the names of the cluster's phones matching the
	// SQL LIKE pattern (% any run, _ one character), asking pageSize rows
	// at a time. AXL authenticates with the cluster's AXL user when one is
	// configured, else with cred.
	ListDevices(ctx context.Context, cred Credentials, pattern string, pageSize int) ([]string, error)
	// DeviceUsers asks who is logged in on each of devices, batch names
	// per deviceUserQuery; the answer has one entry per device, in order.
	DeviceUsers(ctx context.Context, cred Credentials, devices []string, batch int) ([]DeviceStatus, error)
}
