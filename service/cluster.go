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
	// Login logs user into device, with opts (profile, duration, force).
	// With opts.Force, another user on the device is logged out first under
	// the same device lock; the LoginReport names them, and says whether the
	// device was left free when the login then failed.
	Login(ctx context.Context, cred Credentials, device, user string, opts LoginOptions) (LoginReport, error)
	// Logout logs whoever is on device out.
	Logout(ctx context.Context, cred Credentials, device string) error
	// DeviceUser asks who is logged in on device (deviceUserQuery).
	DeviceUser(ctx context.Context, cred Credentials, device string) (DeviceStatus, error)
	// UserDevices asks where user is logged in (userDevicesQuery); it tells
	// whether the cluster knows the user at all.
	UserDevices(ctx context.Context, cred Credentials, user string) (UserStatus, error)
	// ResetDevice hard-resets device through AXL doDeviceReset, which
	// clears the phone's call history (an EM logout does not).
	ResetDevice(ctx context.Context, cred Credentials, device string) error
	// ClearsCallHistoryOnLogout tells whether the cluster is configured to
	// reset a device after every logout (clearCallHistory: onLogout).
	ClearsCallHistoryOnLogout() bool
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

// LoginOptions are the optional parts of a login (cmd/bcservice/README.md,
// "Request options"); the zero value is a plain Business Connector 1.4 login.
type LoginOptions struct {
	// Profile names the device profile; "" means the user's default.
	Profile string
	// Duration is the login's length in minutes (EM exclusiveDuration); 0
	// means CUCM's default.
	Duration int
	// Force replaces another user on the device.
	Force bool
}

// LoginReport tells what a forced login did besides the login.
type LoginReport struct {
	// Replaced is the user a forced login logged out ("" for none).
	Replaced string
	// LeftFree is true when a forced login logged the other user out and
	// then failed: the device is free.
	LeftFree bool
}
