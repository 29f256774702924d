package emclient

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/emconnector/emconnector/cucmsim/emxml"
)

// FuzzCodecsAgree: the simulator's codec (cucmsim/emxml) and the service's
// agree on every document both handle: each answer the simulator encodes for
// fuzzed names decodes here to the same values, and each request encoded
// here decodes in the simulator to the same values.
func FuzzCodecsAgree(f *testing.F) {
	f.Add("SEP1CE6C79BAF1F", "ALMUSER01", "UDP-ALM", 18)
	f.Add("dev <&\"> x", "em@cisco.com", " p\r\n", 0)
	f.Add("", "%41", "é", -1)
	f.Fuzz(func(t *testing.T, device, user, profile string, code int) {
		if !xmlSafe(device) || !xmlSafe(user) || !xmlSafe(profile) {
			return // the simulator replaces such characters with U+FFFD on purpose
		}
		checkAnswersAgree(t, device, user, profile, code)
		checkRequestsAgree(t, device, user, profile)
	})
}

func checkAnswersAgree(t *testing.T, device, user, profile string, code int) {
	t.Helper()
	r := mustDecode(t, emxml.DeviceUserResults([]emxml.DeviceResult{{Name: device, State: emxml.DeviceLoggedIn, UserID: user}}))
	if len(r.DeviceUsers) != 1 || r.DeviceUsers[0].Name != device || r.DeviceUsers[0].User != user || r.DeviceUsers[0].LastLogin != user {
		t.Fatalf("deviceUserResults for %q/%q decoded as %+v", device, user, r.DeviceUsers)
	}
	r = mustDecode(t, emxml.UserDevicesResults([]emxml.UserDevicesResult{{UserID: user, Exists: true, Devices: []string{device}}}))
	if len(r.UserDevices) != 1 || r.UserDevices[0].ID != user || !slices.Equal(r.UserDevices[0].Devices, []string{strings.TrimSpace(device)}) {
		t.Fatalf("userDevicesResults for %q/%q decoded as %+v", user, device, r.UserDevices)
	}
	r = mustDecode(t, emxml.DeviceProfileResults([]emxml.UserProfilesResult{{UserID: user, Exists: true, Profiles: []emxml.Profile{{Name: profile, Default: true}}}}))
	if len(r.Profiles) != 1 || r.Profiles[0].ID != user || len(r.Profiles[0].Profiles) != 1 || r.Profiles[0].Profiles[0] != (Profile{Name: strings.TrimSpace(profile), Default: true}) {
		t.Fatalf("deviceProfileResults for %q/%q decoded as %+v", user, profile, r.Profiles)
	}
	r = mustDecode(t, emxml.Failure(code, profile))
	if r.Failure == nil || !r.Failure.HasCode || r.Failure.Code != code || r.Failure.Text != strings.TrimSpace(profile) {
		t.Fatalf("failure %d %q decoded as %+v", code, profile, r.Failure)
	}
}

func mustDecode(t *testing.T, body []byte) *Response {
	t.Helper()
	r, err := DecodeResponse(body)
	if err != nil {
		t.Fatalf("%s: %v", body, err)
	}
	return r
}

func checkRequestsAgree(t *testing.T, device, user, profile string) {
	t.Helper()
	a := Auth{AppID: user, AppCertificate: profile}
	minutes := 60
	m, err := emxml.Decode(EncodeLogin(a, LoginRequest{Device: device, User: user, Profile: profile, Duration: &minutes}))
	if err == nil {
		want := emxml.Message{Op: emxml.OpLogin, AppID: strings.TrimSpace(user), AppCertificate: strings.TrimSpace(profile),
			DeviceName: strings.TrimSpace(device), UserID: strings.TrimSpace(user), DeviceProfile: strings.TrimSpace(profile), TimeSet: true, Minutes: 60}
		if !reflect.DeepEqual(*m, want) {
			t.Fatalf("login decoded as %+v, want %+v", *m, want)
		}
	} else if len(EncodeLogin(a, LoginRequest{Device: device, User: user})) <= emxml.MaxDocumentBytes {
		t.Fatalf("login for %q/%q refused: %v", device, user, err)
	}
	m, err = emxml.Decode(EncodeQuery(a, DeviceUserQuery, device, user))
	if err != nil || m.Op != emxml.OpDeviceUserQuery || !slices.Equal(m.Names, []string{strings.TrimSpace(device), strings.TrimSpace(user)}) {
		t.Fatalf("deviceUserQuery for %q, %q decoded as %+v, %v", device, user, m, err)
	}
}
