package service

// Result is the answer to one API request. The XML (or JSON) answer and the
// request's Event (log line, audit event, metrics) are made from the same
// Result value, so they never disagree.
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
	// Devices is the list payload of operations that concern several
	// devices, each with its own code; nil for the others.
	Devices []DeviceResult
	// Fields are operation-specific elements of the answer, in order
	// (e.g. until, replaced, deviceLeftFree, callHistoryCleared).
	Fields []Field
	// Bookings is getbookings' list payload; nil for the others.
	Bookings []Booking
}

// DeviceResult is one device of a list payload.
type DeviceResult struct {
	Device  string
	Cluster string
	Code    int
	Text    string
}

// Class is the outcome class of a Result: a small fixed set, so it can be a
// metric label and an audit field.
type Class string

// Outcome classes.
const (
	ClassSuccess     Class = "success"     // code 0
	ClassCUCMError   Class = "cucm_error"  // CUCM refused (EM code passed through, or 1014)
	ClassInvalid     Class = "invalid"     // the request was malformed (404, 405, 413, 1005-1009, 1012)
	ClassRejected    Class = "rejected"    // the service refused it (1001, 1003, 1004, 1013, 1015)
	ClassUnavailable Class = "unavailable" // CUCM could not be used (1002, 1010, 1011)
	ClassPartial     Class = "partial"     // done, but a follow-up failed (1016)
	ClassError       Class = "error"       // internal error (500)
)

// Class classifies r.
func (r Result) Class() Class {
	switch {
	case r.Code == CodeSuccess:
		return ClassSuccess
	case r.FromCUCM:
		return ClassCUCMError
	}
	switch r.Code {
	case CodeNotFound, CodeMethodNotAllowed, CodeBodyTooLarge, CodeUserEmpty, CodeMalformedXML,
		CodeCredentials, CodeInvalidDevice, CodeInvalidUser, CodeInvalidFormat,
		CodeBookingEndOrder, CodeBookingStartPast, CodeBookingTooLong:
		return ClassInvalid
	case CodeClusterNotFound, CodePINRequired, CodePINInvalid, CodeHomeNotFound, CodeAccessDenied,
		CodeBookingOverlap, CodeBookingUnknown, CodeBookingsOff, CodeBookingNotPending, CodeBookingRoaming,
		CodeSweepRunning, CodeSchedulesOff, CodeSweepNotFound:
		return ClassRejected
	case CodeUnreachable, CodeOutcomeUnknown, CodeBusy:
		return ClassUnavailable
	case CodeInternal:
		return ClassError
	case CodeHistoryNotCleared:
		return ClassPartial
	}
	// An EM code answered without FromCUCM (e.g. 11 from a search).
	return ClassCUCMError
}

// ResultFor is the one place that turns an operation's findings or error
// into the code and text a client sees, with the texts of the operation
// table (Business Connector 1.4 wording). A CUCM failure is reported with
// CUCM's code and a text naming the device, user and cluster; service errors
// carry their own text. A CUCM code 0 never reaches a client as 0 (that
// means success): the EM client reports it as 1014.
func ResultFor(req Request, found Found, err error) Result {
	op, _ := Lookup(req.Op)
	r := Result{Op: req.Op, Device: req.Device, Cluster: found.Cluster, Devices: found.Devices, Fields: found.Fields, Bookings: found.Bookings}
	switch op.User {
	case UserFromRequest:
		r.HasUser, r.User = true, req.User
	case UserFromFound:
		r.HasUser, r.User = true, found.User
	}
	if err != nil {
		e := asError(err)
		r.Code, r.Text, r.FromCUCM = e.Code, e.Text, e.FromCUCM
		if e.FromCUCM {
			r.Text = failureText(op, req, found.Cluster) + ": " + e.Text
		}
		if op.User == UserFromFound {
			r.User = ""
		}
		return r
	}
	r.Code = CodeSuccess
	if op.Success != nil {
		r.Text = op.Success(req, found)
	}
	return r
}

func failureText(op Operation, req Request, cluster string) string {
	s := "Request failed"
	if op.Failure != nil {
		s = op.Failure(req)
	}
	if cluster != "" {
		s += " in cluster " + cluster
	}
	return s
}
