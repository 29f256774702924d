package service

import "context"

// Cluster is one CUCM cluster as the connector sees it: the EM operations and
// the AXL PIN check. service/emclient implements it over HTTP; tests use
// in-memory fakes. Every method returns nil or an *Error: a CUCM EM failure
// with CUCM's code (FromCUCM), or a service code (1002 unreachable,
// 1010 outcome unknown, 1011 busy).
type Cluster interface {
	// Code is the cluster code from the configuration (e.g. "EU").
	Code() string
	// Login logs user into device with the user's default profile.
	Login(ctx context.Context, cred Credentials, device, user string) error
	// Logout logs whoever is on device out.
	Logout(ctx context.Context, cred Credentials, device string) error
	// DeviceUser asks who is logged in on device (deviceUserQuery).
	DeviceUser(ctx context.Context, cred Credentials, device string) (DeviceStatus, error)
	// UserDevices asks where user is logged in (userDevicesQuery); it tells
	// whether the cluster knows the user at all.
	UserDevices(ctx context.Context, cred Credentials, user string) (UserStatus, error)
	// AuthenticateUser checks user's PIN with AXL doAuthenticateUser, using
	// cred as HTTP basic auth. The PIN must never reach a log or error text.
	AuthenticateUser(ctx context.Context, cred Credentials, user, pin string) (bool, error)
}

// DeviceStatus is one device of a deviceUserQuery answer.
type DeviceStatus struct {
	// Exists is false for <doesNotExist/>.
	Exists bool
	// User is the logged-in user (decoded), empty for <none/>.
	User string
}

// UserStatus is one user of a userDevicesQuery answer.
type UserStatus struct {
	// Exists is false for <doesNotExist/>: the cluster does not know the user.
	Exists bool
	// Devices lists the devices the user is logged in on.
	Devices []string
}
