package service

import (
	"fmt"
	"strings"
)

// Result is the answer to one API request. The XML (or JSON) answer, the
// request log line, the audit event and the metrics are all made from the
// same Result value, so the four never disagree.
type Result struct {
	Op     Op
	Device string
	// User is reported in <userID> when HasUser (login, getloggedinuser).
	User    string
	HasUser bool
	Cluster string
	Code    int
	Text    string
	// FromCUCM is true when Code is an EM code answered by CUCM.
	FromCUCM bool
}

// Outcome classes of a Result, the `outcome` of audit events and metrics.
const (
	OutcomeSuccess     = "success"     // code 0
	OutcomeCUCMError   = "cucm_error"  // CUCM refused (EM code passed through, or 1014)
	OutcomeInvalid     = "invalid"     // the request was malformed (404, 405, 413, 1005-1009, 1012)
	OutcomeRejected    = "rejected"    // the service refused it (1001, 1003, 1004, 1013, 1015)
	OutcomeUnavailable = "unavailable" // CUCM could not be used (1002, 1010, 1011)
	OutcomeError       = "error"       // internal error (500)
)

// Outcome classifies r for audit events and metrics with a small fixed set
// of values (a label must not grow with the input).
func (r Result) Outcome() string {
	switch {
	case r.Code == CodeSuccess:
		return OutcomeSuccess
	case r.FromCUCM:
		return OutcomeCUCMError
	}
	switch r.Code {
	case CodeNotFound, CodeMethodNotAllowed, CodeBodyTooLarge, CodeUserEmpty, CodeMalformedXML,
		CodeCredentials, CodeInvalidDevice, CodeInvalidUser, CodeInvalidFormat:
		return OutcomeInvalid
	case CodeClusterNotFound, CodePINRequired, CodePINInvalid, CodeHomeNotFound, CodeAccessDenied:
		return OutcomeRejected
	case CodeUnreachable, CodeOutcomeUnknown, CodeBusy:
		return OutcomeUnavailable
	case CodeInternal:
		return OutcomeError
	}
	// An EM code answered without FromCUCM (e.g. 11 from a search).
	return OutcomeCUCMError
}

// ResultFor is the one place that turns an operation's outcome or error into
// the code and text a client sees. Success texts follow the Business
// Connector 1.4 documentation; a CUCM failure is reported with CUCM's code
// and a text naming the device, user and cluster; service errors carry their
// own text. A CUCM code 0 never reaches a client as 0 (that means success):
// the EM client reports it as 1014.
func ResultFor(req Request, out Outcome, err error) Result {
	r := Result{Op: req.Op, Device: req.Device, Cluster: out.Cluster}
	switch req.Op {
	case OpLogin:
		r.HasUser, r.User = true, req.User
	case OpLoggedInUser:
		r.HasUser, r.User = true, out.User
	}
	if err != nil {
		e := asError(err)
		r.Code, r.Text, r.FromCUCM = e.Code, e.Text, e.FromCUCM
		if e.FromCUCM {
			r.Text = failurePrefix(req, out.Cluster) + ": " + e.Text
		}
		if req.Op == OpLoggedInUser {
			r.User = ""
		}
		return r
	}
	r.Code = CodeSuccess
	switch req.Op {
	case OpLogin:
		r.Text = fmt.Sprintf("Login successful for %s on device %s", req.User, req.Device)
	case OpLogout:
		r.Text = fmt.Sprintf("Logout successful for device %s", req.Device)
	case OpLoggedInUser:
		if out.User == "" {
			r.Text = fmt.Sprintf("No user logged in on device %s", req.Device)
		} else {
			r.Text = "Get logged in user request successful"
		}
	case OpVersion:
		r.Text = "Version info"
	}
	return r
}

func failurePrefix(req Request, cluster string) string {
	var b strings.Builder
	switch req.Op {
	case OpLogin:
		fmt.Fprintf(&b, "Login failed for %s on device %s", req.User, req.Device)
	case OpLogout:
		fmt.Fprintf(&b, "Logout failed for device %s", req.Device)
	case OpLoggedInUser:
		fmt.Fprintf(&b, "Get logged in user failed for device %s", req.Device)
	default:
		b.WriteString("Request failed")
	}
	if cluster != "" {
		fmt.Fprintf(&b, " in cluster %s", cluster)
	}
	return b.String()
}
