package features

import (
	"encoding/xml"
	"net/http"
	"strings"

	"github.com/gavv/httpexpect/v2"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// listPhoneXML is an AXL listPhone request for the name pattern, asking for name and model,
// with the paging children (skip, first) as a client writes them.
func listPhoneXML(pattern, paging string) string {
	return `<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" xmlns:ns="` + axlNS + `">` +
		`<soapenv:Header/><soapenv:Body><ns:listPhone sequence="1"><searchCriteria><name>` + esc(pattern) + `</name></searchCriteria>` +
		`<returnedTags><name/><model/></returnedTags>` + paging + `</ns:listPhone></soapenv:Body></soapenv:Envelope>`
}

// listedPhone is one <phone> of a listPhoneResponse.
type listedPhone struct {
	UUID  string `xml:"uuid,attr"`
	Name  string `xml:"name"`
	Model string `xml:"model"`
}

func listedPhones(body string) []listedPhone {
	GinkgoHelper()
	var env struct {
		Phones []listedPhone `xml:"Body>listPhoneResponse>return>phone"`
	}
	Expect(xml.Unmarshal([]byte(body), &env)).To(Succeed(), body)
	return env.Phones
}

func phoneNames(ps []listedPhone) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Name
	}
	return out
}

var _ = Describe("cucmsim AXL listPhone", Ordered, ContinueOnFailure, func() {
	sim := UseSim(demoTopology)

	list := func(user, password, body string) *httpexpect.Response {
		return sim.Node("EU", sim.firstNode("EU")).POST(axlPath).
			WithHeader("Content-Type", "text/xml; charset=utf-8").
			WithHeader("SOAPAction", `"CUCM:DB ver=14.0 listPhone"`).
			WithBasicAuth(user, password).WithText(body).Expect()
	}

	Context("with a name pattern and skip/first paging", func() {
		It("answers the matching phones by name, page by page, with the tags asked for", func() {
			var all []string
			for _, page := range []string{"<skip>0</skip><first>3</first>", "<skip>3</skip><first>3</first>", "<skip>6</skip><first>3</first>"} {
				phones := listedPhones(list(appID, appCert, listPhoneXML("sepe0000000000%", page)).Status(http.StatusOK).Body().Raw())
				for _, p := range phones {
					Expect(p.UUID).To(Equal(sim.Device("EU", p.Name).UUID), "the device's UUID")
					Expect(p.Model).To(HavePrefix("Cisco "))
				}
				all = append(all, phoneNames(phones)...)
			}
			Expect(all).To(Equal([]string{"SEPE00000000001", "SEPE00000000002", "SEPE00000000003", "SEPE00000000004",
				"SEPE00000000005", "SEPE00000000006", "SEPE00000000007", "SEPE00000000008"}), "the last page is short")
			list(appID, appCert, listPhoneXML("SEPE0000000000%", "<skip>9</skip><first>3</first>")).Status(http.StatusOK).
				Body().IsEqual(axlGolden("listphone_empty_response.xml"))
		})

		It("reads _ as one character and answers an empty <return/> when nothing matches", func() {
			Expect(phoneNames(listedPhones(list(appID, appCert, listPhoneXML("SEP003094C25B_9", "")).Body().Raw()))).
				To(Equal([]string{"SEP003094C25B49"}))
			list(appID, appCert, listPhoneXML("NOSUCH%", "")).Status(http.StatusOK).Body().IsEqual(axlGolden("listphone_empty_response.xml"))
		})

		It("logs each request with its pattern and no body", func() {
			sim.ClearRequests("EU")
			list(appID, appCert, listPhoneXML("SEPE%", "<first>2</first>")).Status(http.StatusOK)
			reqs := sim.Requests("EU")
			Expect(reqs).To(HaveLen(1))
			Expect(reqs[0].Operation).To(Equal("listPhone"))
			Expect(reqs[0].Device).To(Equal("SEPE%"))
			Expect(reqs[0].AppID).To(Equal(appID))
			Expect(reqs[0].XML).To(BeEmpty())
		})
	})

	Context("when the request cannot be served", func() {
		It("answers the golden parse fault without searchCriteria", func() {
			body := strings.Replace(listPhoneXML("%", ""), `<searchCriteria><name>%</name></searchCriteria>`, "", 1)
			list(appID, appCert, body).Status(http.StatusInternalServerError).Body().IsEqual(axlGolden("listphone_parse_fault.xml"))
		})
		It("refuses an app user without AXL access with 401", func() {
			list("noproxy", "n0proxy", listPhoneXML("%", "")).Status(http.StatusUnauthorized)
		})
		It("applies a fault scoped to listPhone, and only to it", func() {
			sim.AddFault("EU", Fault{Operation: "listPhone", HTTPStatus: http.StatusServiceUnavailable, Count: 1})
			list(appID, appCert, listPhoneXML("%", "")).Status(http.StatusServiceUnavailable)
			Expect(listedPhones(list(appID, appCert, listPhoneXML("%", "")).Status(http.StatusOK).Body().Raw())).NotTo(BeEmpty())
		})
		It("survives a huge pattern of 60 KiB and logs it clipped", func() {
			sim.ClearRequests("EU")
			list(appID, appCert, listPhoneXML(strings.Repeat("%A", 30000), "")).Status(http.StatusOK).
				Body().IsEqual(axlGolden("listphone_empty_response.xml"))
			Expect(len(sim.Requests("EU")[0].Device)).To(BeNumerically("<=", 260))
		})
	})
})

var _ = Describe("cucmsim deviceUserQuery naming several devices", Ordered, func() {
	sim := UseSim(demoTopology)

	It("answers one <device> per name, in request order, in the shapes of one device", func() {
		sim.PutLogin("EU", "SEPE00000000002", SeedLogin{User: "EUUSER03"})
		q := `<query><appInfo><appID>` + appID + `</appID><appCertificate>` + appCert + `</appCertificate></appInfo><deviceUserQuery>` +
			`<deviceName>SEPE00000000001</deviceName><deviceName>SEPE00000000002</deviceName><deviceName>SEPNOSUCH</deviceName>` +
			`</deviceUserQuery></query>`
		body := sim.PostEM("EU", q)
		Expect(body).To(Equal("<response>\n<deviceUserResults>\n" +
			"<device name=\"SEPE00000000001\">\n<none/>\n<none/>\n<emccDevice>no</emccDevice>\n</device>\n" +
			"<device name=\"SEPE00000000002\">\n<userID>EUUSER03</userID>\n<lastlogin>EUUSER03</lastlogin>\n<emccDevice>no</emccDevice>\n</device>\n" +
			"<device name=\"SEPNOSUCH\">\n<doesNotExist/>\n</device>\n" +
			"</deviceUserResults>\n</response>"))
		reqs := sim.Requests("EU")
		Expect(reqs[len(reqs)-1].Device).To(Equal("SEPE00000000001,SEPE00000000002,SEPNOSUCH"), "the request log names every device")
	})
})
