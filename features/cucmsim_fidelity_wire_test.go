package features

import (
	"io"
	"net/http"
	"net/url"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// rawEM posts body as is (no form encoding by the client) to the EU publisher at path and
// returns the status and body. Redirects are not followed, so a 3xx shows.
func rawEM(sim *Sim, path, contentType, body string) (int, string) {
	GinkgoHelper()
	client := &http.Client{Timeout: httpTimeout, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	resp, err := client.Post(sim.NodeURL("EU", "eu-pub")+path, contentType, strings.NewReader(body))
	Expect(err).NotTo(HaveOccurred())
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	Expect(err).NotTo(HaveOccurred())
	return resp.StatusCode, string(data)
}

const formType = "application/x-www-form-urlencoded"

var _ = Describe("cucmsim answers like a real CUCM", Ordered, ContinueOnFailure, func() {
	sim := UseSim(demoTopology)

	Describe("deviceUserQuery shapes of the real trace", func() {
		It("answers a logged-in device with userID, lastlogin and emccDevice, one element a line", func() {
			sim.PutLogin("EU", euDevice1, SeedLogin{User: almUser})
			Expect(sim.PostEM("EU", deviceUserQueryXML(euDevice1))).To(Equal("<response>\n<deviceUserResults>\n" +
				`<device name="SEP1CE6C79BAF1F">` + "\n<userID>ALMUSER01</userID>\n<lastlogin>ALMUSER01</lastlogin>\n" +
				"<emccDevice>no</emccDevice>\n</device>\n</deviceUserResults>\n</response>"))
		})
		It("remembers the last user of a device after the logout", func() {
			Expect(sim.PostEM("EU", loginXML(euDevice1, emAtUser))).To(Equal(successXML))
			Expect(sim.PostEM("EU", logoutXML(euDevice1))).To(Equal(successXML))
			Expect(sim.PostEM("EU", deviceUserQueryXML(euDevice1))).To(Equal(
				strings.ReplaceAll(golden("deviceuserresults_lastlogin_response.xml"), "test_secure", euDevice1)))
		})
		It("answers logoutAll with the real success framing", func() {
			Expect(sim.PostEM("EU", logoutAllXML())).To(Equal(golden("success_response.xml")))
		})
	})

	Describe("names match case-insensitively", func() {
		It("finds a device, a user and a profile in any case and keeps the configured spellings", func() {
			lower := emLogin{Device: strings.ToLower(euDevice1), User: strings.ToLower(almUser), Profile: "udp-almuser01"}
			Expect(sim.PostEM("EU", lower.XML())).To(Equal(successXML))
			Expect(sim.Logins("EU")).To(ConsistOf(SatisfyAll(
				HaveField("Device", euDevice1), HaveField("User", almUser), HaveField("Profile", "UDP-ALMUSER01"))))
		})
		It("echoes the requested spelling in name and id attributes, the configured one in values", func() {
			sim.PutLogin("EU", euDevice1, SeedLogin{User: almUser})
			Expect(sim.EM("EU", deviceUserQueryXML("sep1ce6c79baf1f")).Devices()).To(Equal([]string{
				"sep1ce6c79baf1f:user=ALMUSER01,last=ALMUSER01,emcc=no"}))
			Expect(sim.EM("EU", userDevicesQueryXML("almuser01")).Users()).To(Equal([]string{"almuser01:" + euDevice1}))
		})
		It("logs out a device named in another case", func() {
			sim.PutLogin("EU", euDevice1, SeedLogin{User: almUser})
			Expect(sim.PostEM("EU", logoutXML("sep1ce6c79baf1f"))).To(Equal(successXML))
			Expect(sim.Logins("EU")).To(BeEmpty())
		})
	})

	Describe("forms parsed like Tomcat", func() {
		It("keeps a ';' inside an unencoded value as data", func() {
			doc := `<request><appInfo><appID>bcapp</appID><appCertificate>x;y</appCertificate></appInfo><logoutAll/></request>`
			status, body := rawEM(sim, emPath, formType, "xml="+doc)
			Expect(status).To(Equal(http.StatusOK))
			Expect(body).To(Equal(failureXML(3, "Could not authenticate 'bcapp'")), "the document arrives whole: a wrong password, not a parse error")
			status, body = rawEM(sim, emPath, formType, "xml="+deviceUserQueryXML("SEP;1"))
			Expect(status).To(Equal(http.StatusOK))
			Expect(decodeEM(body).Devices()).To(Equal([]string{"SEP;1:doesNotExist"}))
		})
		It("answers a path with repeated slashes instead of redirecting", func() {
			status, body := rawEM(sim, "/"+emPath, formType, "xml="+url.QueryEscape(loginXML(euDevice1, almUser)))
			Expect(status).To(Equal(http.StatusOK))
			Expect(body).To(Equal(successXML))
			status, _ = rawEM(sim, "/emservice//EMServiceServlet", formType, "xml="+url.QueryEscape(logoutXML(euDevice1)))
			Expect(status).To(Equal(http.StatusOK))
			Expect(sim.Logins("EU")).To(BeEmpty())
		})
	})

	Describe("CUCM's own EMApp requests", func() {
		const doctype = `<!DOCTYPE query SYSTEM "http://PUBLISHER:8080/emservice/jsp/LoginQuery.dtd">` + "\n"
		checkUser := func(user string) string {
			return `<query><appInfo><appID>bcapp</appID><appEncryptedCertificate>s3cret</appEncryptedCertificate></appInfo>` +
				`<checkUser><userID>` + user + `</userID><remoteIPAddr>10.65.40.61</remoteIPAddr><isViaHeaderSet>false</isViaHeaderSet></checkUser></query>`
		}
		It("answers checkUser after a DOCTYPE line naming an external DTD, as in the real trace", func() {
			Expect(sim.PostEM("EU", doctype+checkUser(almUser))).To(Equal(
				strings.ReplaceAll(golden("checkuserresults_response.xml"), "EMuser", almUser)))
		})
		It("answers <doesNotExist/> to checkUser for an unknown user", func() {
			Expect(sim.PostEM("EU", checkUser("nobody"))).To(Equal(golden("checkuserresults_doesnotexist_response.xml")))
		})
		It("accepts the DOCTYPE line before a login", func() {
			Expect(sim.PostEM("EU", `<!DOCTYPE request SYSTEM "http://PUBLISHER:8080/emservice/jsp/LoginRequest.dtd">`+"\n"+loginXML(euDevice1, almUser))).To(Equal(successXML))
		})
		It("still refuses an internal subset declaring entities with code 1", func() {
			x := `<!DOCTYPE query SYSTEM "x.dtd" [<!ENTITY u "` + almUser + `">]>` + checkUser("&u;")
			Expect(sim.PostEM("EU", x)).To(Equal(failureXML(1, "Error on Parsing")))
		})
	})
})
