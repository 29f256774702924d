package service

import (
	"errors"
	"strings"
	"testing"
)

// FuzzRequestValidate: Validate never panics, refuses only with the path
// codes (404, 1005, 1008, 1009, 1012) and never echoes the PIN; a device it
// accepts is 1-64 characters of A-Z a-z 0-9 _ . - and a cluster 1-32 of
// A-Z a-z 0-9 _ -.
func FuzzRequestValidate(f *testing.F) {
	f.Add(uint8(1), "SEP1CE6C79BAF1F", "ALMUSER01", "EU", "1234")
	f.Add(uint8(1), "..", "u", "", "")
	f.Add(uint8(2), " SEP1 ", "\x00", "E!U", "12a4")
	f.Add(uint8(5), "", "ALM\xffUSER", "C", "97531")
	f.Fuzz(func(t *testing.T, opIndex uint8, device, user, cluster, pin string) {
		ops := Operations()
		op := ops[int(opIndex)%len(ops)]
		req := Request{Op: op.Op, Device: device, User: user, Cluster: cluster, PIN: pin}.Normalize()
		err := req.Validate()
		if err != nil {
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %v without a code", err)
			}
			switch e.Code {
			case CodeDeviceEmpty, CodeUserEmpty, CodeInvalidDevice, CodeInvalidUser, CodeInvalidFormat:
			default:
				t.Fatalf("code %d is not a path code", e.Code)
			}
			if len(pin) >= 4 && strings.Contains(e.Text, pin) && !strings.Contains(device+user+cluster, pin) {
				t.Fatalf("error text %q echoes the PIN", e.Text)
			}
			return
		}
		for _, p := range op.Params() {
			switch {
			case p == ParamDevice && !charsetOK(req.Device, 64, "_.-"):
				t.Fatalf("device %q accepted", req.Device)
			case p == ParamCluster && req.Cluster != "" && !charsetOK(req.Cluster, 32, "_-"):
				t.Fatalf("cluster %q accepted", req.Cluster)
			}
		}
	})
}

// charsetOK is the documented rule: 1-max bytes of letters, digits and extra.
func charsetOK(s string, max int, extra string) bool {
	if s == "" || len(s) > max {
		return false
	}
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.ContainsRune(extra, c)) {
			return false
		}
	}
	return true
}
