package features

import (
	"fmt"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// loginPath is /api/login/{device}/{user}.
func loginPath(device, user string) string { return "/api/login/" + device + "/" + user }

// describeLoginOptions: the optional elements of the login's request message, next to appID
// and appCertificate: <duration>, <force> and <deviceProfile>.
func describeLoginOptions(env *apiEnv) {
	Describe("POST /api/login/{device}/{userID} with request options", func() {
		Context("with <duration>N</duration> (minutes)", func() {
			It("sends it to CUCM as exclusiveDuration and answers until when the login lasts", func() {
				before := time.Now().UTC().Truncate(time.Second)
				got := env.call(loginPath(euDevice1, almUser), "<duration>5</duration>")
				after := time.Now().UTC()
				Expect(got.Code).To(Equal(0), "answer %+v", got)
				until, err := time.Parse(time.RFC3339, got.Fields["until"])
				Expect(err).NotTo(HaveOccurred(), "until %q must be RFC 3339", got.Fields["until"])
				Expect(until.Location()).To(Equal(time.UTC))
				Expect(until).To(BeTemporally(">=", before.Add(5*time.Minute)))
				Expect(until).To(BeTemporally("<=", after.Add(5*time.Minute)))
				Expect(got.Text).To(Equal(loginOK(almUser, euDevice1) + ", until " + got.Fields["until"]))
				logins := env.sim.Requests("EU")
				Expect(sent(logins, "login")).To(Equal([]string{"login " + euDevice1 + " " + almUser}))
				Expect(logins[len(logins)-1].XML).To(ContainSubstring("<exclusiveDuration><time>5</time></exclusiveDuration>"))
				Expect(env.sim.Login("EU", euDevice1)).To(HaveField("Expires", Not(BeEmpty())))
			})

			It("lets the login end once the time has passed (simulator clock)", func() {
				Expect(env.call(loginPath(euDevice1, almUser), "<duration>5</duration>").Code).To(Equal(0))
				env.sim.AdvanceClock(6 * time.Minute)
				Expect(env.post("/api/getloggedinuser/" + euDevice1)).
					To(Equal(whoResult(euDevice1, "", 0, "No user logged in on device "+euDevice1)))
			})

			DescribeTable("accepts the bounds",
				func(minutes int) {
					got := env.call(loginPath(euDevice1, almUser), fmt.Sprintf("<duration>%d</duration>", minutes))
					Expect(got.Code).To(Equal(0), "answer %+v", got)
					Expect(got.Fields).To(HaveKey("until"))
				},
				Entry("1 minute", 1),
				Entry("10080 minutes (one week, CUCM's maximum)", 10080),
			)

			DescribeTable("refuses a duration outside 1..10080 minutes with 1012, sending nothing to CUCM",
				func(value string) {
					got := env.call(loginPath(euDevice1, almUser), "<duration>"+value+"</duration>")
					Expect(got.Code).To(Equal(1012))
					Expect(got.Text).To(Equal(fmt.Sprintf("Invalid duration %q: 1-10080 minutes", value)))
					Expect(got.Fields).To(BeEmpty())
					nothingSentToCUCM(env.sim)
				},
				Entry("0", "0"),
				Entry("10081", "10081"),
				Entry("a Go duration (1h)", "1h"),
				Entry("negative", "-5"),
				Entry("empty", ""),
			)
		})

		Context("with <force>true</force>", func() {
			It("logs out the user on the device first, under one device lock, and names it", func() {
				env.sim.PutLogin("EU", euDevice1, SeedLogin{User: euUser02})
				got := env.call(loginPath(euDevice1, almUser), "<force>true</force>")
				Expect(got).To(Equal(beyondResult{
					DeviceName: strPtr(euDevice1), UserID: strPtr(almUser), Fields: map[string]string{"replaced": euUser02},
					Text: loginOK(almUser, euDevice1) + ", replacing " + euUser02,
				}))
				Expect(sent(env.sim.Requests("EU"), "logout", "login")).
					To(Equal([]string{"logout " + euDevice1, "login " + euDevice1 + " " + almUser}))
				Expect(env.sim.Login("EU", euDevice1)).To(HaveField("User", almUser))
			})

			It("logs in as usual on a free device: nobody replaced, no logout sent", func() {
				got := env.call(loginPath(euDevice1, almUser), "<force>true</force>")
				Expect(got.Code).To(Equal(0))
				Expect(got.Fields).To(BeEmpty())
				Expect(got.Text).To(Equal(loginOK(almUser, euDevice1)))
				Expect(sent(env.sim.Requests("EU"), "logout")).To(BeEmpty())
			})

			It("with false, leaves the other user and answers CUCM's 18", func() {
				env.sim.PutLogin("EU", euDevice1, SeedLogin{User: euUser02})
				Expect(env.call(loginPath(euDevice1, almUser), "<force>false</force>").Code).To(Equal(18))
				Expect(env.sim.Login("EU", euDevice1)).To(HaveField("User", euUser02))
			})

			It("says the device was left free when the login fails after the logout", func() {
				env.sim.PutLogin("EU", euDevice1, SeedLogin{User: euUser02})
				got := env.call(loginPath(euDevice1, almUser), "<force>true</force><deviceProfile>UDP-NOSUCH</deviceProfile>")
				Expect(got).To(Equal(beyondResult{
					DeviceName: strPtr(euDevice1), UserID: strPtr(almUser),
					Fields: map[string]string{"replaced": euUser02, "deviceLeftFree": "true"},
					Code:   12,
					Text: loginFailed(almUser, euDevice1, "EU", "Dev. Profile not found") +
						" (user " + euUser02 + " was logged out first: the device was left free)",
				}))
				Expect(env.sim.Login("EU", euDevice1)).To(BeNil())
			})
		})

		Context("with <deviceProfile>NAME</deviceProfile>", func() {
			It("logs the user in with that profile instead of its default", func() {
				got := env.call(loginPath(euDevice1, euUser02), "<deviceProfile>UDP-EUUSER02-7970</deviceProfile>")
				Expect(got.Code).To(Equal(0))
				Expect(got.Text).To(Equal(loginOK(euUser02, euDevice1)))
				Expect(env.sim.Login("EU", euDevice1)).To(HaveField("Profile", "UDP-EUUSER02-7970"))
				reqs := env.sim.Requests("EU")
				Expect(reqs[len(reqs)-1].XML).To(ContainSubstring("<deviceProfile>UDP-EUUSER02-7970</deviceProfile>"))
			})

			It("answers CUCM's 12 for a profile CUCM does not know, logging nobody in", func() {
				got := env.call(loginPath(euDevice1, euUser02), "<deviceProfile>UDP-NOSUCH</deviceProfile>")
				Expect(got.Code).To(Equal(12))
				Expect(got.Text).To(Equal(loginFailed(euUser02, euDevice1, "EU", "Dev. Profile not found")))
				Expect(env.sim.Login("EU", euDevice1)).To(BeNil())
			})
		})
	})
}
