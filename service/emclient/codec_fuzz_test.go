package emclient

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// seedGolden adds every golden file of testdata/golden/dir whose name ends in suffix.
func seedGolden(f *testing.F, dir, suffix string) {
	f.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "testdata", "golden", dir, "*"+suffix))
	if err != nil || len(files) == 0 {
		f.Fatalf("no golden %s files in %s: %v", suffix, dir, err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// FuzzDecodeResponse: the EM answer decoder never panics, fails only with
// ErrGarbled, and what it accepts is exactly one kind of answer.
func FuzzDecodeResponse(f *testing.F) {
	seedGolden(f, "em", "_response.xml")
	f.Add([]byte(`<!DOCTYPE response [<!ENTITY x "y">]><response><success/></response>`))
	f.Add([]byte(`<response><failure><error code="x">t</error></failure></response>`))
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := DecodeResponse(body)
		if err != nil {
			if !errors.Is(err, ErrGarbled) {
				t.Fatalf("error %v does not wrap ErrGarbled", err)
			}
			return
		}
		kinds := 0
		for _, set := range []bool{r.Success, r.Failure != nil, r.DeviceUsers != nil, r.UserDevices != nil, r.Profiles != nil} {
			if set {
				kinds++
			}
		}
		if kinds > 1 {
			t.Fatalf("%d kinds of answer in one: %+v", kinds, r)
		}
		if r.Failure != nil && r.Failure.Text != strings.TrimSpace(r.Failure.Text) {
			t.Fatalf("failure text %q not trimmed", r.Failure.Text)
		}
	})
}

// FuzzDecodeAXL: the AXL answer decoders (doAuthenticateUser,
// doDeviceReset) never panic and fail only with ErrGarbled; a fault is never
// also an answer.
func FuzzDecodeAXL(f *testing.F) {
	seedGolden(f, "axl", ".xml")
	f.Add([]byte(`<Envelope><Body><doAuthenticateUserResponse><return><userAuthenticated>true</userAuthenticated></return></doAuthenticateUserResponse></Body></Envelope>`))
	f.Add([]byte(`<Envelope><Body><Fault><faultstring> x </faultstring></Fault></Body></Envelope>`))
	f.Fuzz(func(t *testing.T, body []byte) {
		auth, err := DecodeAXLAnswer(body)
		if err != nil && !errors.Is(err, ErrGarbled) {
			t.Fatalf("authenticate: error %v does not wrap ErrGarbled", err)
		}
		if auth.IsFault && auth.Authenticated {
			t.Fatalf("a fault that authenticates: %+v", auth)
		}
		reset, err := decodeSOAP(body, decodeDeviceReset)
		if err != nil && !errors.Is(err, ErrGarbled) {
			t.Fatalf("reset: error %v does not wrap ErrGarbled", err)
		}
		if reset.isFault && reset.value != "" {
			t.Fatalf("a fault with a reset answer: %+v", reset)
		}
		if (err == nil) && auth.IsFault != reset.isFault {
			t.Fatalf("the two decoders disagree on the fault: %+v, %+v", auth, reset)
		}
	})
}

// FuzzAXLRoundTrip: a fault string and a reset answer written into the
// golden envelopes (escaped) come back trimmed and unchanged.
func FuzzAXLRoundTrip(f *testing.F) {
	f.Add("Item not valid: The specified Device was not found", "{6F3B1C0A-5E2D-5A4B-9C8D-7E6F5A4B3C2D}")
	f.Add(" <&> ", "\r\n")
	f.Fuzz(func(t *testing.T, fault, ret string) {
		if !xmlSafe(fault) || !xmlSafe(ret) {
			return
		}
		var fb, rb strings.Builder
		elem(&fb, "faultstring", fault)
		elem(&rb, "return", ret)
		faultDoc := `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><soapenv:Fault><faultcode>soapenv:Server</faultcode>` + fb.String() + `</soapenv:Fault></soapenv:Body></soapenv:Envelope>`
		resetDoc := `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body><ns:doDeviceResetResponse xmlns:ns="` + AXLNamespace + `">` + rb.String() + `</ns:doDeviceResetResponse></soapenv:Body></soapenv:Envelope>`
		a, err := DecodeAXLAnswer([]byte(faultDoc))
		if err != nil || !a.IsFault || a.Fault != strings.TrimSpace(fault) {
			t.Fatalf("fault %q decoded as %+v, %v", fault, a, err)
		}
		r, err := decodeSOAP([]byte(resetDoc), decodeDeviceReset)
		if err != nil || r.isFault || r.value != strings.TrimSpace(ret) {
			t.Fatalf("reset answer %q decoded as %+v, %v", ret, r, err)
		}
	})
}

// xmlSafe reports whether s is valid UTF-8 of characters XML can carry, so an
// escaped s must decode to itself.
func xmlSafe(s string) bool {
	for _, r := range s {
		if r == '\uFFFD' || !(r == 0x9 || r == 0xA || r == 0xD || r >= 0x20 && r <= 0xD7FF || r >= 0xE000 && r <= 0xFFFD || r >= 0x10000 && r <= 0x10FFFF) {
			return false
		}
	}
	return true
}
