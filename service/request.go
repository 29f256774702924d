package service

import (
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits of the input validation (cmd/bcservice/README.md, "Codes" and "Path decisions").
const (
	MaxDeviceLen  = 64
	MaxUserLen    = 128
	MaxClusterLen = 32
	MaxPINLen     = 32
)

// Request is one API call as taken from the URL path. User and PIN are only
// meaningful for login. The PIN is never logged: LogValue leaves it out.
type Request struct {
	Op      Op
	Device  string
	User    string
	Cluster string
	PIN     string
	// Options of the request message beyond the credentials (set with
	// SetOption): the login's profile, duration and force, the logout's
	// call-history choice.
	Login LoginOptions
	// ClearCallHistory is the logout's choice; nil follows the cluster's
	// clearCallHistory setting.
	ClearCallHistory *bool
	// BookingID is the path's booking (cancelbooking).
	BookingID string
	// Booking holds the options of book, getbookings and cancelbooking.
	Booking BookingOptions
	// Name names a sweep (runsweep); DryRun is its request option.
	Name   string
	DryRun bool
}

// Bounds of the request options (cmd/bcservice/README.md, "Request options").
const (
	MaxDurationMinutes = 10080 // one week, CUCM's bound for exclusiveDuration
	MaxProfileLen      = 50    // CUCM's limit for a device profile name
)

// The option elements of the request message.
const (
	OptionDuration         = "duration"
	OptionForce            = "force"
	OptionDeviceProfile    = "deviceProfile"
	OptionClearCallHistory = "clearCallHistory"
	OptionDryRun           = "dryRun"
)

// SetOption stores the option element name of the request message. Returns
// 1012 for a value out of range or malformed; the value is echoed clipped.
func (r *Request) SetOption(name, value string) error {
	v := strings.TrimSpace(value)
	switch name {
	case OptionDuration:
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > MaxDurationMinutes {
			return Errorf(CodeInvalidFormat, "Invalid duration %q: 1-%d minutes", clip(v), MaxDurationMinutes)
		}
		r.Login.Duration = n
	case OptionForce:
		b, err := parseBool(v)
		if err != nil {
			return Errorf(CodeInvalidFormat, "Invalid force %q: true or false", clip(v))
		}
		r.Login.Force = b
	case OptionDeviceProfile:
		if !validProfile(v) {
			return Errorf(CodeInvalidFormat, "Invalid deviceProfile: 1-%d characters without control characters", MaxProfileLen)
		}
		r.Login.Profile = v
	case OptionClearCallHistory:
		b, err := parseBool(v)
		if err != nil {
			return Errorf(CodeInvalidFormat, "Invalid clearCallHistory %q: true or false", clip(v))
		}
		r.ClearCallHistory = &b
	case OptionDryRun:
		b, err := parseBool(v)
		if err != nil {
			return Errorf(CodeInvalidFormat, "Invalid dryRun %q: true or false", clip(v))
		}
		r.DryRun = b
	default:
		return r.setBookingOption(name, v)
	}
	return nil
}

func parseBool(s string) (bool, error) {
	switch strings.ToLower(s) {
	case "true", "1":
		return true, nil
	case "false", "0":
		return false, nil
	}
	return false, errors.New("not a boolean")
}

func validProfile(s string) bool {
	if s == "" || utf8.RuneCountInString(s) > MaxProfileLen || !utf8.ValidString(s) {
		return false
	}
	for _, c := range s {
		if unicode.IsControl(c) {
			return false
		}
	}
	return true
}

// LogValue keeps the PIN out of every log line that mentions a Request.
func (r Request) LogValue() slog.Value {
	return slog.GroupValue(
		slog.String("op", string(r.Op)),
		slog.String("device", r.Device),
		slog.String("user", r.User),
		slog.String("cluster", r.Cluster),
	)
}

// Credentials are the appID/appCertificate of the request's XML, passed to
// CUCM unchanged. They are never stored or logged: String and LogValue
// redact the certificate.
type Credentials struct {
	AppID          string
	AppCertificate string
}

// String redacts the certificate so that a stray %v cannot leak it.
func (c Credentials) String() string { return "appID=" + c.AppID + " appCertificate=***" }

// GoString redacts the certificate for %#v as well.
func (c Credentials) GoString() string { return c.String() }

// LogValue redacts the certificate in structured logs.
func (c Credentials) LogValue() slog.Value {
	return slog.GroupValue(slog.String("appID", c.AppID), slog.String("appCertificate", "***"))
}

// Validate returns 1007 if the appID or the certificate is blank.
func (c Credentials) Validate() error {
	if strings.TrimSpace(c.AppID) == "" || strings.TrimSpace(c.AppCertificate) == "" {
		return Errorf(CodeCredentials, "appID or appCertificate missing")
	}
	return nil
}

// Normalize trims the device and cluster code (the user ID and PIN are kept
// as given: the user ID goes to CUCM unchanged apart from validation).
func (r Request) Normalize() Request {
	r.Device = strings.TrimSpace(r.Device)
	r.Cluster = strings.TrimSpace(r.Cluster)
	return r
}

// Set stores the value of path parameter p.
func (r *Request) Set(p Param, v string) {
	switch p {
	case ParamDevice:
		r.Device = v
	case ParamUser:
		r.User = v
	case ParamCluster:
		r.Cluster = v
	case ParamPIN:
		r.PIN = v
	case ParamBooking:
		r.BookingID = v
	case ParamName:
		r.Name = v
	}
}

// Validate checks the path parameters of r's operation before anything is
// sent to CUCM, in the order of the operation's path: device (404 empty,
// 1008 invalid), user (1005 empty, 1009 invalid), cluster code (1012), PIN
// (1012). The operation's required parameters must be present; the others
// are checked when given. Call it on a normalized Request.
func (r Request) Validate() error {
	op, _ := Lookup(r.Op)
	for i, p := range op.Params() {
		if err := r.validateParam(p, i < op.required()); err != nil {
			return err
		}
	}
	return nil
}

func (r Request) validateParam(p Param, required bool) error {
	switch p {
	case ParamDevice:
		if r.Device == "" && !required {
			return nil // getbookings without a device lists every device
		}
		if r.Device == "" {
			return Errorf(CodeDeviceEmpty, "Device ID empty")
		}
		if !validDevice(r.Device) {
			return Errorf(CodeInvalidDevice, "Invalid device name %q: 1-%d characters of A-Z a-z 0-9 _ . -", clip(r.Device), MaxDeviceLen)
		}
	case ParamUser:
		if strings.TrimSpace(r.User) == "" {
			if required {
				return Errorf(CodeUserEmpty, "User ID empty")
			}
			return nil
		}
		if !validUser(r.User) {
			return Errorf(CodeInvalidUser, "Invalid user ID: at most %d characters of valid UTF-8 without control characters", MaxUserLen)
		}
	case ParamCluster:
		if r.Cluster != "" && !validCluster(r.Cluster) {
			return Errorf(CodeInvalidFormat, "Invalid cluster code %q: 1-%d characters of A-Z a-z 0-9 _ -", clip(r.Cluster), MaxClusterLen)
		}
	case ParamBooking:
		return validBookingID(r.BookingID)
	case ParamPIN:
		if r.PIN != "" && !validPIN(r.PIN) {
			// The PIN itself is never echoed.
			return Errorf(CodeInvalidFormat, "Invalid PIN format: 1-%d digits", MaxPINLen)
		}
	case ParamName:
		return validateSweepName(r.Name)
	}
	return nil
}

func validDevice(s string) bool {
	if len(s) > MaxDeviceLen || isDotSegment(s) {
		return false
	}
	for _, c := range []byte(s) {
		if !(isAlnum(c) || c == '_' || c == '.' || c == '-') {
			return false
		}
	}
	return true
}

// isDotSegment reports "." and "..": path segments with a meaning of their own, never a
// device name or user ID, so they are refused before CUCM is asked.
func isDotSegment(s string) bool { return s == "." || s == ".." }

func validUser(s string) bool {
	if isDotSegment(s) || !utf8.ValidString(s) || utf8.RuneCountInString(s) > MaxUserLen {
		return false
	}
	for _, c := range s {
		if unicode.IsControl(c) {
			return false
		}
	}
	return true
}

// ValidClusterCode reports whether s is a well-formed cluster code; config
// validation uses the same rule as requests.
func ValidClusterCode(s string) bool { return validCluster(s) }

// ValidDeviceName reports whether s is a device name a request (and so a
// booking) may carry; the dashboard's day view refuses any other.
func ValidDeviceName(s string) bool { return validDevice(s) }

func validCluster(s string) bool {
	if len(s) == 0 || len(s) > MaxClusterLen {
		return false
	}
	for _, c := range []byte(s) {
		if !(isAlnum(c) || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func validPIN(s string) bool {
	if len(s) == 0 || len(s) > MaxPINLen {
		return false
	}
	for _, c := range []byte(s) {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

func isAlnum(c byte) bool {
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
}

// clip shortens a rejected value before it is echoed in a text.
func clip(s string) string {
	const max = 70
	if len(s) <= max {
		return s
	}
	return strings.ToValidUTF8(s[:max], "") + "..."
}

func isDeadline(err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled)
}
