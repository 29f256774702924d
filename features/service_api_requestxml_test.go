package features

import (
	"io"
	"net/http"
	"net/url"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// describeRequestXML: "The webservice supports the POST keyword and has only one parameter,
// named xml containing the request message. All xml input elements are case sensitive."
func describeRequestXML(env *apiEnv) {
	Describe("POST /api/... the xml parameter", func() {
		// Every way of sending xml logs the same seeded user out of the same device.
		logoutWith := func(send func(path string) bcResult) {
			GinkgoHelper()
			env.sim.PutLogin("EU", euDevice1, SeedLogin{User: almUser})
			Expect(send("/api/logout/" + euDevice1)).To(Equal(logoutResult(euDevice1, 0, logoutOK(euDevice1))))
			Expect(env.sim.Logins("EU")).To(BeEmpty())
			reqs := env.sim.Requests("EU")
			Expect(reqs).To(ContainElement(And(HaveField("Operation", "logout"), HaveField("AppID", appID))),
				"the credentials reach CUCM")
		}

		It("is taken from a form body", func() {
			logoutWith(func(path string) bcResult { return env.post(path) })
		})

		It("is taken from a multipart form body", func() {
			logoutWith(func(path string) bcResult {
				return expectXMLAnswer(env.svc.API().POST(path).WithMultipart().
					WithFormField("xml", demoCredsXML).Expect(), http.StatusOK)
			})
		})

		DescribeTable("reads a ';' inside a value as data, as the IIS original did",
			func(inQuery bool) {
				raw := "xml=<request><appID>bc;app</appID><appCertificate>x;y</appCertificate></request>"
				target, body := env.svc.BaseURL()+"/api/logout/"+euDevice1, raw
				if inQuery {
					target, body = target+"?"+raw, ""
				}
				req, err := http.NewRequest(http.MethodPost, target, strings.NewReader(body))
				Expect(err).NotTo(HaveOccurred())
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
				resp, err := apiHTTPClient().Do(req)
				Expect(err).NotTo(HaveOccurred())
				defer resp.Body.Close()
				data, err := io.ReadAll(resp.Body)
				Expect(err).NotTo(HaveOccurred())
				Expect(resp.StatusCode).To(Equal(http.StatusOK))
				got := decodeResult(string(data))
				Expect(got.Code).NotTo(Equal(1006), "answer %v", got)
				Expect(env.sim.Requests("EU")).To(ContainElement(HaveField("AppID", "bc;app")),
					"the whole appID reaches CUCM")
			},
			Entry("in a form body", false),
			Entry("in the query string", true),
		)

		It("is taken from the query string", func() {
			logoutWith(func(path string) bcResult {
				return expectXMLAnswer(env.svc.API().POST(path).WithQuery("xml", demoCredsXML).Expect(), http.StatusOK)
			})
		})

		DescribeTable("is taken from a raw XML body",
			func(contentType string) {
				logoutWith(func(path string) bcResult {
					return expectXMLAnswer(env.svc.API().POST(path).WithHeader("Content-Type", contentType).
						WithText(demoCredsXML).Expect(), http.StatusOK)
				})
			},
			Entry("text/xml", "text/xml"),
			Entry("text/xml with a charset", "text/xml; charset=utf-8"),
			Entry("application/xml", "application/xml"),
		)

		It("accepts the EM style <appInfo> wrapper", func() {
			logoutWith(func(path string) bcResult {
				return env.postXML(path, "<request><appInfo><appID>"+appID+"</appID><appCertificate>"+appCert+"</appCertificate></appInfo></request>")
			})
		})

		It("prefers the form body over the query string", func() {
			logoutWith(func(path string) bcResult {
				return expectXMLAnswer(env.svc.API().POST(path).WithQuery("xml", credsFor(appID, "wrong")).
					WithFormField("xml", demoCredsXML).Expect(), http.StatusOK)
			})
		})

		DescribeTable("a missing or malformed xml parameter is refused before CUCM is asked",
			func(xmlParam *string, code int, textPrefix string) {
				req := env.svc.API().POST("/api/login/" + euDevice1 + "/" + almUser)
				if xmlParam != nil {
					req = req.WithFormField("xml", *xmlParam)
				}
				got := expectXMLAnswer(req.Expect(), http.StatusOK)
				Expect(got.Code).To(Equal(code), "answer %v", got)
				Expect(got.Text).To(HavePrefix(textPrefix), "answer %v", got)
				Expect(got.DeviceName).To(HaveValue(Equal(euDevice1)))
				Expect(got.UserID).To(HaveValue(Equal(almUser)))
				Expect(env.sim.Requests("EU")).To(BeEmpty(), "nothing may reach CUCM")
				Expect(env.sim.Logins("EU")).To(BeEmpty())
			},
			Entry("1006: no xml parameter", nil, 1006, "Missing xml parameter"),
			Entry("1006: blank xml", strPtr("   "), 1006, "Missing xml parameter"),
			Entry("1006: not XML", strPtr("appID=bcapp"), 1006, "Malformed request XML: "),
			Entry("1006: unclosed element", strPtr("<request><appID>bcapp</appID><appCertificate>s3cret</request>"), 1006, "Malformed request XML: "),
			Entry("1006: root is not <request>", strPtr("<req><appID>bcapp</appID><appCertificate>s3cret</appCertificate></req>"), 1006, "Malformed request XML: "),
			Entry("1006: a DOCTYPE with an entity", strPtr(`<!DOCTYPE request [<!ENTITY c "s3cret">]><request><appID>bcapp</appID><appCertificate>&c;</appCertificate></request>`), 1006, "Malformed request XML: "),
			Entry("1006: trailing content", strPtr(demoCredsXML+"<request/>"), 1006, "Malformed request XML: "),
			Entry("1007: appCertificate missing", strPtr("<request><appID>bcapp</appID></request>"), 1007, "appID or appCertificate missing"),
			Entry("1007: appID blank", strPtr("<request><appID> </appID><appCertificate>s3cret</appCertificate></request>"), 1007, "appID or appCertificate missing"),
			Entry("1007: element names are case sensitive", strPtr("<request><AppID>bcapp</AppID><AppCertificate>s3cret</AppCertificate></request>"), 1007, "appID or appCertificate missing"),
		)

		It("refuses a body over the limit with HTTP 413 and code 413", func() {
			big := url.Values{"xml": {demoCredsXML + strings.Repeat(" ", 70<<10)}}.Encode()
			got := expectXMLAnswer(env.svc.API().POST("/api/logout/"+euDevice1).
				WithHeader("Content-Type", "application/x-www-form-urlencoded").WithText(big).Expect(),
				http.StatusRequestEntityTooLarge)
			Expect(got.Code).To(Equal(413))
			Expect(got.Text).To(HavePrefix("Request body too large (limit 65536 bytes)"))
			Expect(env.sim.Requests("EU")).To(BeEmpty())
		})

		It("never writes the appCertificate into the service's log", func() {
			env.post("/api/getloggedinuser/" + euDevice1)
			env.postXML("/api/login/"+euDevice1+"/"+almUser, credsFor(appID, "Wr0ngSecret-77"))
			log := string(env.svc.Session().Out.Contents()) + string(env.svc.Session().Err.Contents())
			Expect(log).To(ContainSubstring("msg=request"), "the service logs its requests")
			Expect(log).NotTo(ContainSubstring(appCert))
			Expect(log).NotTo(ContainSubstring("Wr0ngSecret-77"))
		})
	})
}
