package features

import (
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// describeVersionInfo: "GetVersionInfo — Returns the version of the webservice API. No
// credentials required."
func describeVersionInfo(env *apiEnv) {
	Describe("GET|POST /api/getversioninfo", func() {
		It("answers GET without credentials with the documented body, byte for byte", func() {
			resp := env.svc.API().GET("/api/getversioninfo").Expect()
			resp.Status(http.StatusOK)
			resp.Header("Content-Type").IsEqual("text/xml; charset=utf-8")
			resp.Body().IsEqual(goldenBC("getversioninfo.xml"))
		})

		It("answers POST without credentials with the same body", func() {
			resp := env.svc.API().POST("/api/getversioninfo").Expect()
			resp.Status(http.StatusOK)
			resp.Header("Content-Type").IsEqual("text/xml; charset=utf-8")
			resp.Body().IsEqual(goldenBC("getversioninfo.xml"))
		})

		It("ignores credentials when they are sent anyway", func() {
			env.svc.API().POST("/api/getversioninfo").WithFormField("xml", demoCredsXML).Expect().
				Status(http.StatusOK).Body().IsEqual(goldenBC("getversioninfo.xml"))
		})

		It("never asks CUCM", func() {
			env.svc.API().GET("/api/getversioninfo").Expect().Status(http.StatusOK)
			for _, c := range []string{"EU", "US", "LAB"} {
				Expect(env.sim.Requests(c)).To(BeEmpty(), "requests to cluster %s", c)
			}
		})
	})
}
