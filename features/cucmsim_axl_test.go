package features

import (
	"encoding/xml"
	"net/http"

	"github.com/gavv/httpexpect/v2"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

const axlNS = "http://www.cisco.com/AXL/API/14.0"

// axlAuthXML is a doAuthenticateUser SOAP request as an AXL client sends it.
func axlAuthXML(user, pin string) string {
	return `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns="` + axlNS + `">` +
		`<soapenv:Header/><soapenv:Body><ns:doAuthenticateUser><userid>` + esc(user) + `</userid><pin>` + esc(pin) +
		`</pin></ns:doAuthenticateUser></soapenv:Body></soapenv:Envelope>`
}

// axlAnswerXML is the exact doAuthenticateUserResponse of cmd/cucmsim/README.md, "AXL subset".
func axlAnswerXML(authenticated bool) string {
	v := "false"
	if authenticated {
		v = "true"
	}
	return `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>` +
		`<ns:doAuthenticateUserResponse xmlns:ns="` + axlNS + `"><return><userAuthenticated>` + v +
		`</userAuthenticated><code>0</code><daysToExpiry>0</daysToExpiry><isWorkingPeriod>true</isWorkingPeriod></return>` +
		`</ns:doAuthenticateUserResponse></soapenv:Body></soapenv:Envelope>`
}

// soapFault is the test side's reading of a SOAP 1.1 fault.
type soapFault struct {
	FaultString string `xml:"Body>Fault>faultstring"`
}

var _ = Describe("cucmsim AXL doAuthenticateUser", Ordered, ContinueOnFailure, func() {
	sim := UseSim(demoTopology)

	axl := func(cluster, user, password string) *httpexpect.Request {
		req := sim.Node(cluster, sim.firstNode(cluster)).POST(axlPath).
			WithHeader("Content-Type", "text/xml; charset=utf-8").
			WithHeader("SOAPAction", `"CUCM:DB ver=14.0 doAuthenticateUser"`)
		if user != "" {
			req = req.WithBasicAuth(user, password)
		}
		return req
	}

	Context("when the PIN is right", func() {
		It("answers userAuthenticated true", func() {
			axl("EU", appID, appCert).WithText(axlAuthXML(euRoamer, "5678")).Expect().
				Status(http.StatusOK).Body().IsEqual(axlAnswerXML(true))
		})
	})
	Context("when the PIN is wrong", func() {
		It("answers userAuthenticated false", func() {
			axl("EU", appID, appCert).WithText(axlAuthXML(euRoamer, "0000")).Expect().
				Status(http.StatusOK).Body().IsEqual(axlAnswerXML(false))
		})
	})
	Context("when the user is not homed on the cluster", func() {
		It("answers a SOAP fault with HTTP 500", func() {
			body := axl("EU", appID, appCert).WithText(axlAuthXML("USROAM01", "4321")).Expect().
				Status(http.StatusInternalServerError).Body().Raw()
			var f soapFault
			Expect(xml.Unmarshal([]byte(body), &f)).To(Succeed(), "fault body %q", body)
			Expect(f.FaultString).To(Equal("Item not valid: The specified User was not found"))
		})
	})
	DescribeTable("answers 401 to callers without AXL access",
		func(user, password string) {
			axl("EU", user, password).WithText(axlAuthXML(euRoamer, "5678")).Expect().Status(http.StatusUnauthorized)
		},
		Entry("no basic auth", "", ""),
		Entry("a wrong password", appID, "wrong"),
		Entry("an unknown app user", "ghost", appCert),
		Entry("an app user without proxy rights (axlAccess defaults to false)", "noproxy", "n0proxy"),
	)
	It("is served by every node", func() {
		sim.Node("EU", "eu-sub1").POST(axlPath).WithBasicAuth(appID, appCert).WithText(axlAuthXML(euRoamer, "5678")).
			Expect().Status(http.StatusOK).Body().IsEqual(axlAnswerXML(true))
	})
	It("can be faulted as operation axl", func() {
		sim.AddFault("EU", Fault{Operation: "axl", HTTPStatus: http.StatusServiceUnavailable, Count: 1})
		axl("EU", appID, appCert).WithText(axlAuthXML(euRoamer, "5678")).Expect().Status(http.StatusServiceUnavailable)
		axl("EU", appID, appCert).WithText(axlAuthXML(euRoamer, "5678")).Expect().Status(http.StatusOK)
	})
	It("logs requests as operation axl without the PIN or the password", func() {
		axl("EU", appID, appCert).WithText(axlAuthXML(euRoamer, "80417263")).Expect().Status(http.StatusOK)
		reqs := sim.Requests("EU")
		Expect(reqs).To(ConsistOf(SatisfyAll(HaveField("Operation", "axl"), HaveField("User", euRoamer))))
		Expect(reqs[0].XML).NotTo(ContainSubstring("80417263"))
		logs := string(sim.Session().Out.Contents()) + string(sim.Session().Err.Contents())
		Expect(logs).NotTo(ContainSubstring("80417263"))
		Expect(logs).NotTo(ContainSubstring(appCert))
	})
	// The contract fixes no status for a body that is not a doAuthenticateUser envelope; any
	// client or server error will do, as long as the node keeps serving.
	It("refuses a body that is not a doAuthenticateUser envelope and keeps serving", func() {
		status := axl("EU", appID, appCert).WithText("<not-soap").Expect().Raw().StatusCode
		Expect(status).To(BeNumerically(">=", 400))
		axl("EU", appID, appCert).WithText(axlAuthXML(euRoamer, "5678")).Expect().Status(http.StatusOK)
	})
})
