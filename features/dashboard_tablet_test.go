package features

import (
	"context"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// tabletW and tabletH are a tablet held upright (CSS pixels).
const tabletW, tabletH = 768, 1024

// The dashboard on a tablet (cmd/bcservice/README.md, "Status at a glance"): at 768 px
// wide no table runs off the right edge, even with the longest values a row can hold, on
// the status, history, device and user pages. Screenshots: status-tablet.png and
// history-tablet.png (SCREENSHOTS=1).
var _ = Describe("the dashboard on a tablet (768 px wide)", Ordered, func() {
	browser := UseBrowser()
	sim := UseSim(demoTopology)
	var svc *Service
	var dash string
	var viewer *http.Cookie
	longUser := strings.Repeat("LONGUSERNAME", 20) // 240 characters, unknown to CUCM

	BeforeAll(func() {
		// The status page refreshes every 2 s here (30 s by default).
		svc, dash = attackDashboard{dsn: "sqlite:" + filepath.Join(GinkgoT().TempDir(), "history.db"),
			dashboard: map[string]any{"statusRefresh": "2s"}}.start(sim)
		viewer = signInCookie(dash, "desk", "deskpw")
		for _, p := range []string{"/api/login/" + euDevice1 + "/" + almUser, "/api/login/" + euDevice2 + "/" + longUser,
			"/api/login/" + euEMDisabled + "/" + almUser, "/api/logout/" + euDevice1} {
			resp, err := http.PostForm(svc.BaseURL()+p, url.Values{"xml": {demoCredsXML}})
			Expect(err).NotTo(HaveOccurred())
			resp.Body.Close()
		}
		// one busy answer, retried: a mark in the status page's retry row
		sim.AddFault("EU", Fault{Operation: "login", Device: euPlain2, EMCode: emCode(26), Count: 1})
		resp, err := http.PostForm(svc.BaseURL()+"/api/login/"+euPlain2+"/"+almUser, url.Values{"xml": {demoCredsXML}})
		Expect(err).NotTo(HaveOccurred())
		resp.Body.Close()
	})

	tablet := func() *Tab {
		GinkgoHelper()
		t := browser.Tab(dash)
		t.UseSession(viewer)
		t.Do(chromedp.EmulateViewport(tabletW, tabletH))
		return t
	}
	// overflows lists the tables wider than their box (the scroll container they are
	// in, or the page), and the page itself when it is wider than the window.
	overflows := func(t *Tab) []string {
		GinkgoHelper()
		var out []string
		t.Eval(`(() => {
			const out = [];
			document.querySelectorAll("table").forEach((tb, i) => {
				const box = tb.closest(".scroll") || tb.parentElement;
				if (box.scrollWidth > box.clientWidth || tb.getBoundingClientRect().right > document.documentElement.clientWidth) {
					out.push("table " + i + ": " + box.scrollWidth + " > " + box.clientWidth);
				}
			});
			const d = document.documentElement;
			if (d.scrollWidth > d.clientWidth) {
				out.push("page: " + d.scrollWidth + " > " + d.clientWidth);
			}
			return out;
		})()`, &out)
		return out
	}

	It("refreshes the status page by itself", func() {
		t := longTab(browser, dash, 2*time.Minute)
		t.UseSession(viewer)
		t.Do(chromedp.EmulateViewport(tabletW, tabletH))
		t.Open("/")
		total := func() string { return t.Text(`//section[@id="last-hour"]/p[1]/a[1]`) }
		before := total()
		t.Do(chromedp.Evaluate(`window.notReloaded = true`, nil))
		resp, err := http.PostForm(svc.BaseURL()+"/api/logout/"+euPlain2, url.Values{"xml": {demoCredsXML}})
		Expect(err).NotTo(HaveOccurred())
		resp.Body.Close()
		// The refresh is the feature: status.js asks every 2 s (dashboard.statusRefresh);
		// 30 s allow a loaded machine.
		Eventually(total).WithTimeout(30 * time.Second).WithPolling(500 * time.Millisecond).ShouldNot(Equal(before))
		var kept bool
		t.Eval(`window.notReloaded === true`, &kept)
		Expect(kept).To(BeTrue(), "the content was swapped in, not the page reloaded")
		Expect(t.Text(`//p[@id="status-refresh"]`)).To(And(HavePrefix("Refreshed at"), HaveSuffix("refreshes every 2 seconds.")))
	})

	DescribeTable("no table runs off the right edge",
		func(path func() string, wait string, shot string) {
			t := tablet()
			Eventually(func() string {
				t.Open(path())
				return t.Text(`//main`)
			}).WithTimeout(30*time.Second).WithPolling(200*time.Millisecond).Should(ContainSubstring(wait),
				"the history writer commits asynchronously")
			var width int
			t.Eval(`document.documentElement.clientWidth`, &width)
			Expect(width).To(BeNumerically("<=", tabletW))
			Expect(overflows(t)).To(BeEmpty())
			if shot != "" {
				top := 0.0
				if path() == "/" { // from the phones table to the charts
					t.Eval(`document.getElementById("phones").getBoundingClientRect().top + window.scrollY - 8`, &top)
				}
				tabletScreenshot(t, shot, top)
			}
		},
		Entry("the status page", func() string { return "/" }, "Phones and durations per cluster", "status-tablet"),
		Entry("the history", func() string { return "/history" }, longUser[:40], "history-tablet"),
		Entry("a device page", func() string { return "/devices/" + euDevice2 }, longUser[:40], ""),
		Entry("a user page", func() string { return "/users/" + longUser }, euDevice2, ""),
	)
})

// tabletScreenshot saves a tablet's screen of the page from top (CSS pixels) as name.png
// in the repository's screenshot directory with SCREENSHOTS=1 (Tab.Screenshot expects the
// laptop viewport from the top).
func tabletScreenshot(t *Tab, name string, top float64) {
	GinkgoHelper()
	var buf []byte
	t.Do(chromedp.ActionFunc(func(ctx context.Context) error {
		var err error
		buf, err = page.CaptureScreenshot().WithCaptureBeyondViewport(true).
			WithClip(&page.Viewport{X: 0, Y: top, Width: tabletW, Height: tabletH, Scale: 1}).Do(ctx)
		return err
	}))
	if os.Getenv("SCREENSHOTS") != "1" {
		return
	}
	dir := repoPath(screenshotDir)
	Expect(os.MkdirAll(dir, 0o755)).To(Succeed())
	Expect(os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644)).To(Succeed())
}

// longTab is Browser.Tab with a longer deadline than tabTimeout, for a spec that waits
// for the page's own 30-second refresh.
func longTab(b *Browser, base string, d time.Duration) *Tab {
	GinkgoHelper()
	id, tab := b.newBrowserContext()
	DeferCleanup(func() {
		_ = chromedp.Run(b.root, chromedp.ActionFunc(func(ctx context.Context) error {
			return target.DisposeBrowserContext(id).Do(cdp.WithExecutor(ctx, chromedp.FromContext(ctx).Browser))
		}))
	})
	ctx, cancel := chromedp.NewContext(b.root, chromedp.WithTargetID(tab))
	DeferCleanup(cancel)
	ctx, cancelTimeout := context.WithTimeout(ctx, d)
	DeferCleanup(cancelTimeout)
	return &Tab{ctx: ctx, base: base, shots: b.shots}
}
