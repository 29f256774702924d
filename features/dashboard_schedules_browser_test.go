package features

import (
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/chromedp/chromedp"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// The dashboard's Schedules page (cmd/bcservice/README.md, "Bookings") in a real headless
// Chromium: a bcservice with a dashboard and a schedules section; bookings made through the
// API are shown, filtered, and cancelled by an operator.
var _ = Describe("the Schedules page in a browser", Ordered, func() {
	browser := UseBrowser()
	sim := UseSim(demoTopology)
	var svc *Service
	var dash string
	var operator, viewer *http.Cookie

	BeforeAll(func() {
		certFile := filepath.Join(GinkgoT().TempDir(), "sched.secret")
		Expect(os.WriteFile(certFile, []byte(appCert+"\n"), 0o600)).To(Succeed())
		svc, dash = attackDashboard{extra: map[string]any{
			"schedules": map[string]any{"emAppID": appID, "emAppCertificateFile": certFile, "startGrace": "5s"},
		}}.start(sim)
		operator = signInCookie(dash, "admin", "adminpw")
		viewer = signInCookie(dash, "desk", "deskpw")
	})

	It("shows the active and upcoming bookings, filters them by device, and lets an operator cancel one", func() {
		active := book(svc.BaseURL(), euPlain1, euUser03, time.Now(), time.Now().Add(time.Hour))
		upcoming := book(svc.BaseURL(), euPlain2, euUser02, time.Now().Add(2*time.Hour), time.Now().Add(3*time.Hour))
		Eventually(onDevice).WithArguments(sim, "EU", euPlain1).WithTimeout(due()).Should(Equal(euUser03))

		t := browser.Tab(dash)
		t.UseSession(operator)
		Eventually(func() []string {
			t.Open("/schedules")
			return t.Column(1)
		}).WithTimeout(due()).Should(Equal([]string{active.BookingID, upcoming.BookingID}), "active first, then upcoming")
		t.Screenshot("schedules")

		t.Open("/schedules?device=" + euPlain2)
		Expect(t.Column(1)).To(Equal([]string{upcoming.BookingID}))

		t.Open("/schedules")
		t.Do(chromedp.Click(`//tr[td[1][normalize-space()="`+active.BookingID+`"]]//button`, chromedp.BySearch))
		t.WaitFor(`//p[@role="status"]`)
		Expect(t.Text(`//p[@role="status"]`)).To(Equal("Booking " + active.BookingID + ": Cancelled, " + euUser03 + " logged out of " + euPlain1))
		Expect(onDevice(sim, "EU", euPlain1)).To(BeEmpty())
		Expect(t.Column(1)).To(Equal([]string{upcoming.BookingID}))
	})

	It("shows a viewer the bookings without a cancel button", func() {
		t := browser.Tab(dash)
		t.UseSession(viewer)
		t.Open("/schedules")
		t.WaitFor(`//h2[normalize-space()="Upcoming bookings"]`)
		Expect(t.Column(1)).NotTo(BeEmpty())
		Expect(t.Count(`form[action*="/cancel"]`)).To(BeZero())
	})
})
