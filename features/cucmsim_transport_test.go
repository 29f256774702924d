package features

import (
	"net/http"
	"strings"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

var _ = Describe("cucmsim EMService transport", Ordered, ContinueOnFailure, func() {
	sim := UseSim(demoTopology)

	Describe("HTTP methods", func() {
		It("accepts GET with ?xml=", func() {
			sim.PutLogin("EU", euDevice1, SeedLogin{User: almUser})
			resp := sim.Node("EU", "eu-pub").GET(emPath).WithQuery("xml", deviceUserQueryXML(euDevice1)).Expect()
			resp.Status(http.StatusOK)
			resp.Header("Content-Type").IsEqual("text/xml; charset=utf-8")
			Expect(decodeEM(resp.Body().Raw()).Devices()).To(Equal([]string{euDevice1 + ":user=ALMUSER01,last=ALMUSER01,emcc=no"}))
		})
		It("carries a GET login out like a POST", func() {
			sim.Node("EU", "eu-pub").GET(emPath).WithQuery("xml", loginXML(euDevice1, almUser)).Expect().
				Status(http.StatusOK).Body().IsEqual(successXML)
			Expect(sim.Logins("EU")).To(HaveLen(1))
		})
		DescribeTable("answers 403 with a failure body to other methods",
			func(method string) {
				sim.Node("EU", "eu-pub").Request(method, emPath).WithFormField("xml", loginXML(euDevice1, almUser)).Expect().
					Status(http.StatusForbidden).
					Body().IsEqual(failureXML(0, "Method "+method+" not allowed"))
				Expect(sim.Logins("EU")).To(BeEmpty())
			},
			Entry("PUT", http.MethodPut),
			Entry("DELETE", http.MethodDelete),
			Entry("OPTIONS", http.MethodOptions),
			Entry("PATCH", http.MethodPatch),
		)
		It("answers 403 to HEAD", func() {
			sim.Node("EU", "eu-pub").HEAD(emPath).Expect().Status(http.StatusForbidden)
		})
	})

	Describe("parsing", func() {
		It("answers code 1 when the xml field is missing", func() {
			sim.Node("EU", "eu-pub").POST(emPath).WithFormField("other", "x").Expect().
				Status(http.StatusOK).Body().IsEqual(failureXML(1, "Error on Parsing"))
		})
		It("answers code 1 to a POST without a body", func() {
			sim.Node("EU", "eu-pub").POST(emPath).Expect().
				Status(http.StatusOK).Body().IsEqual(failureXML(1, "Error on Parsing"))
		})
		DescribeTable("answers code 1 to a document it cannot parse",
			func(x string) {
				Expect(sim.PostEM("EU", x)).To(Equal(failureXML(1, "Error on Parsing")))
			},
			Entry("empty xml", ""),
			Entry("blanks", "   "),
			Entry("not XML", "hello"),
			Entry("unclosed elements", "<request><appInfo>"),
			Entry("mismatched end tag", "<query><appInfo></query>"),
			Entry("a DTD", `<!DOCTYPE request [<!ENTITY x "y">]><request>`+appInfo(appID, appCert)+`<logoutAll/></request>`),
			Entry("an entity reference", `<request>`+appInfo(appID, appCert)+`<logout><deviceName>&x;</deviceName></logout></request>`),
			Entry("binary garbage", "\x00\x01\x02<\xff"),
		)
		DescribeTable("answers code 8 to a query it cannot classify",
			func(x string) {
				Expect(sim.PostEM("EU", x)).To(Equal(failureXML(8, "Query type undetermined")))
			},
			Entry("an unknown root element", "<hello>"+appInfo(appID, appCert)+"</hello>"),
			Entry("an unknown query child", queryXMLAs(appID, appCert, "phoneQuery", "deviceName", euDevice1)),
		)
		// The contract names no code for an unknown <request> child; the DTD makes it a
		// parse error (1), the query rule suggests 8. Either is a documented failure.
		It("answers a failure to an unknown request operation", func() {
			code := sim.EM("EU", "<request>"+appInfo(appID, appCert)+"<reboot/></request>").Code()
			Expect(code).To(BeElementOf(1, 8))
		})
		It("survives a very large document", func() {
			big := deviceUserQueryXML(strings.Repeat("A", 64<<10))
			code := decodeEM(sim.PostEM("EU", big)).Code()
			Expect(code).To(SatisfyAny(Equal(-1), Equal(1)), "a doesNotExist result or a parse failure")
			Expect(sim.EM("EU", logoutXML(euDevice1)).Code()).To(Equal(19), "still serving")
		})
	})
})
