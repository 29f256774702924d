package cucmsim

import (
	"fmt"
)

// EM API result codes (DevNet EM API guide; FCG EMCC table for 31..38). Code 0 is both "success"
// on the wire (no error element) and "Unknown Error" when it appears in a failure.
const (
	CodeUnknown             = 0
	CodeParse               = 1
	CodeCannotAuthorize     = 2
	CodeInvalidAppUser      = 3
	CodePolicyValidation    = 4
	CodeLogoutDisabled      = 5
	CodeDatabase            = 6
	CodeLogoutRequest       = 7
	CodeQueryUndetermined   = 8
	CodeDirUserInfo         = 9
	CodeNoProxyRights       = 10
	CodeDeviceNotFound      = 11
	CodeProfileNotFound     = 12
	CodeAnotherUserLoggedIn = 18
	CodeNoUserLoggedIn      = 19
	CodeHotelingFlag        = 20
	CodeHotelingStatus      = 21
	CodeLogonDisabled       = 22
	CodeUserNotFound        = 23
	CodeLoggedInElsewhere   = 25
	CodeBusy                = 26
	CodeChangePassword      = 27
	CodeUntrustedIP         = 28
	CodeRISDown             = 29
	CodeProxyNotAllowed     = 30
	CodeEMCCNotActivated    = 31
	CodeDeviceNotEMCC       = 32
	CodeNoDummyDevice       = 33
	CodeVisitingClusterInfo = 35
	CodeNoRemoteCluster     = 36
	CodeDuplicateDeviceName = 37
	CodeEMCCNotAllowed      = 38
)

// CodeText returns the simulator's text for an EM code: the spec's stable short texts (clients
// key on the code; fixed texts let golden files and feature suites compare bytes). Codes
// outside the table get "Unknown Error".
func CodeText(code int) string {
	switch code {
	case CodeUnknown:
		return "Unknown Error"
	case CodeParse:
		return "Error on Parsing"
	case CodeCannotAuthorize:
		return "Cannot authorize App user"
	case CodeInvalidAppUser:
		return "Invalid App User"
	case CodePolicyValidation:
		return "Policy Validation error"
	case CodeLogoutDisabled:
		return "Device logon disabled"
	case CodeDatabase:
		return "Database Error"
	case CodeLogoutRequest:
		return "Logout Request Error"
	case CodeQueryUndetermined:
		return "Query type undetermined"
	case CodeDirUserInfo:
		return "Dir. User Info Error"
	case CodeNoProxyRights:
		return "User lacks app proxy rights"
	case CodeDeviceNotFound:
		return "Device does not exist"
	case CodeProfileNotFound:
		return "Dev. Profile not found"
	case CodeAnotherUserLoggedIn:
		return "Another user logged in"
	case CodeNoUserLoggedIn:
		return "No user logged in"
	case CodeHotelingFlag:
		return "Hoteling flag error"
	case CodeHotelingStatus:
		return "Hoteling Status error"
	case CodeLogonDisabled:
		return "Device logon disabled"
	case CodeUserNotFound:
		return "User does not exist"
	case CodeLoggedInElsewhere:
		return "User logged in elsewhere"
	case CodeBusy:
		return "Busy, please try again"
	case CodeChangePassword:
		return "Change Password"
	case CodeUntrustedIP:
		return "Untrusted IP Error"
	case CodeRISDown:
		return "RIS down-contact admin"
	case CodeProxyNotAllowed:
		return "Proxy not allowed"
	case CodeEMCCNotActivated:
		return "EMCC Not Activated for the user"
	case CodeDeviceNotEMCC:
		return "Device does not support EMCC"
	case CodeNoDummyDevice:
		return "No free EMCC dummy device"
	case CodeVisitingClusterInfo:
		return "Visiting cluster information is not present in the home cluster"
	case CodeNoRemoteCluster:
		return "No Remote Cluster"
	case CodeDuplicateDeviceName:
		return "Duplicate device name"
	case CodeEMCCNotAllowed:
		return "EMCC Not Allowed"
	default:
		return "Unknown Error"
	}
}

// Codes lists every code of the table in ascending order (for documentation and tests).
func Codes() []int {
	return []int{0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 18, 19, 20, 21, 22, 23, 25, 26, 27, 28, 29, 30, 31, 32, 33, 35, 36, 37, 38}
}

// Error is an EM failure: Code goes on the wire as <error code="N">, Text as its content.
// Texts never contain secrets.
type Error struct {
	Code int
	Text string
}

func (e *Error) Error() string { return fmt.Sprintf("EM error %d: %s", e.Code, e.Text) }

// newError returns the error for code with its standard text.
func newError(code int) *Error { return &Error{Code: code, Text: CodeText(code)} }

// authError is code 3. It names the appID (never the certificate), like CUCM does.
func authError(appID string) *Error {
	return &Error{Code: CodeInvalidAppUser, Text: fmt.Sprintf("Could not authenticate '%s'", appID)}
}
