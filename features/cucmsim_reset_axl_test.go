package features

import (
	"encoding/xml"
	"net/http"
	"os"
	"strings"

	"github.com/gavv/httpexpect/v2"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// seededHistory is the call history of euDevice1 after every reset (callHistory: 12 in demo.yaml).
const seededHistory = 12

// axlResetXML is a doDeviceReset request naming the device; kind holds the optional
// isHardReset / isMGCP / deviceResetType children as a client writes them.
func axlResetXML(device, kind string) string {
	return `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns="` + axlNS + `">` +
		`<soapenv:Header/><soapenv:Body><ns:doDeviceReset><deviceName>` + esc(device) + `</deviceName>` + kind +
		`</ns:doDeviceReset></soapenv:Body></soapenv:Envelope>`
}

// axlResetUUIDXML is a doDeviceReset request naming the device by its UUID.
func axlResetUUIDXML(uuid, kind string) string {
	return strings.Replace(axlResetXML("", kind), "<deviceName></deviceName>", "<uuid>"+esc(uuid)+"</uuid>", 1)
}

// axlResetAnswerXML is the exact doDeviceResetResponse of cmd/cucmsim/README.md, "AXL subset".
func axlResetAnswerXML(uuid string) string {
	return `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/"><soapenv:Body>` +
		`<ns:doDeviceResetResponse xmlns:ns="` + axlNS + `"><return>` + uuid + `</return>` +
		`</ns:doDeviceResetResponse></soapenv:Body></soapenv:Envelope>`
}

// axlGolden reads a file of testdata/golden/axl.
func axlGolden(name string) string {
	GinkgoHelper()
	b, err := os.ReadFile(repoPath("testdata/golden/axl/" + name))
	Expect(err).NotTo(HaveOccurred())
	return string(b)
}

// axlErrorFault is the test side's reading of an AXL fault with its axlError detail.
type axlErrorFault struct {
	FaultString string `xml:"Body>Fault>faultstring"`
	Code        int    `xml:"Body>Fault>detail>axlError>axlcode"`
	Message     string `xml:"Body>Fault>detail>axlError>axlmessage"`
	Request     string `xml:"Body>Fault>detail>axlError>request"`
}

var _ = Describe("cucmsim AXL doDeviceReset", Ordered, ContinueOnFailure, func() {
	sim := UseSim(demoTopology)

	reset := func(cluster, node, user, password, body string) *httpexpect.Response {
		req := sim.Node(cluster, node).POST(axlPath).
			WithHeader("Content-Type", "text/xml; charset=utf-8").
			WithHeader("SOAPAction", `"CUCM:DB ver=14.0 doDeviceReset"`)
		if user != "" {
			req = req.WithBasicAuth(user, password)
		}
		return req.WithText(body).Expect()
	}
	resetEU := func(body string) *httpexpect.Response { return reset("EU", sim.firstNode("EU"), appID, appCert, body) }

	Context("with isHardReset true (a hard reset)", func() {
		It("answers the device's UUID and empties its call history", func() {
			uuid := sim.Device("EU", euDevice1).UUID
			Expect(uuid).To(MatchRegexp(`^\{[0-9A-F]{8}(-[0-9A-F]{4}){3}-[0-9A-F]{12}\}$`))
			resetEU(axlGolden("dodevicereset_hard_request.xml")).Status(http.StatusOK).
				Body().IsEqual(axlResetAnswerXML(uuid))
			d := sim.Device("EU", euDevice1)
			Expect(d.CallHistory).To(Equal(0))
			Expect(d.Resets).To(ConsistOf(HaveField("Hard", true)))
		})
	})
	Context("with isHardReset false (a soft reset, a restart)", func() {
		It("keeps the call history and records a soft reset", func() {
			resetEU(axlResetXML(euDevice1, `<isHardReset>false</isHardReset><isMGCP>false</isMGCP>`)).Status(http.StatusOK)
			d := sim.Device("EU", euDevice1)
			Expect(d.CallHistory).To(Equal(seededHistory))
			Expect(d.Resets).To(ConsistOf(HaveField("Hard", false)))
		})
	})
	DescribeTable("with deviceResetType (AXL 8.0 on), which wins over isHardReset",
		func(kind string, wantHistory int, wantHard bool) {
			resetEU(axlResetXML(euDevice1, kind)).Status(http.StatusOK)
			d := sim.Device("EU", euDevice1)
			Expect(d.CallHistory).To(Equal(wantHistory))
			Expect(d.Resets).To(ConsistOf(HaveField("Hard", wantHard)))
		},
		Entry("Reset is hard", `<deviceResetType>Reset</deviceResetType>`, 0, true),
		Entry("Restart is soft", `<deviceResetType>Restart</deviceResetType>`, seededHistory, false),
		Entry("Restart beats isHardReset true", `<isHardReset>true</isHardReset><deviceResetType>Restart</deviceResetType>`, seededHistory, false),
		Entry("Reset beats isHardReset false", `<isHardReset>false</isHardReset><deviceResetType>Reset</deviceResetType>`, 0, true),
	)
	It("finds the device by uuid, and by any spelling of its name", func() {
		uuid := sim.Device("EU", euDevice1).UUID
		resetEU(axlResetUUIDXML(strings.ToLower(uuid), `<isHardReset>true</isHardReset>`)).Status(http.StatusOK).
			Body().IsEqual(axlResetAnswerXML(uuid))
		resetEU(axlResetXML(strings.ToLower(euDevice1), `<isHardReset>true</isHardReset>`)).Status(http.StatusOK).
			Body().IsEqual(axlResetAnswerXML(uuid))
		Expect(sim.Device("EU", euDevice1).Resets).To(HaveLen(2))
	})
	It("is served by every node", func() {
		reset("EU", "eu-sub1", appID, appCert, axlResetXML(euDevice1, `<isHardReset>true</isHardReset>`)).Status(http.StatusOK)
		Expect(sim.Device("EU", euDevice1).CallHistory).To(Equal(0))
	})
	It("leaves the EM login alone", func() {
		Expect(sim.EM("EU", loginXML(euDevice1, almUser)).Code()).To(Equal(0))
		resetEU(axlResetXML(euDevice1, `<isHardReset>true</isHardReset>`)).Status(http.StatusOK)
		Expect(sim.Login("EU", euDevice1)).To(HaveField("User", almUser))
	})

	Context("when the device does not exist in the cluster", func() {
		DescribeTable("answers the AXL fault 5007 with HTTP 500, byte for byte",
			func(cluster, device string) {
				body := reset(cluster, sim.firstNode(cluster), appID, appCert, axlResetXML(device, `<isHardReset>true</isHardReset>`)).
					Status(http.StatusInternalServerError).Body().Raw()
				Expect(body).To(Equal(axlGolden("dodevicereset_notfound_fault.xml")))
				var f axlErrorFault
				Expect(xml.Unmarshal([]byte(body), &f)).To(Succeed())
				Expect(f).To(Equal(axlErrorFault{FaultString: "Item not valid: The specified Device was not found",
					Code: 5007, Message: "Item not valid: The specified Device was not found", Request: "doDeviceReset"}))
			},
			Entry("an unknown name", "EU", unknownDevice),
			Entry("another cluster's device", "US", euDevice1),
			Entry("a blank name", "EU", ""),
		)
		It("answers 5007 for an unknown uuid too", func() {
			resetEU(axlResetUUIDXML("{00000000-0000-0000-0000-000000000000}", `<isHardReset>true</isHardReset>`)).
				Status(http.StatusInternalServerError).Body().Contains("<axlcode>5007</axlcode>")
		})
	})
	DescribeTable("refuses a request it cannot read with a SOAP fault and changes nothing",
		func(body, text string) {
			raw := resetEU(body).Status(http.StatusInternalServerError).Body().Raw()
			var f soapFault
			Expect(xml.Unmarshal([]byte(raw), &f)).To(Succeed())
			Expect(f.FaultString).To(Equal("Unable to parse the doDeviceReset request: " + text))
			Expect(sim.Device("EU", euDevice1).Resets).To(BeEmpty())
		},
		Entry("isHardReset not a boolean", axlResetXML(euDevice1, `<isHardReset>yes</isHardReset>`), "isHardReset must be true or false"),
		Entry("deviceResetType unknown", axlResetXML(euDevice1, `<deviceResetType>Reboot</deviceResetType>`), "deviceResetType must be Reset or Restart"),
		Entry("no device", strings.Replace(axlResetXML(euDevice1, ""), "<deviceName>"+euDevice1+"</deviceName>", "", 1), "name the device by exactly one of deviceName and uuid"),
	)
	DescribeTable("answers 401 to callers without AXL access and resets nothing",
		func(user, password string) {
			reset("EU", sim.firstNode("EU"), user, password, axlResetXML(euDevice1, `<isHardReset>true</isHardReset>`)).
				Status(http.StatusUnauthorized)
			Expect(sim.Device("EU", euDevice1).CallHistory).To(Equal(seededHistory))
			Expect(sim.Requests("EU")).To(ConsistOf(SatisfyAll(HaveField("Operation", "doDeviceReset"), HaveField("AppID", user))))
		},
		Entry("no basic auth", "", ""),
		Entry("a wrong password", appID, "wrong"),
		Entry("an app user without AXL access", "noproxy", "n0proxy"),
	)

	Describe("fault injection", func() {
		It("scopes a fault by operation doDeviceReset and device; the fault answers instead of the reset", func() {
			sim.AddFault("EU", Fault{Operation: "doDeviceReset", Device: strings.ToLower(euDevice1), HTTPStatus: http.StatusServiceUnavailable, Count: 1})
			resetEU(axlResetXML(euDevice1, `<isHardReset>true</isHardReset>`)).Status(http.StatusServiceUnavailable)
			Expect(sim.Device("EU", euDevice1).CallHistory).To(Equal(seededHistory))
			resetEU(axlResetXML(euDevice1, `<isHardReset>true</isHardReset>`)).Status(http.StatusOK)
			Expect(sim.Device("EU", euDevice1).CallHistory).To(Equal(0))
		})
		It("answers an emCode fault as a SOAP fault with the code's text", func() {
			sim.AddFault("EU", Fault{Operation: "doDeviceReset", EMCode: emCode(6), Count: 1})
			raw := resetEU(axlResetXML(euDevice1, `<isHardReset>true</isHardReset>`)).Status(http.StatusInternalServerError).Body().Raw()
			var f soapFault
			Expect(xml.Unmarshal([]byte(raw), &f)).To(Succeed())
			Expect(f.FaultString).To(Equal("Database Error"))
		})
		It("drops the connection for a drop fault, after the reset when after is set", func() {
			sim.AddFault("EU", Fault{Operation: "doDeviceReset", Drop: true, After: true, Count: 1})
			req, _ := http.NewRequest(http.MethodPost, sim.NodeURL("EU", sim.firstNode("EU"))+axlPath, strings.NewReader(axlResetXML(euDevice1, `<isHardReset>true</isHardReset>`)))
			req.SetBasicAuth(appID, appCert)
			_, err := (&http.Client{Timeout: httpTimeout}).Do(req)
			Expect(err).To(HaveOccurred(), "the connection is dropped")
			Expect(sim.Device("EU", euDevice1).CallHistory).To(Equal(0), "the reset happened before the drop")
		})
		It("does not take faults of operation axl, which stay with doAuthenticateUser", func() {
			sim.AddFault("EU", Fault{Operation: "axl", HTTPStatus: http.StatusBadGateway})
			resetEU(axlResetXML(euDevice1, `<isHardReset>true</isHardReset>`)).Status(http.StatusOK)
			resetEU(axlAuthXML(euRoamer, "5678")).Status(http.StatusBadGateway)
		})
		It("refuses a fault for an operation that does not exist", func() {
			sim.Control().POST("/v1/clusters/EU/faults").WithJSON(Fault{Operation: "doDeviceRestart", Drop: true}).
				Expect().Status(http.StatusBadRequest)
		})
	})

	It("logs the request as operation doDeviceReset with the device, the appID and no EM code", func() {
		resetEU(axlResetXML(strings.ToLower(euDevice1), `<isHardReset>true</isHardReset>`)).Status(http.StatusOK)
		reqs := sim.Requests("EU")
		Expect(reqs).To(ConsistOf(SatisfyAll(HaveField("Operation", "doDeviceReset"), HaveField("Device", euDevice1), HaveField("AppID", appID))))
		Expect(reqs[0].XML).To(BeEmpty())
		raw := sim.Control().GET("/v1/clusters/EU/requests").Expect().Status(http.StatusOK).Body().Raw()
		Expect(raw).NotTo(ContainSubstring(`"code"`))
	})
})
