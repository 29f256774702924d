package features

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// describeBeyondJSON: with Accept: application/json the new answers carry the same: the
// option fields as properties, the device list as an array.
func describeBeyondJSON(env *apiEnv) {
	Describe("JSON answers (Accept: application/json)", func() {
		It("getuserdevices lists the devices as an array", func() {
			env.sim.PutLogin("EU", euDevice1, SeedLogin{User: almUser})
			Expect(env.callJSON("/api/getuserdevices/"+almUser, "")).To(Equal(map[string]any{
				"userID":  almUser,
				"devices": []any{map[string]any{"deviceName": euDevice1, "cluster": "EU"}},
				"code":    0.0,
				"text":    "User ALMUSER01 is logged in on 1 device(s)",
			}))
		})

		It("getuserdevices answers an empty array for a user logged in nowhere", func() {
			Expect(env.callJSON("/api/getuserdevices/"+almUser, "")).To(HaveKeyWithValue("devices", []any{}))
		})

		It("logoutuser gives every entry its code and text, and a cluster that cannot be asked no deviceName", func() {
			env.sim.PutLogin("EU", euDevice1, SeedLogin{User: almUser})
			for _, n := range env.sim.Nodes("US") {
				env.sim.NodeDown("US", n)
			}
			Expect(env.callJSON("/api/logoutuser/"+almUser, "")).To(Equal(map[string]any{
				"userID": almUser,
				"devices": []any{
					map[string]any{"deviceName": euDevice1, "cluster": "EU", "code": 0.0, "text": "Logout successful"},
					map[string]any{"cluster": "US", "code": 1002.0, "text": "CUCM unreachable: cannot look up user ALMUSER01 in cluster(s) US"},
				},
				"code": 1002.0,
				"text": "CUCM unreachable: cannot look up user ALMUSER01 in cluster(s) US",
			}))
		})

		It("a forced, timed login carries replaced and until", func() {
			env.sim.PutLogin("EU", euDevice1, SeedLogin{User: euUser02})
			got := env.callJSON(loginPath(euDevice1, almUser), "<force>true</force><duration>30</duration>")
			Expect(got).To(HaveKeyWithValue("replaced", euUser02))
			Expect(got).To(HaveKeyWithValue("until", MatchRegexp(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$`)))
			Expect(got).To(HaveKeyWithValue("text", loginOK(almUser, euDevice1)+", replacing "+euUser02+", until "+got["until"].(string)))
		})

		It("a forced login that failed carries deviceLeftFree", func() {
			env.sim.PutLogin("EU", euDevice1, SeedLogin{User: euUser02})
			got := env.callJSON(loginPath(euDevice1, almUser), "<force>true</force><deviceProfile>UDP-NOSUCH</deviceProfile>")
			Expect(got).To(SatisfyAll(HaveKeyWithValue("code", 12.0), HaveKeyWithValue("replaced", euUser02), HaveKeyWithValue("deviceLeftFree", "true")))
		})

		It("a logout that cleared the call history carries callHistoryCleared", func() {
			env.sim.PutLogin("EU", euDevice1, SeedLogin{User: almUser})
			Expect(env.callJSON("/api/logout/"+euDevice1, "<clearCallHistory>true</clearCallHistory>")).To(Equal(map[string]any{
				"deviceName":         euDevice1,
				"code":               0.0,
				"text":               logoutOK(euDevice1) + ", call history cleared",
				"callHistoryCleared": "true",
			}))
		})
	})
}
