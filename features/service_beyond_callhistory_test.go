package features

import (
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// historyBefore is the call history a spec gives the phone before its logout.
const historyBefore = 7

// axlPasswordEnv is the environment variable the axlUser specs hand the AXL password in.
const axlPasswordEnv = "BC_FEATURE_AXL_PASSWORD"

// historyCleared is the answer to a logout followed by a successful reset.
func historyCleared(device string) beyondResult {
	return beyondResult{DeviceName: strPtr(device), Fields: map[string]string{"callHistoryCleared": "true"},
		Text: logoutOK(device) + ", call history cleared"}
}

// historyKept is the answer to a logout that left the call history alone.
func historyKept(device string) beyondResult {
	return beyondResult{DeviceName: strPtr(device), Fields: map[string]string{}, Text: logoutOK(device)}
}

// notCleared is the start of the text of 1016.
func notCleared(device string) string {
	return "Logout successful for device " + device + ", but its call history was not cleared: "
}

// phoneInUse seeds a login of user on an EU device holding historyBefore call history entries.
func phoneInUse(sim *Sim, device, user string) {
	GinkgoHelper()
	sim.PutLogin("EU", device, SeedLogin{User: user})
	sim.SetCallHistory("EU", device, historyBefore)
}

// expectHardReset asserts that the phone's call history is empty after one hard reset.
func expectHardReset(sim *Sim, cluster, device string) {
	GinkgoHelper()
	d := sim.Device(cluster, device)
	Expect(d.CallHistory).To(Equal(0), "call history of %s", device)
	Expect(d.Resets).To(ConsistOf(HaveField("Hard", true)), "resets of %s", device)
}

// expectNoReset asserts that the phone kept its call history and received no reset.
func expectNoReset(sim *Sim, device string) {
	GinkgoHelper()
	d := sim.Device("EU", device)
	Expect(d.CallHistory).To(Equal(historyBefore), "call history of %s", device)
	Expect(d.Resets).To(BeEmpty(), "resets of %s", device)
	Expect(sent(sim.Requests("EU"), "doDeviceReset")).To(BeEmpty())
}

// describeCallHistory: an EM logout leaves the call history on the phone; the logout option
// <clearCallHistory> and the cluster setting clearCallHistory: onLogout add a hard reset
// through AXL doDeviceReset after a successful logout.
func describeCallHistory(env *apiEnv) {
	Describe("clearing the call history on logout", func() {
		Context("where the cluster keeps it (clearCallHistory: never, the default)", func() {
			It("keeps it on a plain logout", func() {
				phoneInUse(env.sim, euDevice1, almUser)
				Expect(env.call("/api/logout/"+euDevice1, "")).To(Equal(historyKept(euDevice1)))
				expectNoReset(env.sim, euDevice1)
			})

			It("clears it with <clearCallHistory>true</clearCallHistory>: logout, then a hard reset", func() {
				phoneInUse(env.sim, euDevice1, almUser)
				Expect(env.call("/api/logout/"+euDevice1, "<clearCallHistory>true</clearCallHistory>")).To(Equal(historyCleared(euDevice1)))
				expectHardReset(env.sim, "EU", euDevice1)
				Expect(sent(env.sim.Requests("EU"), "logout", "doDeviceReset")).
					To(Equal([]string{"logout " + euDevice1, "doDeviceReset " + euDevice1}))
				Expect(env.sim.Logins("EU")).To(BeEmpty())
			})

			It("resets nothing when the logout itself fails (19)", func() {
				env.sim.SetCallHistory("EU", euDevice1, historyBefore)
				Expect(env.call("/api/logout/"+euDevice1, "<clearCallHistory>true</clearCallHistory>").Code).To(Equal(19))
				expectNoReset(env.sim, euDevice1)
			})

			It("clears it on every device logoutuser logs out", func() {
				for _, d := range []string{labDevice1, labDevice2} {
					env.sim.PutLogin("LAB", d, SeedLogin{User: labUser})
					env.sim.SetCallHistory("LAB", d, historyBefore)
				}
				got := env.call("/api/logoutuser/"+labUser, "<clearCallHistory>true</clearCallHistory>")
				Expect(got.Code).To(Equal(0))
				Expect(got.Devices).To(Equal([]string{
					labDevice1 + "@LAB: 0 Logout successful, call history cleared",
					labDevice2 + "@LAB: 0 Logout successful, call history cleared",
				}))
				expectHardReset(env.sim, "LAB", labDevice1)
				expectHardReset(env.sim, "LAB", labDevice2)
			})

			It("answers 1016 when AXL refuses the reset: the logout stands, the history stays", func() {
				phoneInUse(env.sim, euDevice1, almUser)
				env.sim.AddFault("EU", Fault{Operation: "doDeviceReset", EMCode: emCode(5007), EMText: "Item not valid"})
				got := env.call("/api/logout/"+euDevice1, "<clearCallHistory>true</clearCallHistory>")
				Expect(got.Code).To(Equal(1016))
				Expect(got.Text).To(HavePrefix(notCleared(euDevice1) + "AXL of cluster EU refused the reset of " + euDevice1 + ": "))
				Expect(got.Fields).To(BeEmpty())
				Expect(env.sim.Logins("EU")).To(BeEmpty(), "the logout stands")
				Expect(env.sim.Device("EU", euDevice1).CallHistory).To(Equal(historyBefore))
			})

			It("lists a refused reset as 1016 in logoutuser", func() {
				phoneInUse(env.sim, euDevice1, almUser)
				env.sim.AddFault("EU", Fault{Operation: "doDeviceReset", EMCode: emCode(5007)})
				got := env.call("/api/logoutuser/"+almUser, "<clearCallHistory>true</clearCallHistory>")
				Expect(got.Code).To(Equal(1016))
				Expect(got.Devices).To(ConsistOf(HavePrefix(euDevice1 + "@EU: 1016 " + notCleared(euDevice1))))
				Expect(env.sim.Logins("EU")).To(BeEmpty())
			})

			It("authenticates the reset with the request's own app user when no axlUser is configured", func() {
				phoneInUse(env.sim, euDevice1, euSelf)
				resp := env.svc.API().POST("/api/logout/"+euDevice1).
					WithFormField("xml", "<request><appID>"+euSelf+"</appID><appCertificate>selfpass</appCertificate><clearCallHistory>true</clearCallHistory></request>").Expect()
				got := decodeBeyond(resp.Body().Raw())
				Expect(got.Code).To(Equal(1016), "an end user has no AXL access: %+v", got)
				Expect(env.sim.Logins("EU")).To(BeEmpty(), "the end user's own logout stands")
				resets := env.sim.Requests("EU")
				Expect(resets[len(resets)-1]).To(SatisfyAll(HaveField("Operation", "doDeviceReset"), HaveField("AppID", euSelf)))
			})
		})

		Context("where the cluster clears it on every logout (clearCallHistory: onLogout)", func() {
			onLogout := &apiEnv{sim: env.sim}
			BeforeAll(func() {
				onLogout.svc = newTunedService(env.sim, ServiceOptions{Timeout: apiNodeTimeout, RequestTimeout: apiRequestTimeout},
					withKeys(map[string]any{"clearCallHistory": "onLogout"}))
			})

			It("clears it on a plain logout", func() {
				phoneInUse(env.sim, euDevice1, almUser)
				Expect(onLogout.call("/api/logout/"+euDevice1, "")).To(Equal(historyCleared(euDevice1)))
				expectHardReset(env.sim, "EU", euDevice1)
			})

			It("keeps it when the request says <clearCallHistory>false</clearCallHistory>", func() {
				phoneInUse(env.sim, euDevice1, almUser)
				Expect(onLogout.call("/api/logout/"+euDevice1, "<clearCallHistory>false</clearCallHistory>")).To(Equal(historyKept(euDevice1)))
				expectNoReset(env.sim, euDevice1)
			})

			It("clears it on the devices logoutuser logs out", func() {
				phoneInUse(env.sim, euDevice1, almUser)
				Expect(onLogout.call("/api/logoutuser/"+almUser, "").Devices).
					To(Equal([]string{euDevice1 + "@EU: 0 Logout successful, call history cleared"}))
				expectHardReset(env.sim, "EU", euDevice1)
			})
		})

		Context("when no AXL URL of the cluster answers", func() {
			closed := &apiEnv{sim: env.sim}
			BeforeAll(func() {
				closed.svc = newTunedService(env.sim, ServiceOptions{Timeout: apiNodeTimeout, RequestTimeout: apiRequestTimeout},
					withKeys(map[string]any{"clearCallHistory": "onLogout", "axl": []string{closedURL(axlPath)}}))
			})

			It("answers 1016: the logout stands, the history stays", func() {
				phoneInUse(env.sim, euDevice1, almUser)
				Expect(closed.call("/api/logout/"+euDevice1, "")).To(Equal(beyondResult{
					DeviceName: strPtr(euDevice1), Fields: map[string]string{}, Code: 1016,
					Text: notCleared(euDevice1) + "AXL of cluster EU unreachable",
				}))
				Expect(env.sim.Logins("EU")).To(BeEmpty())
				Expect(env.sim.Device("EU", euDevice1).CallHistory).To(Equal(historyBefore))
			})
		})

		Context("when the cluster names an axlUser", func() {
			withUser := &apiEnv{sim: env.sim}
			BeforeAll(func() {
				withUser.svc = newTunedService(env.sim, ServiceOptions{Timeout: apiNodeTimeout, RequestTimeout: apiRequestTimeout,
					Env: []string{axlPasswordEnv + "=" + appCert}},
					withKeys(map[string]any{"clearCallHistory": "onLogout", "axlUser": appID, "axlPasswordEnv": axlPasswordEnv}))
			})

			It("authenticates the reset as that user, whoever asked for the logout", func() {
				phoneInUse(env.sim, euDevice1, euSelf)
				resp := withUser.svc.API().POST("/api/logout/"+euDevice1).WithFormField("xml", credsFor(euSelf, "selfpass")).Expect()
				Expect(decodeBeyond(resp.Body().Raw())).To(Equal(historyCleared(euDevice1)))
				expectHardReset(env.sim, "EU", euDevice1)
				resets := env.sim.Requests("EU")
				Expect(resets[len(resets)-1]).To(SatisfyAll(HaveField("Operation", "doDeviceReset"), HaveField("AppID", appID)))
			})
		})
	})
}
