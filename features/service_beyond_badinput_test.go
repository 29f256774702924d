package features

import (
	"net/http"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// describeBeyondBadInput: the new path segments get the validation of the 1.4 routes
// (cmd/bcservice/README.md, "Path decisions"), and a malformed option element is 1012; either way nothing
// reaches CUCM.
func describeBeyondBadInput(env *apiEnv) {
	Describe("bad input to the new routes and options", func() {
		DescribeTable("an invalid user or cluster segment is refused with its code before CUCM is asked",
			func(path string, code int, textPrefix string) {
				got := env.postPathBeyond(path)
				Expect(got.Code).To(Equal(code), "answer %+v", got)
				Expect(got.Text).To(HavePrefix(textPrefix))
				Expect(got.Devices).To(BeNil())
				nothingSentToCUCM(env.sim)
			},
			Entry("1005: no user segment", "/api/getuserdevices", 1005, "User ID empty"),
			Entry("1005: empty user segment", "/api/getuserdevices/", 1005, "User ID empty"),
			Entry("1005: empty user before a cluster", "/api/logoutuser//EU", 1005, "User ID empty"),
			Entry("1005: blank user", "/api/logoutuser/%20", 1005, "User ID empty"),
			Entry("1009: user of 129 characters", "/api/getuserdevices/"+strings.Repeat("U", 129), 1009, "Invalid user ID: at most 128 characters"),
			Entry("1009: control character in the user", "/api/logoutuser/a%0Ab", 1009, "Invalid user ID"),
			Entry("1009: user '..'", "/api/getuserdevices/..", 1009, "Invalid user ID"),
			Entry("1009: user '%2E%2E'", "/api/logoutuser/%2E%2E/EU", 1009, "Invalid user ID"),
			Entry("1012: '/' in the cluster code", "/api/getuserdevices/"+almUser+"/X%2FY", 1012, `Invalid cluster code "X/Y"`),
			Entry("1012: cluster code of 33 characters", "/api/logoutuser/"+almUser+"/"+strings.Repeat("C", 33), 1012, "Invalid cluster code"),
		)

		DescribeTable("a user ID that is valid, if odd, reaches CUCM unchanged",
			func(path, user string) {
				Expect(env.postPathBeyond(path).Code).To(Equal(23), "no cluster knows it")
				Expect(sent(env.sim.Requests("EU"))).To(Equal([]string{"userDevicesQuery " + user}))
			},
			Entry("'%2F' is data inside the user segment", "/api/getuserdevices/a%2Fb", "a/b"),
			Entry("128 characters", "/api/logoutuser/"+strings.Repeat("U", 128), strings.Repeat("U", 128)),
		)

		It("answers an extra segment with HTTP 404 and code 404", func() {
			resp := env.svc.API().POST("/api/getuserdevices/"+almUser+"/EU/x").WithFormField("xml", demoCredsXML).Expect()
			resp.Status(http.StatusNotFound)
			Expect(decodeBeyond(resp.Body().Raw())).To(Equal(beyondResult{Fields: map[string]string{}, Code: 404, Text: "Unknown API route"}))
			nothingSentToCUCM(env.sim)
		})

		DescribeTable("a wrong method gets HTTP 405 with Allow: POST",
			func(path string) {
				resp := env.svc.API().GET(path).Expect()
				resp.Status(http.StatusMethodNotAllowed)
				resp.Header("Allow").IsEqual("POST")
				Expect(decodeBeyond(resp.Body().Raw()).Code).To(Equal(405))
				nothingSentToCUCM(env.sim)
			},
			Entry("GET /api/getuserdevices/{userID}", "/api/getuserdevices/"+almUser),
			Entry("GET /api/logoutuser/{userID}/{cluster}", "/api/logoutuser/"+almUser+"/EU"),
		)

		DescribeTable("a malformed option element is 1012, before CUCM is asked",
			func(path, options, text string) {
				got := env.call(path, options)
				Expect(got.Code).To(Equal(1012), "answer %+v", got)
				Expect(got.Text).To(Equal(text))
				nothingSentToCUCM(env.sim)
			},
			Entry("force not a boolean", loginPath(euDevice1, almUser), "<force>yes</force>", `Invalid force "yes": true or false`),
			Entry("deviceProfile empty", loginPath(euDevice1, almUser), "<deviceProfile></deviceProfile>",
				"Invalid deviceProfile: 1-50 characters without control characters"),
			Entry("deviceProfile of 51 characters", loginPath(euDevice1, almUser), "<deviceProfile>"+strings.Repeat("P", 51)+"</deviceProfile>",
				"Invalid deviceProfile: 1-50 characters without control characters"),
			Entry("deviceProfile with a control character", loginPath(euDevice1, almUser), "<deviceProfile>UDP&#9;X</deviceProfile>",
				"Invalid deviceProfile: 1-50 characters without control characters"),
			Entry("clearCallHistory not a boolean (logout)", "/api/logout/"+euDevice1, "<clearCallHistory>maybe</clearCallHistory>",
				`Invalid clearCallHistory "maybe": true or false`),
			Entry("clearCallHistory not a boolean (logoutuser)", "/api/logoutuser/"+almUser, "<clearCallHistory>maybe</clearCallHistory>",
				`Invalid clearCallHistory "maybe": true or false`),
		)

		It("refuses an option element given twice as malformed XML (1006)", func() {
			got := env.call(loginPath(euDevice1, almUser), "<duration>5</duration><duration>6</duration>")
			Expect(got.Code).To(Equal(1006))
			Expect(got.Text).To(Equal("Malformed request XML: duration given twice"))
			nothingSentToCUCM(env.sim)
		})

		It("ignores the options of other operations", func() {
			env.sim.PutLogin("EU", euDevice1, SeedLogin{User: almUser})
			got := env.call("/api/logout/"+euDevice1, "<duration>0</duration><force>maybe</force>")
			Expect(got.Code).To(Equal(0), "a logout has no duration or force: %+v", got)
			Expect(env.sim.Logins("EU")).To(BeEmpty())
		})
	})
}
