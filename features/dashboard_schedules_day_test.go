package features

import (
	"net/http"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// A device's day view (cmd/bcservice/README.md, "The Schedules page") through the real
// binaries: bookings made through the API on two devices of EU, tomorrow (UTC) so that none
// starts while the spec runs; the day view of one device shows its two and not the other's.
var _ = Describe("GET /schedules/devices/{device} (a device's day view)", Ordered, func() {
	sim := UseSim(demoTopology)
	var dash string
	var viewer *http.Client
	var first, second, other bookingAnswer
	day := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, 1)
	at := func(h, m int) time.Time { return day.Add(time.Duration(h)*time.Hour + time.Duration(m)*time.Minute) }

	BeforeAll(func() {
		sched, _ := deskSchedules()
		svc, d := attackDashboard{extra: map[string]any{"schedules": sched}}.start(sim)
		dash = d
		first = book(svc.BaseURL(), euPlain1, euUser03, at(9, 0), at(10, 30))
		second = book(svc.BaseURL(), euPlain1, euUser02, at(22, 15), at(26, 0)) // into the day after
		other = book(svc.BaseURL(), euPlain2, almUser, at(12, 0), at(13, 0))
		viewer = browser(1, nil)
		signInAs(viewer, dash, "desk", "deskpw")
	})

	It("shows a viewer the device's bookings of the day on a timeline and in a table, and no other device's", func() {
		a := send(viewer, http.MethodGet, dash+"/schedules/devices/"+euPlain1+"?day="+day.Format("2006-01-02"), nil, nil)
		Expect(a.Status).To(Equal(http.StatusOK), a.Body)
		Expect(a.Body).To(ContainSubstring("Bookings of " + euPlain1 + " on " + day.Format("2006-01-02") + " (UTC)"))
		Expect(a.Body).To(ContainSubstring(euUser03 + " 09:00–10:30, scheduled</text>"))
		Expect(a.Body).To(ContainSubstring(euUser02 + " 22:15–" + at(26, 0).Format("Jan 2") + " 02:00, scheduled →</text>"))
		Expect(a.Body).To(ContainSubstring("<title>Booking " + first.BookingID + ": " + euUser03 + " on " + euPlain1 + ", " + at(9, 0).Format("2006-01-02 15:04") + " – " + at(10, 30).Format("2006-01-02 15:04") + " UTC, scheduled</title>"))
		Expect(a.Body).To(ContainSubstring("<td>" + first.BookingID + "</td>"))
		Expect(a.Body).To(ContainSubstring("<td>" + second.BookingID + "</td>"))
		Expect(a.Body).NotTo(Or(ContainSubstring(other.BookingID), ContainSubstring(almUser)))
	})

	It("steps to the previous and the next day", func() {
		a := send(viewer, http.MethodGet, dash+"/schedules/devices/"+euPlain1+"?day="+day.Format("2006-01-02"), nil, nil)
		next := "/schedules/devices/" + euPlain1 + "?day=" + day.AddDate(0, 0, 1).Format("2006-01-02")
		Expect(a.Body).To(ContainSubstring(`href="` + next + `"`))
		Expect(a.Body).To(ContainSubstring(`href="/schedules/devices/` + euPlain1 + "?day=" + day.AddDate(0, 0, -1).Format("2006-01-02") + `"`))
		a = send(viewer, http.MethodGet, dash+next, nil, nil)
		Expect(a.Body).To(ContainSubstring("← " + euUser02 + " " + at(22, 15).Format("Jan 2") + " 22:15–02:00, scheduled</text>"))
		Expect(a.Body).NotTo(ContainSubstring(first.BookingID))
	})

	It("is linked from each booking's device on the Schedules page", func() {
		a := send(viewer, http.MethodGet, dash+"/schedules", nil, nil)
		Expect(a.Body).To(ContainSubstring(`<a class="dayview" href="/schedules/devices/` + euPlain2 + "?day=" + day.Format("2006-01-02") + `"`))
	})

	Context("when the device name or the day is bad", func() {
		It("answers 400 without repeating the value", func() {
			for _, path := range []string{
				"/schedules/devices/" + euPlain1 + "?day=2026-02-30",
				"/schedules/devices/" + euPlain1 + "?day=%3Cscript%3E",
				"/schedules/devices/SEP%00%3Cscript%3E",
				"/schedules/devices/%ff%fe",
				"/schedules/devices/SEPX%2F..%2Fscript",
				"/schedules/devices/" + strings.Repeat("S", 5000) + "script",
			} {
				a := send(viewer, http.MethodGet, dash+path, nil, nil)
				Expect(a.Status).To(Equal(http.StatusBadRequest), path)
				Expect(a.Body).NotTo(Or(ContainSubstring("script"), ContainSubstring("2026-02-30")), path)
			}
		})
	})
})
