package features

import (
	"net/http"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// describeRoutes: the URL paths themselves. The device, user, cluster code and PIN come
// from the path; every path problem is answered before the xml parameter is read and
// before CUCM is asked (cmd/bcservice/README.md, "Path decisions").
func describeRoutes(env *apiEnv) {
	Describe("POST /api/... paths and methods", func() {
		// nothingReachedCUCM asserts that no cluster saw a request.
		nothingReachedCUCM := func() {
			GinkgoHelper()
			for _, c := range []string{"EU", "US", "LAB"} {
				Expect(env.sim.Requests(c)).To(BeEmpty(), "requests to cluster %s", c)
			}
		}

		DescribeTable("a wrong method gets HTTP 405, an Allow header and an XML body",
			func(method, path, allow string) {
				resp := env.svc.API().Request(method, path).WithFormField("xml", demoCredsXML).Expect()
				resp.Header("Allow").IsEqual(allow)
				got := expectXMLAnswer(resp, http.StatusMethodNotAllowed)
				Expect(got.Code).To(Equal(405))
				Expect(got.Text).To(Equal("Method " + method + " not allowed"))
				nothingReachedCUCM()
			},
			Entry("GET /api/login/{device}/{user}", http.MethodGet, "/api/login/"+euDevice1+"/"+almUser, "POST"),
			Entry("GET /api/logout/{device}", http.MethodGet, "/api/logout/"+euDevice1, "POST"),
			Entry("PUT /api/getloggedinuser/{device}", http.MethodPut, "/api/getloggedinuser/"+euDevice1, "POST"),
			Entry("DELETE /api/login/{device}/{user}/{cluster}", http.MethodDelete, "/api/login/"+euDevice1+"/"+almUser+"/EU", "POST"),
			Entry("PUT /api/getversioninfo", http.MethodPut, "/api/getversioninfo", "GET, HEAD, POST"),
			Entry("POST /healthz", http.MethodPost, "/healthz", "GET, HEAD"),
		)

		// RFC 9110 §9.1: HEAD wherever GET works (load balancers probe with HEAD).
		DescribeTable("HEAD answers as GET does, without a body",
			func(path string) {
				get, err := http.NewRequest(http.MethodGet, env.svc.BaseURL()+path, nil)
				Expect(err).NotTo(HaveOccurred())
				head, err := http.NewRequest(http.MethodHead, env.svc.BaseURL()+path, nil)
				Expect(err).NotTo(HaveOccurred())
				getStatus, getHeader, _ := fetch(get)
				status, header, body := fetch(head)
				Expect(status).To(Equal(getStatus))
				Expect(body).To(BeEmpty())
				for _, h := range []string{"Content-Type", "Content-Length", "Cache-Control", "X-BC-Build"} {
					Expect(header.Get(h)).To(Equal(getHeader.Get(h)), "header %s", h)
				}
				nothingReachedCUCM()
			},
			Entry("/api/getversioninfo", "/api/getversioninfo"),
			Entry("/healthz", "/healthz"),
			Entry("/openapi.yaml", "/openapi.yaml"),
		)

		It("answers HEAD on /readyz and /metrics with the GET status and no body", func() {
			for _, path := range []string{"/readyz", "/metrics"} {
				env.svc.API().HEAD(path).Expect().Status(http.StatusOK).Body().IsEmpty()
			}
		})

		DescribeTable("an unknown route gets HTTP 404 and code 404, without echoing the path",
			func(path string) {
				got := env.postPath(path, demoCredsXML, http.StatusNotFound)
				Expect(got).To(Equal(bcResult{Code: 404, Text: "Unknown API route"}))
				nothingReachedCUCM()
			},
			Entry("no such operation", "/api/logoff/"+euDevice1),
			Entry("outside /api", "/login/"+euDevice1+"/"+almUser),
			Entry("an extra segment after the cluster", "/api/logout/"+euDevice1+"/EU/x"),
			Entry("an extra segment after the PIN", "/api/login/"+euDevice1+"/"+almUser+"/EU/1234/x"),
			Entry("the API root", "/api/"),
		)

		DescribeTable("a missing device is code 404 'Device ID empty' (HTTP 200)",
			func(path string) {
				got := env.postPath(path, demoCredsXML, http.StatusOK)
				Expect(got.Code).To(Equal(404), "answer %v", got)
				Expect(got.Text).To(Equal("Device ID empty"))
				Expect(got.DeviceName).To(HaveValue(BeEmpty()))
				nothingReachedCUCM()
			},
			Entry("/api/logout", "/api/logout"),
			Entry("/api/logout/", "/api/logout/"),
			Entry("/api/logout//EU", "/api/logout//EU"),
			Entry("/api/logout/%20 (blank)", "/api/logout/%20"),
			Entry("/api/login", "/api/login"),
			Entry("/api/login//"+almUser, "/api/login//"+almUser),
			Entry("/api/getloggedinuser/", "/api/getloggedinuser/"),
		)

		DescribeTable("an invalid path is refused with its code, naming the problem, before CUCM is asked",
			func(path string, code int, device string, textPrefix string) {
				// No xml parameter at all: the path is checked first.
				got := env.postPath(path, "", http.StatusOK)
				Expect(got.Code).To(Equal(code), "answer %v", got)
				Expect(got.Text).To(HavePrefix(textPrefix), "answer %v", got)
				Expect(got.DeviceName).To(HaveValue(Equal(device)))
				nothingReachedCUCM()
			},
			Entry("1005: user ID empty (trailing slash)", "/api/login/"+euDevice1+"/", 1005, euDevice1, "User ID empty"),
			Entry("1005: user ID missing", "/api/login/"+euDevice1, 1005, euDevice1, "User ID empty"),
			Entry("1005: user ID empty before the cluster", "/api/login/"+euDevice1+"//EU", 1005, euDevice1, "User ID empty"),
			Entry("1008: device name with a character outside A-Za-z0-9_.-", "/api/login/SEP!1CE6/"+almUser, 1008, "SEP!1CE6", `Invalid device name "SEP!1CE6": `),
			Entry("1008: device name over 64 characters", "/api/logout/"+strings.Repeat("A", 65), 1008, strings.Repeat("A", 65), `Invalid device name "`),
			Entry("1008: an encoded slash inside the device name", "/api/getloggedinuser/SEP1%2F2", 1008, "SEP1/2", `Invalid device name "SEP1/2": `),
			Entry("1009: user ID with a control character", "/api/login/"+euDevice1+"/AL%01M", 1009, euDevice1, "Invalid user ID: "),
			Entry("1009: user ID over 128 characters", "/api/login/"+euDevice1+"/"+strings.Repeat("u", 129), 1009, euDevice1, "Invalid user ID: "),
			Entry("1009: user ID that is not UTF-8", "/api/login/"+euDevice1+"/AL%FFM", 1009, euDevice1, "Invalid user ID: "),
			Entry("1012: cluster code with a character outside A-Za-z0-9_-", "/api/logout/"+euDevice1+"/E$U", 1012, euDevice1, `Invalid cluster code "E$U": `),
			Entry("1012: cluster code over 32 characters", "/api/logout/"+euDevice1+"/"+strings.Repeat("C", 33), 1012, euDevice1, `Invalid cluster code "`),
			Entry("1012: an encoded slash inside the cluster code", "/api/logout/"+euDevice1+"/E%2FU", 1012, euDevice1, `Invalid cluster code "E/U": `),
			Entry("1012: PIN with letters", "/api/login/"+euDevice1+"/"+almUser+"/EU/12ab", 1012, euDevice1, "Invalid PIN format: 1-32 digits"),
			Entry("1012: PIN over 32 digits", "/api/login/"+euDevice1+"/"+almUser+"/EU/"+strings.Repeat("1", 33), 1012, euDevice1, "Invalid PIN format: 1-32 digits"),
		)

		It("never echoes a malformed PIN in the answer", func() {
			got := env.post("/api/login/" + euDevice1 + "/" + almUser + "/EU/98x76")
			Expect(got.Code).To(Equal(1012))
			Expect(got.Text).NotTo(ContainSubstring("98x76"))
		})

		It("passes an encoded slash inside a user ID to CUCM as data", func() {
			got := env.postPath("/api/login/"+euDevice1+"/AL%2FM", demoCredsXML, http.StatusOK)
			// No cluster knows the user "AL/M": 23 User not found.
			Expect(got).To(Equal(loginResult(euDevice1, "AL/M", 23, "User not found")))
			Expect(env.sim.Requests("EU")).To(ContainElement(And(HaveField("Operation", "login"), HaveField("User", "AL/M"))))
			Expect(env.sim.Requests("US")).To(ContainElement(And(HaveField("Operation", "userDevicesQuery"), HaveField("User", "AL/M"))))
		})
	})
}
