package service

import (
	"errors"
	"fmt"
)

// Result codes of the Business Connector API. Codes below 1000 (other than
// 404) are Extension Mobility codes passed through from CUCM unchanged;
// the 1000 range belongs to the service itself (cmd/bcservice/README.md, "Codes", lists them).
const (
	CodeSuccess = 0
	// CodeDeviceEmpty is the Business Connector's "Device ID empty".
	CodeDeviceEmpty = 404
	// CodeNotFound, CodeMethodNotAllowed, CodeBodyTooLarge and CodeInternal
	// mirror the HTTP status of transport-level refusals in <code>.
	CodeNotFound         = 404
	CodeMethodNotAllowed = 405
	CodeBodyTooLarge     = 413
	CodeInternal         = 500

	CodeClusterNotFound  = 1001
	CodeUnreachable      = 1002
	CodePINRequired      = 1003
	CodePINInvalid       = 1004
	CodeUserEmpty        = 1005
	CodeMalformedXML     = 1006
	CodeCredentials      = 1007
	CodeInvalidDevice    = 1008
	CodeInvalidUser      = 1009
	CodeOutcomeUnknown   = 1010
	CodeBusy             = 1011
	CodeInvalidFormat    = 1012
	CodeHomeNotFound     = 1013
	CodeCUCMUnknownError = 1014
	// CodeAccessDenied answers a client whose address the access lists
	// refuse (HTTP 403). 1015 is the next free service code.
	CodeAccessDenied = 1015
	// CodeHistoryNotCleared answers a logout that succeeded but whose
	// device reset (clearing the call history) failed: the logout stands.
	CodeHistoryNotCleared = 1016

	// Bookings (cmd/bcservice/README.md, "Bookings") have the block
	// 1030-1039 of their own.
	CodeBookingOverlap    = 1030 // another booking of the device overlaps
	CodeBookingEndOrder   = 1031 // the end is not after the start
	CodeBookingStartPast  = 1032 // the start is more than a minute ago
	CodeBookingTooLong    = 1033 // longer than MaxBookingLength
	CodeBookingUnknown    = 1034 // no booking with that ID (for this app user)
	CodeBookingsOff       = 1035 // the service has no schedules section
	CodeBookingNotPending = 1036 // the booking has ended: nothing to cancel
	CodeBookingRoaming    = 1037 // the device's cluster does not know the user
	// Sweeps take their codes from the top of the 1090s (other features
	// take them from the bottom of their own ranges).
	//
	// CodeSweepRunning answers runsweep while a run of that sweep is in
	// progress (here or on another replica): nothing was started.
	CodeSweepRunning = 1097
	// CodeSchedulesOff answers runsweep when the configuration has no
	// schedules section (no sweep can run).
	CodeSchedulesOff = 1098
	// CodeSweepNotFound answers runsweep for a name no sweep has (empty
	// included).
	CodeSweepNotFound = 1099
)

// EM codes the service reacts to (all others are only passed through).
const (
	EMCodeUnknown        = 0
	EMCodeAuth           = 3
	EMCodeDeviceNotFound = 11
	EMCodeUserNotFound   = 23
	EMCodeBusy           = 26
)

// Error is an outcome that is not a success. Code is the value reported in
// <code>; Text is safe to show and log: it never contains a certificate,
// password or PIN. CUCM reports EM errors as Error values with CUCM's code
// and (sanitised) text; FromCUCM marks them so the result text can say so.
type Error struct {
	Code     int
	Text     string
	FromCUCM bool
}

// Error implements error.
func (e *Error) Error() string {
	return fmt.Sprintf("code %d: %s", e.Code, e.Text)
}

// Errorf builds a service Error with a formatted text.
func Errorf(code int, format string, args ...any) *Error {
	return &Error{Code: code, Text: fmt.Sprintf(format, args...)}
}

// CUCMError is an EM failure answered by CUCM with its code and text.
func CUCMError(code int, text string) *Error {
	return &Error{Code: code, Text: text, FromCUCM: true}
}

// ErrorCode returns the code carried by err: 0 for nil, the Error's code when
// err wraps an *Error, CodeBusy for a passed deadline (the request could not
// be served in time) and CodeUnreachable otherwise.
func ErrorCode(err error) int {
	if err == nil {
		return CodeSuccess
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return asError(err).Code
}

// asError turns any error into an *Error; errors that do not carry a code are
// classified by kind so that no raw error text (which might quote a URL or a
// body) reaches a client.
func asError(err error) *Error {
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if isDeadline(err) {
		return Errorf(CodeBusy, "Service busy: request deadline passed")
	}
	return Errorf(CodeUnreachable, "CUCM unreachable")
}
