package features

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"time"

	"github.com/chromedp/chromedp"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/emconnector/emconnector/service/history"
	"github.com/emconnector/emconnector/service/sqlite"
)

// seedWeek writes a week of logins on ten phones into the SQLite history at path before
// the service opens it: on day i (0 is a week ago) phone j is used when (i+j)%3 != 0 (on a
// weekend only the first three phones), from 07:00+45j min for 1+(i+j)%4 hours, and a
// locked user fails once a day. It returns the first day (UTC midnight) and the logins of
// each day.
func seedWeek(path string) (time.Time, [7]int) {
	GinkgoHelper()
	first := time.Now().UTC().Truncate(24*time.Hour).AddDate(0, 0, -7)
	var logins [7]int
	var rows []history.Record
	row := func(at time.Time, op, dev, user, class string) history.Record {
		return history.Record{Time: at, ID: fmt.Sprintf("seed-%d", len(rows)), Op: op, Device: dev, User: user,
			Cluster: "EU", Class: class}
	}
	for i := range 7 {
		day := first.AddDate(0, 0, i)
		rows = append(rows, row(day.Add(7*time.Hour), "login", "SEPC0000000000A", euLocked, "cucm_error"))
		for j := range 10 {
			if (i+j)%3 == 0 || weekend(day) && j >= 3 {
				continue
			}
			dev, user := fmt.Sprintf("SEPC000000000%02d", j), fmt.Sprintf("DESKUSER%02d", (i*3+j)%12)
			start := day.Add(7*time.Hour + time.Duration(j)*45*time.Minute)
			rows = append(rows, row(start, "login", dev, user, "success"),
				row(start.Add(time.Duration(1+(i+j)%4)*time.Hour), "logout", dev, "", "success"))
			logins[i]++
		}
	}
	store, err := sqlite.Open(context.Background(), path)
	Expect(err).NotTo(HaveOccurred())
	defer store.Close()
	Expect(store.Insert(context.Background(), rows)).To(Succeed())
	return first, logins
}

func weekend(day time.Time) bool {
	return day.Weekday() == time.Saturday || day.Weekday() == time.Sunday
}

// The Reports page (cmd/bcservice/README.md, "Usage reports") in a real headless Chromium,
// over a week of history seeded into the database before the service starts.
var _ = Describe("the Reports page in a browser", Ordered, func() {
	browser := UseBrowser()
	sim := UseSim(demoTopology)
	var dash string
	var viewer *http.Cookie
	var first time.Time
	var logins [7]int

	BeforeAll(func() {
		db := filepath.Join(GinkgoT().TempDir(), "history.db")
		first, logins = seedWeek(db)
		_, dash = startDemoDashboard(sim, db)
		viewer = signInCookie(dash, "desk", "deskpw")
	})

	It("shows the chart above the table of each day, and regroups by hour through the form", func() {
		t := browser.Tab(dash)
		t.UseSession(viewer)
		last := first.AddDate(0, 0, 6)
		Expect(t.Open("/reports?zone=UTC&from=" + first.Format(time.DateOnly) + "&to=" + last.Format(time.DateOnly))).
			To(Equal(int64(http.StatusOK)))
		t.WaitFor(`//h1[normalize-space()="Usage reports"]`)
		Expect(t.Count(`svg#report-chart rect.bar`)).To(Equal(7), "a bar a day")
		Expect(t.Count(`svg#report-chart rect.mark`)).To(Equal(7), "a peak mark a day")
		var got []string
		t.Eval(`Array.from(document.querySelectorAll("#report-groups tbody tr td:nth-child(2)")).map(td => td.textContent.trim())`, &got)
		want := make([]string, 7)
		for i, n := range logins {
			want[i] = fmt.Sprint(n)
		}
		Expect(got).To(Equal(want), "the logins of each day")
		Expect(t.Text(`//figcaption`)).To(ContainSubstring("Bars: logins"))
		Expect(t.Text(`//table[contains(@class,"report-devices")]//tbody/tr[1]/td[1]`)).To(HavePrefix("SEPC"))
		t.Screenshot("reports")

		t.Do(
			chromedp.SetValue(`select[name=group]`, "hour", chromedp.ByQuery),
			chromedp.SetValue(`input[name=from]`, last.Format(time.DateOnly), chromedp.ByQuery),
			chromedp.Click(`//button[normalize-space()="Show"]`, chromedp.BySearch),
		)
		t.WaitFor(`//p[contains(@class,"report-range")][contains(., "by hour")]`)
		Expect(t.Count(`#report-groups tbody tr`)).To(Equal(24))
	})

	It("says what is wrong with a filter", func() {
		t := browser.Tab(dash)
		t.UseSession(viewer)
		Expect(t.Open("/reports?zone=Nowhere%2FCity")).To(Equal(int64(http.StatusBadRequest)))
		t.WaitFor(`//p[@role="alert"]`)
		Expect(t.Text(`//p[@role="alert"]`)).To(HavePrefix("zone: unknown time zone"))
	})
})
