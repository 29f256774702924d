package service

import (
	"context"
	"fmt"
	"slices"
	"strings"
)

// Op names an API operation; it appears in logs, audit events and metrics.
type Op string

// The operations of the Business Connector API.
const (
	OpVersion      Op = "getversioninfo"
	OpLogin        Op = "login"
	OpLogout       Op = "logout"
	OpLoggedInUser Op = "getloggedinuser"
	OpUserDevices  Op = "getuserdevices"
	OpLogoutUser   Op = "logoutuser"
	OpBook         Op = "book"
	OpGetBookings  Op = "getbookings"
	OpCancel       Op = "cancelbooking"
	OpRunSweep     Op = "runsweep"
)

// Param names a path segment of an operation.
type Param string

// The path parameters an operation can carry.
const (
	ParamDevice  Param = "device"
	ParamUser    Param = "user"
	ParamCluster Param = "cluster"
	ParamPIN     Param = "pin"
	ParamBooking Param = "bookingID"
	ParamName    Param = "name"
)

// UserSource says where the <userID> of an answer comes from.
type UserSource int

// Sources of the reported user.
const (
	UserNone        UserSource = iota // no <userID> element
	UserFromRequest                   // the user the request named (login)
	UserFromFound                     // the user the operation found (getloggedinuser); empty on failure
)

// Operation declares one API operation; routes, path splitting, the OpenAPI
// check, the audit rule and the answer texts are all derived from it
// (cmd/bcservice/README.md, "Adding an operation").
type Operation struct {
	Op Op
	// Path is the route with its named segments, e.g.
	// "/api/login/{device}/{user}/{cluster}/{pin}". The first segment is
	// required (its absence gets the segment's "empty" code); the others
	// may be left out from the end.
	Path string
	// Required is how many leading path parameters must be present
	// (default 1 when the path has any; none with AllOptional).
	Required    int
	AllOptional bool
	// Methods are the HTTP methods served; others get 405.
	Methods []string
	// Credentials is true when the request carries the `xml` parameter
	// with appID and appCertificate.
	Credentials bool
	// Options are the optional elements of the request message the
	// operation reads (Request.SetOption); others are ignored.
	Options []string
	// Audited operations change a phone's state and get an audit event.
	Audited bool
	// User selects the <userID> element of the answer.
	User UserSource
	// Success is the text of a successful answer.
	Success func(req Request, found Found) string
	// Failure starts the text of a CUCM failure; the cluster and CUCM's
	// own text are appended.
	Failure func(req Request) string
	// run carries out the operation; nil for operations answered by the
	// transport alone (getversioninfo).
	run func(c *Connector, ctx context.Context, cred Credentials, req Request) (Found, error)
}

// Params lists the path parameters of o in order.
func (o Operation) Params() []Param {
	var out []Param
	for _, seg := range strings.Split(o.Path, "/") {
		if name, ok := strings.CutPrefix(seg, "{"); ok {
			out = append(out, Param(strings.TrimSuffix(name, "}")))
		}
	}
	return out
}

func (o Operation) required() int {
	if o.AllOptional {
		return 0
	}
	if o.Required == 0 && strings.Contains(o.Path, "{") {
		return 1
	}
	return o.Required
}

// Base is the path without parameters, e.g. "/api/login".
func (o Operation) Base() string {
	base, _, _ := strings.Cut(o.Path, "/{")
	return base
}

// operations is the table; order is the order of the routes. The booking
// operations are declared beside their rules (bookingops.go).
var operations = slices.Concat(coreOperations, bookingOperations)

