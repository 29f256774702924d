package service

import (
	"strings"
	"testing"
)

func TestRequestValidate(t *testing.T) {
	long := func(n int) string { return strings.Repeat("a", n) }
	tests := []struct {
		name string
		req  Request
		want int
	}{
		{"ok login", Request{Op: OpLogin, Device: "SEP1CE6C79BAF1F", User: "ALMUSER01", Cluster: "EU", PIN: "1234"}, 0},
		{"ok email user", Request{Op: OpLogin, Device: "SEP1", User: "em@cisco.com"}, 0},
		{"ok unicode user", Request{Op: OpLogin, Device: "SEP1", User: "jürgen"}, 0},
		{"empty device", Request{Op: OpLogout, Device: ""}, CodeDeviceEmpty},
		{"blank device", Request{Op: OpLogout, Device: "  "}, CodeDeviceEmpty},
		{"device with slash", Request{Op: OpLogout, Device: "SEP/1"}, CodeInvalidDevice},
		{"device with space", Request{Op: OpLogout, Device: "SEP 1"}, CodeInvalidDevice},
		{"device dot segment", Request{Op: OpLogout, Device: "."}, CodeInvalidDevice},
		{"device dot-dot segment", Request{Op: OpLogout, Device: ".."}, CodeInvalidDevice},
		{"device with dots", Request{Op: OpLogout, Device: "a.b"}, 0},
		{"user dot-dot segment", Request{Op: OpLogin, Device: "SEP1", User: ".."}, CodeInvalidUser},
		{"user with dots", Request{Op: OpLogin, Device: "SEP1", User: "j.doe"}, 0},
		{"device 64", Request{Op: OpLogout, Device: long(64)}, 0},
		{"device 65", Request{Op: OpLogout, Device: long(65)}, CodeInvalidDevice},
		{"empty user", Request{Op: OpLogin, Device: "SEP1", User: ""}, CodeUserEmpty},
		{"blank user", Request{Op: OpLogin, Device: "SEP1", User: " \t"}, CodeUserEmpty},
		{"user 128", Request{Op: OpLogin, Device: "SEP1", User: long(128)}, 0},
		{"user 129", Request{Op: OpLogin, Device: "SEP1", User: long(129)}, CodeInvalidUser},
		{"user control char", Request{Op: OpLogin, Device: "SEP1", User: "a\x00b"}, CodeInvalidUser},
		{"user newline", Request{Op: OpLogin, Device: "SEP1", User: "a\nb"}, CodeInvalidUser},
		{"user bad utf8", Request{Op: OpLogin, Device: "SEP1", User: "a\xffb"}, CodeInvalidUser},
		{"user not checked for logout", Request{Op: OpLogout, Device: "SEP1", User: ""}, 0},
		{"cluster bad", Request{Op: OpLogout, Device: "SEP1", Cluster: "E.U"}, CodeInvalidFormat},
		{"cluster 33", Request{Op: OpLogout, Device: "SEP1", Cluster: long(33)}, CodeInvalidFormat},
		{"cluster 32", Request{Op: OpLogout, Device: "SEP1", Cluster: long(32)}, 0},
		{"pin letters", Request{Op: OpLogin, Device: "SEP1", User: "u", PIN: "12a4"}, CodeInvalidFormat},
		{"pin 33 digits", Request{Op: OpLogin, Device: "SEP1", User: "u", PIN: strings.Repeat("1", 33)}, CodeInvalidFormat},
		{"device checked before user", Request{Op: OpLogin, Device: "", User: ""}, CodeDeviceEmpty},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.req.Normalize().Validate()
			if got := ErrorCode(err); got != tt.want {
				t.Errorf("Validate(%+v) = %v, want code %d", tt.req, err, tt.want)
			}
			if err != nil && tt.req.PIN != "" && strings.Contains(err.Error(), tt.req.PIN) {
				t.Errorf("error %q echoes the PIN", err)
			}
		})
	}
}

func TestCredentials(t *testing.T) {
	c := Credentials{AppID: "bcapp", AppCertificate: "s3cret"}
	for _, s := range []string{c.String(), c.GoString(), c.LogValue().String()} {
		if strings.Contains(s, "s3cret") {
			t.Errorf("%q leaks the certificate", s)
		}
	}
	tests := []struct {
		c    Credentials
		want int
	}{
		{c, 0}, {Credentials{AppID: "bcapp"}, CodeCredentials}, {Credentials{AppCertificate: "x"}, CodeCredentials}, {Credentials{AppID: " ", AppCertificate: "x"}, CodeCredentials},
	}
	for _, tt := range tests {
		if got := ErrorCode(tt.c.Validate()); got != tt.want {
			t.Errorf("Validate(%v) code %d, want %d", tt.c, got, tt.want)
		}
	}
}
