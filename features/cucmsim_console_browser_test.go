package features

import (
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"time"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// consoleShotDir holds the console's committed screenshot (cmd/cucmsim/README.md, "Console");
// written only with SCREENSHOTS=1.
const consoleShotDir = "cmd/cucmsim/deploy/screenshots"

// The simulator's web console (cmd/cucmsim/README.md, "Console") as a tester uses it: a real
// headless Chromium on /ui/ of the control API's listener, every change checked through the
// control API or a real EM request.
var _ = Describe("the cucmsim console in a browser", Ordered, func() {
	browser := UseBrowser()
	sim := UseSim(demoTopology)
	const device, user = "SEP1CE6C79BAF1F", "ALMUSER01"

	// console opens /ui/ in a fresh tab and waits until its live request log is connected.
	console := func() *Tab {
		GinkgoHelper()
		t := browser.Tab(sim.AdminURL())
		Expect(t.Open("/ui/")).To(Equal(int64(http.StatusOK)))
		t.WaitFor(`//span[@id="log-state"][normalize-space()="live"]`)
		return t
	}
	// firstLogRow is the text of each cell of the newest row of the live request log.
	firstLogRow := func(t *Tab) []string {
		var cells []string
		t.Eval(`Array.from(document.querySelectorAll("#log-rows tbody tr:first-child td")).map(td => td.textContent.trim())`, &cells)
		return cells
	}

	// addLoginFault18 adds, through the console's form, a fault answering 18 to every login on
	// device, and waits until the page lists it.
	addLoginFault18 := func(t *Tab) {
		GinkgoHelper()
		t.Do(
			chromedp.SetValue(`#fault-cluster`, "EU", chromedp.ByQuery),
			chromedp.SetValue(`#fault-operation`, "login", chromedp.ByQuery),
			chromedp.SetValue(`#fault-scope`, "device", chromedp.ByQuery),
			chromedp.SendKeys(`#fault-name`, device, chromedp.ByQuery),
			chromedp.SetValue(`#fault-code`, "18", chromedp.ByQuery),
			chromedp.Click(`#fault-add`, chromedp.ByQuery),
		)
		t.WaitFor(`//table[@id="fault-list"]//tr[td[normalize-space()="` + device + `"]]/td[normalize-space()="code 18"]`)
	}

	Context("in front of a bcservice", func() {
		It("adds a fault that a bcservice login meets, and shows the request live", func() {
			svc := NewService(sim, ServiceOptions{})
			t := console()
			addLoginFault18(t)
			status, body := postWithID(svc, "/api/login/"+device+"/"+user, "console-18")
			Expect(status).To(Equal(http.StatusOK))
			Expect(decodeResult(body).Code).To(Equal(18), body)
			// The "within a second", bounded at 3 s for a machine loaded by the suite.
			Eventually(func() []string { return firstLogRow(t) }).WithTimeout(3 * time.Second).WithPolling(50 * time.Millisecond).
				Should(ContainElements("EU", "login", device, user, "18"))
		})

		It("takes a node down, and the live log shows bcservice failing over to the other node", func() {
			svc := NewService(sim, ServiceOptions{})
			t := console()
			t.WaitFor(`#nodes tr[data-node="eu-pub"] button.node-down`)
			t.Do(chromedp.Click(`#nodes tr[data-node="eu-pub"] button.node-down`, chromedp.ByQuery))
			t.WaitFor(`//table[@id="nodes"]//tr[@data-node="eu-pub"]/td[normalize-space()="down"]`)
			status, body := postWithID(svc, "/api/login/"+device+"/"+user, "console-failover")
			Expect(status).To(Equal(http.StatusOK))
			Expect(decodeResult(body).Code).To(Equal(0), body)
			Expect(sim.Login("EU", device)).NotTo(BeNil(), "the login reached CUCM through eu-sub1")
			Eventually(func() []string { return firstLogRow(t) }).WithTimeout(3 * time.Second).WithPolling(50 * time.Millisecond).
				Should(ContainElements("EU", "eu-sub1", "login", device, user, "0"))
		})
	})

	It("adds a fault that a real EM login then meets, and shows that request live", func() {
		t := console()
		addLoginFault18(t)
		Expect(sim.Faults("EU")).To(ConsistOf(And(HaveKeyWithValue("device", device), HaveKeyWithValue("emCode", 18.0))))

		res := sim.EM("EU", loginXML(device, user))
		Expect(res.Failure).NotTo(BeNil(), res.Raw)
		Expect(res.Failure.Error.Code).To(Equal("18"))

		id, _ := sim.Faults("EU")[0]["id"].(string)
		Eventually(func() []string { return firstLogRow(t) }).WithTimeout(10 * time.Second).WithPolling(100 * time.Millisecond).
			Should(HaveExactElements(Not(BeEmpty()), "EU", "eu-pub", "login", device, user, "18", id))
		t.WaitFor(`//table[@id="fault-list"]//tr[@data-fault="` + id + `"]/td[10][normalize-space()="1"]`) // its hits
		consoleScreenshot(t, "console")
	})

	It("takes a node down and brings it up again", func() {
		t := console()
		t.WaitFor(`#nodes tr[data-node="eu-sub1"] button.node-down`)
		t.Do(chromedp.Click(`#nodes tr[data-node="eu-sub1"] button.node-down`, chromedp.ByQuery))
		t.WaitFor(`//table[@id="nodes"]//tr[@data-node="eu-sub1"]/td[normalize-space()="down"]`)
		Expect(nodeUp(sim, "EU", "eu-sub1")).To(BeFalse(), "GET /v1/clusters reports it down")

		t.Do(chromedp.Click(`#nodes tr[data-node="eu-sub1"] button.node-up`, chromedp.ByQuery))
		t.WaitFor(`//table[@id="nodes"]//tr[@data-node="eu-sub1"]/td[normalize-space()="up"]`)
		Expect(nodeUp(sim, "EU", "eu-sub1")).To(BeTrue())
	})

	It("finds a device by name, opens it, logs a user in and out and resets it", func() {
		sim.SetCallHistory("EU", "SEPE00000000004", 7)
		t := console()
		t.Do(
			chromedp.SetValue(`#device-cluster`, "EU", chromedp.ByQuery),
			chromedp.SendKeys(`#device-q`, "sepe00000000004", chromedp.ByQuery),
			chromedp.Click(`#device-find`, chromedp.ByQuery),
		)
		t.WaitFor(`//span[@id="device-total"][normalize-space()="1–1 of 1"]`)
		t.Do(chromedp.Click(`#device-list tr[data-device="SEPE00000000004"] button.device-open`, chromedp.ByQuery))
		t.WaitFor(`//h3[@id="device-title"][normalize-space()="EU / SEPE00000000004"]`)
		Expect(t.Text(`//dd[@data-field="Call history"]`)).To(Equal("7"))
		Expect(t.Text(`//dd[@data-field="Logged in"]`)).To(Equal("nobody"))

		t.Do(
			chromedp.SendKeys(`#device-user`, user, chromedp.ByQuery),
			chromedp.Click(`#device-login-btn`, chromedp.ByQuery),
		)
		t.WaitFor(`//dd[@data-field="Logged in"][normalize-space()="` + user + `"]`)
		l := sim.Login("EU", "SEPE00000000004")
		Expect(l).NotTo(BeNil(), "GET /v1/clusters/EU/logins reports it")
		Expect(l.User).To(Equal(user))
		Expect(l.Profile).To(Equal("UDP-ALMUSER01"))
		t.WaitFor(`//table[@id="device-list"]//tr[@data-device="SEPE00000000004"]/td[normalize-space()="` + user + `"]`)

		t.Do(chromedp.Click(`#device-logout`, chromedp.ByQuery))
		t.WaitFor(`//dd[@data-field="Logged in"][normalize-space()="nobody"]`)
		Expect(sim.Login("EU", "SEPE00000000004")).To(BeNil())

		t.Do(chromedp.Click(`#device-reset`, chromedp.ByQuery))
		t.WaitFor(`//dd[@data-field="Last user"][normalize-space()="—"]`)
		Expect(sim.Device("EU", "SEPE00000000004").CallHistory).To(BeZero(), "the topology's count again")
	})

	It("shows the error of a login the simulator refuses", func() {
		t := console()
		t.Do(
			chromedp.SetValue(`#device-cluster`, "EU", chromedp.ByQuery),
			chromedp.SendKeys(`#device-q`, "SEPE00000000005", chromedp.ByQuery),
			chromedp.Click(`#device-find`, chromedp.ByQuery),
		)
		t.WaitFor(`//span[@id="device-total"][normalize-space()="1–1 of 1"]`) // not the first list, shown on opening
		t.Do(chromedp.Click(`#device-list tr[data-device="SEPE00000000005"] button.device-open`, chromedp.ByQuery))
		t.WaitFor(`//h3[@id="device-title"][normalize-space()="EU / SEPE00000000005"]`)
		t.Do(
			chromedp.SendKeys(`#device-user`, "NOSUCHUSER", chromedp.ByQuery),
			chromedp.Click(`#device-login-btn`, chromedp.ByQuery),
		)
		t.WaitFor(`//p[@id="device-view-error"][contains(., "(code 23)")]`)
		Expect(sim.Login("EU", "SEPE00000000005")).To(BeNil())
	})

	It("filters the live log by device and shows a request's details on click", func() {
		t := console()
		t.Do(
			chromedp.SendKeys(`#log-device`, "sepe00000000006", chromedp.ByQuery),
			chromedp.Click(`#log-apply`, chromedp.ByQuery),
		)
		t.WaitFor(`//span[@id="log-state"][normalize-space()="live, filtered"]`)
		sim.EM("EU", loginXML("SEPE00000000007", "EUUSER03"))
		sim.EM("EU", loginXML("SEPE00000000006", user))
		row := `//table[@id="log-rows"]//tr[td[normalize-space()="SEPE00000000006"]]`
		t.WaitFor(row)
		Expect(t.Count(`#log-rows tbody tr`)).To(Equal(1), "the other device's request, sent first, is filtered out")

		t.Do(chromedp.Click(row, chromedp.BySearch))
		t.WaitFor(`//dd[@data-field="Operation"][normalize-space()="login"]`)
		Expect(t.Text(`//dd[@data-field="EM code"]`)).To(Equal("0"))
		xml := t.Text(`//pre[@id="log-detail-xml"]`)
		Expect(xml).To(ContainSubstring("\n    <deviceName>SEPE00000000006</deviceName>"), "indented")
		Expect(xml).To(ContainSubstring("<appCertificate>***</appCertificate>"))

		t.Do(chromedp.Click(`#log-clear`, chromedp.ByQuery))
		t.WaitFor(`//span[@id="log-state"][normalize-space()="live"]`)
		sim.EM("EU", loginXML("SEPE00000000008", "EUUSER04"))
		t.WaitFor(`//table[@id="log-rows"]//tr[td[normalize-space()="SEPE00000000008"]]`)
	})

	It("adds a fault with a probability and a latency, and shows what a client should do with each code", func() {
		t := console()
		t.Do(
			chromedp.SetValue(`#fault-cluster`, "EU", chromedp.ByQuery),
			chromedp.SetValue(`#fault-operation`, "login", chromedp.ByQuery),
			chromedp.SetValue(`#fault-code`, "26", chromedp.ByQuery),
			chromedp.SetValue(`#fault-hits`, "probability", chromedp.ByQuery),
		)
		t.Eval(`document.getElementById("fault-hits").dispatchEvent(new Event("change"))`, nil)
		t.WaitFor(`//label[@id="fault-probability-label"][not(@hidden)]`)
		t.Do(
			chromedp.SetValue(`#fault-probability`, "25", chromedp.ByQuery),
			chromedp.SendKeys(`#fault-latency`, "40", chromedp.ByQuery),
			chromedp.Click(`#fault-add`, chromedp.ByQuery),
		)
		t.WaitFor(`//table[@id="fault-list"]//tr/td[normalize-space()="25 %"]`)
		Expect(sim.Faults("EU")).To(ConsistOf(And(HaveKeyWithValue("emCode", 26.0),
			HaveKeyWithValue("probability", 0.25), HaveKeyWithValue("latency", "40ms"))))
		var advice string // the code table is folded (<details>): its text, not its rendering
		t.Eval(`document.querySelector('#codes tr[data-code="26"] td.advice').textContent`, &advice)
		Expect(advice).To(ContainSubstring("retry after a short, growing backoff"))
	})

	It("loads a preset with one click, and shows the curl command that PUTs the scenario", func() {
		t := console()
		t.Do(chromedp.Click(`button.preset[data-preset="logins-refused-25.json"]`, chromedp.ByQuery))
		t.WaitFor(`//p[@id="scenario-status"][normalize-space()="Preset loaded: Every login refused with 25."]`)
		for _, code := range []string{"EU", "US", "LAB"} {
			Expect(sim.Faults(code)).To(ConsistOf(And(HaveKeyWithValue("operation", "login"), HaveKeyWithValue("emCode", 25.0))), code)
		}
		t.WaitFor(`//table[@id="fault-list"]//tr[@data-cluster="LAB"]/td[normalize-space()="code 25"]`)

		t.Do(chromedp.Click(`#scenario-curl`, chromedp.ByQuery))
		t.WaitFor(`//pre[@id="scenario-curl-text"][starts-with(normalize-space(), "curl -sS -X PUT")]`)
		var cmd string
		t.Eval(`document.getElementById("scenario-curl-text").textContent`, &cmd)
		Expect(cmd).To(HaveSuffix("'" + sim.AdminURL() + "/v1/scenario'"))
		doc := sim.Scenario()
		sim.Reset()
		out, err := exec.Command("sh", "-c", cmd).CombinedOutput()
		Expect(err).NotTo(HaveOccurred(), string(out))
		Expect(sim.Scenario()).To(MatchJSON(doc), "the command puts the scenario back")
	})

	It("removes a fault with its button", func() {
		id := sim.AddFault("US", Fault{Device: "SEPA00000000001", EMCode: emCode(6)})
		t := console()
		row := `#fault-list tr[data-fault="` + id + `"] button.fault-remove`
		t.WaitFor(row)
		t.Do(chromedp.Click(row, chromedp.ByQuery))
		Eventually(func() int { return t.Count(`#fault-list tr[data-fault="` + id + `"]`) }).WithTimeout(10 * time.Second).Should(BeZero())
		Expect(sim.Faults("US")).To(BeEmpty())
	})

	It("downloads the scenario and loads it again after a reset", func() {
		id := sim.AddFault("EU", Fault{Operation: "login", Device: device, Count: 3, EMCode: emCode(25)})
		t := console()
		var name string
		var ok bool
		t.Do(chromedp.AttributeValue(`#scenario-download`, "download", &name, &ok, chromedp.ByQuery))
		Expect(name).To(Equal("cucmsim-scenario.json"), "the link saves a file")
		// What the download link saves: the browser fetches the link's own address.
		var doc string
		t.Do(chromedp.Evaluate(`fetch(document.getElementById("scenario-download").href).then(r => r.text())`, &doc,
			func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
		Expect(doc).To(MatchJSON(sim.Scenario()))

		sim.Reset()
		Expect(sim.Faults("EU")).To(BeEmpty())

		t.Do(
			chromedp.SetValue(`#scenario-text`, doc, chromedp.ByQuery),
			chromedp.Click(`#scenario-load`, chromedp.ByQuery),
		)
		t.WaitFor(`//p[@id="scenario-status"][normalize-space()="Scenario loaded."]`)
		Expect(sim.Faults("EU")).To(ConsistOf(And(HaveKeyWithValue("id", id), HaveKeyWithValue("device", device),
			HaveKeyWithValue("emCode", 25.0), HaveKeyWithValue("remaining", 3.0))))
		t.WaitFor(`#fault-list tr[data-fault="` + id + `"]`)
	})

	It("lists every problem of a scenario it cannot load", func() {
		t := console()
		t.Do(
			chromedp.SetValue(`#scenario-text`, `{"clusters":[{"code":"XX"},{"code":"EU","nodes":[{"name":"nope","up":false}]}]}`, chromedp.ByQuery),
			chromedp.Click(`#scenario-load`, chromedp.ByQuery),
		)
		t.WaitFor(`//ul[@id="scenario-problems"]/li`)
		Expect(t.Text(`//p[@id="scenario-status"]`)).To(HavePrefix("Not loaded: invalid scenario: 2 problem(s)"))
		Expect(t.Count(`#scenario-problems li`)).To(Equal(2))
	})
})

// The console's page as an HTTP client sees it: the CSP that forbids inline code, and a page
// that needs none.
var _ = Describe("GET /ui/ (the cucmsim console)", Ordered, func() {
	sim := UseSim(demoTopology)

	It("answers with a CSP of its own origin only and scripts from files", func() {
		resp := sim.Control().GET("/ui/").Expect().Status(http.StatusOK)
		resp.Header("Content-Type").IsEqual("text/html; charset=utf-8")
		resp.Header("Content-Security-Policy").HasPrefix("default-src 'self'")
		page := resp.Body().Raw()
		scripts := regexp.MustCompile(`(?i)<script[^>]*>`).FindAllString(page, -1)
		Expect(scripts).NotTo(BeEmpty())
		for _, s := range scripts {
			Expect(s).To(MatchRegexp(` src="/ui/[a-z]+\.js"`), "a script from a file, never inline")
		}
		Expect(page).NotTo(ContainSubstring("<style"))
		Expect(page).NotTo(MatchRegexp(`(?i)\s(style|on[a-z]+)=`))
	})

	It("serves its script and style with the same CSP, and the code table as JSON", func() {
		for _, path := range []string{"/ui/console.js", "/ui/console.css", "/ui/codes.json"} {
			sim.Control().GET(path).Expect().Status(http.StatusOK).
				Header("Content-Security-Policy").HasPrefix("default-src 'self'")
		}
		codes := sim.Control().GET("/ui/codes.json").Expect().Status(http.StatusOK).JSON().Array()
		codes.Length().IsEqual(32)
		codes.Value(13).Object().HasValue("code", 18).HasValue("text", "Another user logged in").
			Value("advice").String().NotEmpty()
	})
})

// nodeUp is a node's state as GET /v1/clusters reports it.
func nodeUp(sim *Sim, cluster, node string) bool {
	GinkgoHelper()
	for _, n := range sim.Cluster(cluster).Nodes {
		if n.Name == node {
			return n.Up
		}
	}
	Fail("no node " + node)
	return false
}

// consoleScreenshot saves the viewport as cmd/cucmsim/deploy/screenshots/name.png with
// SCREENSHOTS=1 (the dashboard's Tab.Screenshot writes to bcservice's directory).
func consoleScreenshot(t *Tab, name string) {
	GinkgoHelper()
	if os.Getenv("SCREENSHOTS") != "1" {
		return
	}
	var buf []byte
	t.Do(chromedp.CaptureScreenshot(&buf))
	dir := repoPath(consoleShotDir)
	Expect(os.MkdirAll(dir, 0o755)).To(Succeed())
	Expect(os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644)).To(Succeed())
}
