package service

import "testing"

func TestResultClass(t *testing.T) {
	tests := []struct {
		r    Result
		want Class
	}{
		{Result{Code: 0}, ClassSuccess},
		{Result{Code: 18, FromCUCM: true}, ClassCUCMError},
		{Result{Code: CodeCUCMUnknownError, FromCUCM: true}, ClassCUCMError},
		{Result{Code: 11}, ClassCUCMError},
		{Result{Code: CodeMalformedXML}, ClassInvalid},
		{Result{Code: CodeMethodNotAllowed}, ClassInvalid},
		{Result{Code: CodePINInvalid}, ClassRejected},
		{Result{Code: CodeAccessDenied}, ClassRejected},
		{Result{Code: CodeUnreachable}, ClassUnavailable},
		{Result{Code: CodeBusy}, ClassUnavailable},
		{Result{Code: CodeInternal}, ClassError},
	}
	for _, tt := range tests {
		if got := tt.r.Class(); got != tt.want {
			t.Errorf("Result{Code:%d, FromCUCM:%v}.Class() = %q, want %q", tt.r.Code, tt.r.FromCUCM, got, tt.want)
		}
	}
}

func TestResultForMarksCUCM(t *testing.T) {
	r := ResultFor(Request{Op: OpLogout, Device: "SEP1"}, Found{Cluster: "EU"}, CUCMError(19, "No user logged in"))
	if !r.FromCUCM || r.Class() != ClassCUCMError {
		t.Errorf("got FromCUCM %v outcome %q, want true, cucm_error", r.FromCUCM, r.Class())
	}
	r = ResultFor(Request{Op: OpLogout, Device: "SEP1"}, Found{}, Errorf(CodeUnreachable, "CUCM cluster EU unreachable"))
	if r.FromCUCM || r.Class() != ClassUnavailable {
		t.Errorf("got FromCUCM %v outcome %q, want false, unavailable", r.FromCUCM, r.Class())
	}
}
