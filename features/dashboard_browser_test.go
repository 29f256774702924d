package features

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"time"

	"github.com/chromedp/chromedp"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/types"
)

// The dashboard (cmd/bcservice/README.md, "Dashboard") as a person sees it: pages in a real headless
// Chromium, forms filled and submitted, links followed. One simulator and one bcservice
// (sqlite history, dashboard) serve every spec; each spec has its own browser context,
// so its own cookies. Only the first history page updates itself (static/live.js); the
// other specs reload until a page shows what they wait for.
var _ = Describe("the dashboard in a browser", Ordered, func() {
	browser := UseBrowser()
	sim := UseSim(demoTopology)
	var svc *Service
	var dash string
	var operator, viewer *http.Cookie // sessions signed in once for the specs
	const euUser3 = "EUUSER03"

	BeforeAll(func() {
		svc, dash = startDemoDashboard(sim, filepath.Join(GinkgoT().TempDir(), "history.db"))
		operator = signInCookie(dash, "admin", "adminpw")
		viewer = signInCookie(dash, "desk", "deskpw")
	})

	// signedIn opens a tab already signed in with a session (the form itself has its
	// own specs): it saves the sign-in page loads of every spec.
	signedIn := func(session *http.Cookie) *Tab {
		GinkgoHelper()
		t := browser.Tab(dash)
		t.UseSession(session)
		return t
	}

	apiLogin := func(device, user string) {
		GinkgoHelper()
		resp, err := http.PostForm(svc.BaseURL()+"/api/login/"+device+"/"+user, url.Values{"xml": {demoCredsXML}})
		Expect(err).NotTo(HaveOccurred())
		resp.Body.Close()
		Expect(resp.StatusCode).To(Equal(http.StatusOK))
	}
	// reloadUntil reloads a page until the text of its main element says what is awaited
	// (the history writer commits asynchronously).
	reloadUntil := func(t *Tab, path string, matcher types.GomegaMatcher) {
		GinkgoHelper()
		Eventually(func() string {
			t.Open(path)
			return t.Text(`//main`)
		}).WithTimeout(30 * time.Second).WithPolling(200 * time.Millisecond).Should(matcher)
	}

	It("signs a user in through the form", func() {
		t := browser.Tab(dash)
		Expect(t.Open("/")).To(Equal(int64(http.StatusOK)), "the redirect to the sign-in page")
		t.WaitFor(`//h1[normalize-space()="Sign in"]`)
		t.Screenshot("signin")
		t.SignIn("desk", "deskpw")
		Expect(t.Text(`//form[@class="signout"]/span`)).To(Equal("desk (viewer)"))
	})

	It("shows an error for a wrong password", func() {
		t := browser.Tab(dash)
		t.SubmitSignIn("desk", "not-the-password")
		t.WaitFor(`//p[@role="alert"]`)
		Expect(t.Text(`//p[@role="alert"]`)).To(Equal("Wrong name or password."))
		Expect(t.Count(`form.signout`)).To(BeZero(), "not signed in")
	})

	It("shows the device's current user and where the user is logged in", func() {
		apiLogin(euDevice1, almUser)
		t := signedIn(viewer)
		reloadUntil(t, "/devices/"+euDevice1, ContainSubstring("still logged in"))
		t.Do(chromedp.Click(`//button[normalize-space()="Check now"]`, chromedp.BySearch))
		t.WaitFor(`//p[@role="status"][contains(., "CUCM says")]`)
		Expect(t.Text(`//p[@role="status"]`)).To(Equal("CUCM says: " + almUser + " is logged in"))
		t.Screenshot("device")

		t.Do(chromedp.Click(`//p[@role="status"]/a`, chromedp.BySearch))
		t.WaitFor(`//h1[normalize-space()="User ` + almUser + `"]`)
		Expect(t.Column(1)).To(ContainElement(euDevice1), "where the user is logged in")
		t.Screenshot("user")
	})

	It("shows a login made through the API after a reload", func() {
		t := signedIn(viewer)
		page := "/history?user=" + euUser3
		t.Open(page)
		t.WaitFor(`//h1[normalize-space()="Request history"]`)
		before := len(t.Column(3))
		apiLogin(euDevice2, euUser3)
		Eventually(func() int {
			t.Open(page)
			return len(t.Column(3))
		}).WithTimeout(30*time.Second).WithPolling(200*time.Millisecond).Should(Equal(before+1), "one more row")
		Expect(t.Column(3)[0]).To(Equal(euDevice2), "the newest row first")
	})

	It("filters the history by device", func() {
		apiLogin(euDevice1, almUser)
		apiLogin(euDevice2, euUser3)
		t := signedIn(viewer)
		reloadUntil(t, "/history", And(ContainSubstring(euDevice1), ContainSubstring(euDevice2)))
		t.Do(
			chromedp.SendKeys(`input[name=device]`, euDevice1, chromedp.ByQuery),
			chromedp.Click(`//button[normalize-space()="Filter"]`, chromedp.BySearch),
		)
		t.WaitFor(`//input[@name="device"][@value="` + euDevice1 + `"]`)
		devices := t.Column(3)
		Expect(devices).NotTo(BeEmpty())
		Expect(devices).To(HaveEach(euDevice1))
		t.Screenshot("history")
	})

	It("exports the filtered rows through the CSV link", func() {
		apiLogin(euDevice1, almUser)
		t := signedIn(viewer)
		reloadUntil(t, "/history?device="+euDevice1, ContainSubstring(almUser))
		var href string
		var ok bool
		t.Do(chromedp.AttributeValue(`//a[normalize-space()="Export as CSV"]`, "href", &href, &ok, chromedp.BySearch))
		Expect(ok).To(BeTrue())
		Expect(href).To(HavePrefix("/history.csv?"))

		code, ctype, body := fetchWithCookie(dash+href, t.Cookie())
		Expect(code).To(Equal(http.StatusOK))
		Expect(ctype).To(HavePrefix("text/csv"))
		recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
		Expect(err).NotTo(HaveOccurred())
		Expect(len(recs)).To(BeNumerically(">", 1), "a header and rows")
		for _, r := range recs[1:] {
			Expect(r[3]).To(Equal(euDevice1))
		}
	})

	It("shows on the status page a node the simulator took down", func() {
		t := signedIn(viewer)
		reachable := func() string {
			t.Open("/")
			return t.Text(`//tbody/tr[td[1][normalize-space()="EU"]]/td[2]`)
		}
		Eventually(reachable).WithTimeout(30 * time.Second).WithPolling(200 * time.Millisecond).Should(Equal("2/2"))
		sim.NodeDown("EU", "eu-pub")
		DeferCleanup(sim.NodeUp, "EU", "eu-pub")
		// The readiness report is cached for a moment: reload until the page says so.
		Eventually(reachable).WithTimeout(30 * time.Second).WithPolling(200 * time.Millisecond).Should(Equal("1/2"))
		t.Screenshot("status")
	})

	It("lets an operator log a device out after a confirmation", func() {
		apiLogin(euDevice2, euUser3)
		t := signedIn(operator)
		t.Open("/devices/" + euDevice2)
		t.Do(chromedp.Click(`//a[contains(., "Log this device out")]`, chromedp.BySearch))
		t.WaitFor(`//h1[normalize-space()="Log out device ` + euDevice2 + `?"]`)
		Expect(sim.Device("EU", euDevice2).User).To(Equal(euUser3), "nothing happens before the confirmation")
		t.Do(chromedp.Click(`button.danger`, chromedp.ByQuery))
		t.WaitFor(`//p[@role="status"][starts-with(normalize-space(), "Logout:")]`)
		Expect(t.Text(`//p[@role="status"]`)).To(HavePrefix("Logout: 0"))
		Eventually(func() string { return sim.Device("EU", euDevice2).User }).Should(BeEmpty())
	})

	It("refuses the logout to a viewer with a 403 page", func() {
		apiLogin(euDevice2, euUser3)
		t := signedIn(viewer)
		t.Open("/devices/" + euDevice2)
		t.WaitFor(`//h1[normalize-space()="Device ` + euDevice2 + `"]`)
		Expect(t.Count(`a[href$="/logout"]`)).To(BeZero(), "no logout link for a viewer")
		Expect(t.Open("/devices/" + euDevice2 + "/logout")).To(Equal(int64(http.StatusForbidden)))
		Expect(t.Text(`//h1`)).To(Equal("Not allowed"))
		Expect(sim.Device("EU", euDevice2).User).To(Equal(euUser3))
	})

	It("shows markup in a user ID as text", func() {
		const probe = `<b>"x`
		t := signedIn(viewer)
		t.Open("/users/" + url.PathEscape(probe))
		Expect(t.Text(`//h1`)).To(Equal("User " + probe))
		Expect(t.Count("b")).To(BeZero(), "no <b> element in the DOM")
		t.Open("/history?user=" + url.QueryEscape(probe))
		var v string
		t.Do(chromedp.Value(`input[name=user]`, &v, chromedp.ByQuery))
		Expect(v).To(Equal(probe))
		Expect(t.Count("b")).To(BeZero())
	})

	It("signs the user out", func() {
		t := browser.Tab(dash)
		t.SignIn("desk", "deskpw")
		t.Do(chromedp.Click(`//button[normalize-space()="Sign out"]`, chromedp.BySearch))
		t.WaitFor(`//h1[normalize-space()="Sign in"]`)
		t.Open("/history")
		t.WaitFor(`//h1[normalize-space()="Sign in"]`)
		Expect(t.Count(`form.signout`)).To(BeZero())
	})

	It("shows a new row on the history page without a reload", func() {
		// A device no other spec uses: its page starts without rows.
		t := signedIn(viewer)
		t.Open("/history?device=" + euPlain1)
		t.WaitFor(`//h1[normalize-space()="Request history"]`)
		Expect(t.Column(3)).To(BeEmpty())
		var marked bool
		t.Eval(`window.stillThisPage = true`, &marked) // a reload would drop it
		apiLogin(euPlain1, euUser02)

		ctx, cancel := context.WithTimeout(t.ctx, 30*time.Second)
		defer cancel()
		Expect(chromedp.Run(ctx, chromedp.WaitVisible(
			`//main//tbody/tr[td[3][normalize-space()="`+euPlain1+`"]]`, chromedp.BySearch))).To(Succeed(), "the row came")
		Expect(t.Column(3)).To(Equal([]string{euPlain1}))
		Expect(t.Column(4)).To(Equal([]string{euUser02}))
		Expect(t.Text(`//p[@id="live-status"]`)).To(Equal("1 new request"))
		t.Eval(`window.stillThisPage === true`, &marked)
		Expect(marked).To(BeTrue(), "no navigation")
	})

	// Last: it leaves the browser's address throttled.
	It("throttles sign-in after repeated failures", func() {
		t := browser.Tab(dash)
		alert := ""
		// Each refusal doubles the wait after the third, so a slow machine still gets
		// an attempt inside the window within a few tries.
		for i := 0; i < 8 && !strings.HasPrefix(alert, "Too many attempts"); i++ {
			t.SubmitSignIn("desk", "wrong")
			t.WaitFor(`//p[@role="alert"]`)
			alert = t.Text(`//p[@role="alert"]`)
		}
		Expect(alert).To(MatchRegexp(`^Too many attempts: wait \d+ s\.$`))
	})
})
