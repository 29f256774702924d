package features

import (
	"net/http"
	"time"

	"github.com/chromedp/chromedp"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// The dashboard's Schedules page (cmd/bcservice/README.md, "Bookings", "Sweeps on the
// dashboard") in a real headless Chromium: a bcservice with a dashboard and a schedules section
// with the sweep deskreset (dashboard_schedules_sweeps_test.go); bookings made through the API
// are shown, filtered, and cancelled by an operator, and the sweep previewed and run.
var _ = Describe("the Schedules page in a browser", Ordered, func() {
	browser := UseBrowser()
	sim := UseSim(demoTopology)
	var svc *Service
	var dash string
	var operator, viewer *http.Cookie
	var upcoming bookingAnswer // on euPlain2, in two hours

	BeforeAll(func() {
		sched, _ := deskSchedules()
		svc, dash = attackDashboard{extra: map[string]any{"schedules": sched}}.start(sim)
		operator = signInCookie(dash, "admin", "adminpw")
		viewer = signInCookie(dash, "desk", "deskpw")
	})

	It("shows the active and upcoming bookings, filters them by device, and lets an operator cancel one", func() {
		active := book(svc.BaseURL(), euPlain1, euUser03, time.Now(), time.Now().Add(time.Hour))
		upcoming = book(svc.BaseURL(), euPlain2, euUser02, time.Now().Add(2*time.Hour), time.Now().Add(3*time.Hour))
		Eventually(onDevice).WithArguments(sim, "EU", euPlain1).WithTimeout(due()).Should(Equal(euUser03))

		t := browser.Tab(dash)
		t.UseSession(operator)
		Eventually(func() []string {
			t.Open("/schedules")
			return bookingIDs(t)
		}).WithTimeout(due()).Should(Equal([]string{active.BookingID, upcoming.BookingID}), "active first, then upcoming")

		t.Open("/schedules?device=" + euPlain2)
		Expect(bookingIDs(t)).To(Equal([]string{upcoming.BookingID}))

		t.Open("/schedules")
		t.Do(chromedp.Click(`//tr[td[1][normalize-space()="`+active.BookingID+`"]]//button`, chromedp.BySearch))
		t.WaitFor(`//p[@role="status"]`)
		Expect(t.Text(`//p[@role="status"]`)).To(Equal("Booking " + active.BookingID + ": Cancelled, " + euUser03 + " logged out of " + euPlain1))
		Expect(onDevice(sim, "EU", euPlain1)).To(BeEmpty())
		Expect(bookingIDs(t)).To(Equal([]string{upcoming.BookingID}))
	})

	It("shows a viewer the bookings without a cancel button", func() {
		t := browser.Tab(dash)
		t.UseSession(viewer)
		t.Open("/schedules")
		t.WaitFor(`//h2[normalize-space()="Upcoming bookings"]`)
		Expect(bookingIDs(t)).NotTo(BeEmpty())
		Expect(t.Count(`form[action*="/cancel"]`)).To(BeZero())
		Expect(t.Text(`//section[@id="sweeps"]//td[1]`)).To(Equal(deskSweep))
		Expect(t.Count(`form[action*="/sweeps/"]`)).To(BeZero(), "no preview button")
	})

	It("lets an operator preview the sweep, then run it, and shows the run", func() {
		seedDesks(sim)
		book(svc.BaseURL(), deskBooked, euUser03, time.Now(), time.Now().Add(time.Hour))
		Eventually(onDevice).WithArguments(sim, "EU", deskBooked).WithTimeout(due()).Should(Equal(euUser03))

		t := browser.Tab(dash)
		t.UseSession(operator)
		t.Open("/schedules")
		t.Do(chromedp.Click(`//form[@action="/schedules/sweeps/`+deskSweep+`/preview"]//button`, chromedp.BySearch))
		t.WaitFor(`//h1[normalize-space()="Preview of sweep ` + deskSweep + ` (dry run)"]`)
		Expect(t.Text(`//p[@role="status"]`)).To(Equal("Sweep " + deskSweep + " would log out 3 device(s)"))
		Expect(t.Column(1)[len(t.Column(1))-3:]).To(Equal(deskDevices), "the devices it would log out")
		Expect(euLogouts(sim)).To(BeEmpty(), "a preview changes nothing")
		t.Screenshot("schedules-sweep-preview")

		t.Do(chromedp.Click(`//button[normalize-space()="Run now"]`, chromedp.BySearch))
		t.WaitFor(`//h1[normalize-space()="Sweep ` + deskSweep + ` run"]`)
		Expect(t.Text(`//p[@role="status"]`)).To(Equal("Sweep " + deskSweep + " logged out 3 device(s)"))
		Expect(euLoggedIn(sim)).To(Equal([]string{deskBooked, deskOther}), "the booking and the other device keep theirs")

		t.Open("/schedules")
		t.WaitFor(`//table[@id="runs-` + deskSweep + `"]`)
		Expect(t.Text(`//table[@id="runs-` + deskSweep + `"]//tbody/tr[1]/td[3]`)).To(Equal("done"))
		Expect(t.Text(`//table[@id="runs-` + deskSweep + `"]//tbody/tr[1]/td[8]`)).To(Equal("3"))
		t.Do(chromedp.ScrollIntoView(`#sweeps`, chromedp.ByQuery)) // the bookings and the sweeps in view
		t.Screenshot("schedules")
	})

	It("opens a device's day view from a booking's row: a timeline of the day, and its table", func() {
		later := book(svc.BaseURL(), euPlain2, euUser03, time.Now().Add(4*time.Hour), time.Now().Add(5*time.Hour+30*time.Minute))
		day := time.Now().UTC().Add(2 * time.Hour).Format("2006-01-02")
		t := browser.Tab(dash)
		t.UseSession(viewer)
		t.Open("/schedules")
		t.Do(chromedp.Click(`//tr[td[1][normalize-space()="`+upcoming.BookingID+`"]]//a[@class="dayview"]`, chromedp.BySearch))
		t.WaitFor(`//*[@id="day-chart"]`)
		Expect(t.Text(`//h1`)).To(Equal("Bookings of " + euPlain2 + " on " + day + " (UTC)"))
		var ids []string
		t.Eval(`Array.from(document.querySelectorAll("#day-bookings tbody tr td:nth-child(1)")).map(td => td.textContent.trim())`, &ids)
		Expect(ids).To(ContainElement(upcoming.BookingID))
		var labels []string
		t.Eval(`Array.from(document.querySelectorAll("#day-chart text.lbl")).map(e => e.textContent)`, &labels)
		Expect(labels).To(ContainElement(HavePrefix(euUser02+" ")), "each block is labelled with its user")
		if time.Now().UTC().Add(4*time.Hour).Format("2006-01-02") == day {
			Expect(ids).To(ContainElement(later.BookingID))
		}
		t.Screenshot("schedules-day")
	})
})

// bookingIDs is the first column of the page's bookings tables.
func bookingIDs(t *Tab) []string {
	GinkgoHelper()
	var out []string
	t.Eval(`Array.from(document.querySelectorAll("#bookings table tbody tr td:nth-child(1)")).map(td => td.textContent.trim())`, &out)
	return out
}