// coreOperations are the Business Connector's operations and the others
// that are not bookings.
var coreOperations = []Operation{
	{
		Op: OpVersion, Path: "/api/getversioninfo", Methods: []string{"GET", "POST"},
		Success: func(Request, Found) string { return "Version info" },
		Failure: func(Request) string { return "Request failed" },
	},
	{
		Op: OpLogin, Path: "/api/login/{device}/{user}/{cluster}/{pin}", Methods: []string{"POST"},
		Required: 2, Credentials: true, Audited: true, User: UserFromRequest,
		Options: []string{OptionDuration, OptionForce, OptionDeviceProfile},
		Success: func(r Request, f Found) string {
			return fmt.Sprintf("Login successful for %s on device %s", r.User, r.Device) + f.note()
		},
		Failure: func(r Request) string { return fmt.Sprintf("Login failed for %s on device %s", r.User, r.Device) },
		run:     (*Connector).login,
	},
	{
		Op: OpLogout, Path: "/api/logout/{device}/{cluster}", Methods: []string{"POST"},
		Credentials: true, Audited: true, Options: []string{OptionClearCallHistory},
		Success: func(r Request, f Found) string { return "Logout successful for device " + r.Device + f.note() },
		Failure: func(r Request) string { return "Logout failed for device " + r.Device },
		run:     (*Connector).logout,
	},
	{
		Op: OpLoggedInUser, Path: "/api/getloggedinuser/{device}/{cluster}", Methods: []string{"POST"},
		Credentials: true, User: UserFromFound,
		Success: func(r Request, f Found) string {
			if f.User == "" {
				return "No user logged in on device " + r.Device
			}
			return "Get logged in user request successful"
		},
		Failure: func(r Request) string { return "Get logged in user failed for device " + r.Device },
		run:     (*Connector).loggedInUser,
	},
	{
		Op: OpUserDevices, Path: "/api/getuserdevices/{user}/{cluster}", Methods: []string{"POST"},
		Credentials: true, User: UserFromRequest,
		Success: func(r Request, f Found) string {
			if len(f.Devices) == 0 {
				return fmt.Sprintf("User %s is not logged in on any device", r.User)
			}
			return fmt.Sprintf("User %s is logged in on %d device(s)", r.User, len(f.Devices))
		},
		Failure: func(r Request) string { return "Get user devices failed for " + r.User },
		run:     (*Connector).userDevices,
	},
	{
		Op: OpLogoutUser, Path: "/api/logoutuser/{user}/{cluster}", Methods: []string{"POST"},
		Credentials: true, Audited: true, User: UserFromRequest, Options: []string{OptionClearCallHistory},
		Success: func(r Request, f Found) string {
			if len(f.Devices) == 0 {
				return fmt.Sprintf("User %s is not logged in on any device", r.User)
			}
			return fmt.Sprintf("User %s logged out of %d device(s)", r.User, len(f.Devices))
		},
		Failure: func(r Request) string { return "Logout of user " + r.User + " failed" },
		run:     (*Connector).logoutUser,
	},
	{
		Op: OpRunSweep, Path: "/api/runsweep/{name}", Methods: []string{"POST"},
		Credentials: true, Audited: true, Options: []string{OptionDryRun},
		Success: sweepSuccess,
		Failure: func(r Request) string { return "Sweep " + r.Name + " failed" },
		run:     (*Connector).runSweep,
	},
}

// Operations returns the operation table in route order.
func Operations() []Operation { return operations }

// RequiresDevice reports whether o's path starts with a device that must
// be given (every operation with a device but getbookings).
func (o Operation) RequiresDevice() bool {
	ps := o.Params()
	return len(ps) > 0 && ps[0] == ParamDevice && o.required() > 0
}

// Lookup returns the operation named op.
func Lookup(op Op) (Operation, bool) {
	for _, o := range operations {
		if o.Op == op {
			return o, true
		}
	}
	return Operation{}, false
}

// OpOfPath names the operation a URL path belongs to ("" for none), so
// that answers given before routing (403, 405, 413) still say which
// operation was attempted.
func OpOfPath(p string) Op {
	for _, o := range operations {
		base := o.Base()
		if p == base || strings.HasPrefix(p, base+"/") {
			return o.Op
		}
	}
	return ""
}
