package features

import (
	"net/http"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// These specs only prove the service scaffold (config, start-up, addr file, httpexpect); the
// service's feature suites live in their own files.
var _ = Describe("the bcservice scaffold", Ordered, ContinueOnFailure, func() {
	sim := UseSim(demoTopology)
	var svc *Service
	BeforeAll(func() { svc = NewService(sim, ServiceOptions{}) })

	It("serves getversioninfo", func() {
		svc.API().GET("/api/getversioninfo").Expect().Status(http.StatusOK).
			Body().IsEqual("<?xml version='1.0' encoding='UTF-8'?>\n<result><appversion>1.4</appversion><appname>Business Connector</appname></result>")
	})

	It("logs a user in on the simulator through the default cluster", func() {
		svc.API().POST("/api/login/{device}/{user}", euDevice1, almUser).
			WithFormField("xml", "<request><appID>"+appID+"</appID><appCertificate>"+appCert+"</appCertificate></request>").
			Expect().Status(http.StatusOK).Body().Contains("<code>0</code>")
		Expect(sim.Logins("EU")).To(ConsistOf(HaveField("User", almUser)))
	})
})
