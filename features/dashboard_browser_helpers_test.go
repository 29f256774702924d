package features

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
)

// The browser specs' viewport, and so the size of every screenshot.
const (
	viewportW, viewportH = 1200, 800
	// tabTimeout bounds one spec's browser work: a chromedp wait that is never met
	// fails the spec when it runs out instead of hanging the suite.
	tabTimeout = 30 * time.Second
	// screenshotDir holds the committed PNGs (cmd/bcservice/README.md, "Dashboard"); written only
	// with SCREENSHOTS=1 (make screenshots).
	screenshotDir = "cmd/bcservice/deploy/screenshots"
)

// Browser is one headless Chromium started through chromedp's ExecAllocator; each
// spec opens its own browser context (its own cookies) in it with Tab.
type Browser struct {
	root     context.Context // the first chromedp context: it owns the process
	stopRoot context.CancelFunc
	stopExec context.CancelFunc
	pid      int
	shots    string // the temporary screenshot directory
}

// UseBrowser registers, in the enclosing Ordered container, a BeforeAll that starts
// Chromium (declare it before UseSim so that a missing browser skips before anything
// starts) and the cleanup that stops it. Without a browser the specs skip with a
// message, or fail under CI.
func UseBrowser() *Browser {
	b := &Browser{}
	BeforeAll(func() { b.start() })
	return b
}

func (b *Browser) start() {
	path, err := chromiumPath()
	if err != nil {
		noBrowser(err)
		return
	}
	b.shots = GinkgoT().TempDir()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.NoSandbox, // the suite runs as root in CI
		chromedp.WindowSize(viewportW, viewportH),
		chromedp.UserDataDir(GinkgoT().TempDir()),
		chromedp.Flag("disable-dev-shm-usage", true),
	)
	var execCtx context.Context
	execCtx, b.stopExec = chromedp.NewExecAllocator(context.Background(), opts...)
	b.root, b.stopRoot = chromedp.NewContext(execCtx)
	// The first Run starts the process; its context must carry no timeout (it would
	// end the browser with it).
	if err := chromedp.Run(b.root); err != nil {
		// Released in the background: waiting on a browser that never came up can block.
		go func() { b.stopRoot(); b.stopExec() }()
		b.root = nil
		noBrowser(err)
		return
	}
	DeferCleanup(b.stop)
	proc := chromedp.FromContext(b.root).Browser.Process()
	Expect(proc).NotTo(BeNil())
	b.pid = proc.Pid
	started.Lock()
	started.pids = append(started.pids, b.pid)
	started.Unlock()
}

// chromiumPath is CHROMIUM when set, else the first of Debian's and other usual names.
func chromiumPath() (string, error) {
	if p := os.Getenv("CHROMIUM"); p != "" {
		return exec.LookPath(p)
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p, nil
		}
	}
	return "", errors.New("no chromium on PATH (apt-get install chromium)")
}

// noBrowser fails under CI, where the browser specs must run, and skips elsewhere.
func noBrowser(err error) {
	GinkgoHelper()
	msg := "the browser specs (dashboard, cucmsim console) need Chromium: " + err.Error()
	if os.Getenv("CI") != "" {
		Fail(msg + " (CI: .ci/run installs it)")
	}
	skipForWant(msg)
}

// stop closes the browser gracefully, then kills what is left, and waits until the
// browser and every process it started are gone (a zombie left to an init that does
// not reap counts as gone: it holds no resources).
func (b *Browser) stop() {
	if b.root == nil {
		return
	}
	family := descendants(b.pid)
	ctx, cancel := context.WithTimeout(b.root, stopTimeout)
	_ = chromedp.Cancel(ctx) // the kill below ends a browser that did not close
	cancel()
	b.stopRoot()
	b.stopExec() // kills the process if still running and waits for it
	for _, pid := range append(family, b.pid) {
		if pid == 0 {
			continue
		}
		Eventually(func() bool { return processGone(pid) }).WithTimeout(stopTimeout).
			Should(BeTrue(), "browser process %d still running", pid)
	}
}

// descendants lists the processes below pid (Chromium's zygotes, renderers, GPU
// process), read from /proc.
func descendants(pid int) []int {
	if pid == 0 {
		return nil
	}
	parent := map[int]int{}
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if pp, ok := procField(p, 1); ok {
			parent[p], _ = strconv.Atoi(pp)
		}
	}
	var out []int
	for p := range parent {
		for q := parent[p]; q > 1; q = parent[q] {
			if q == pid {
				out = append(out, p)
				break
			}
		}
	}
	return out
}

// procField is field i after the command of /proc/pid/stat (0: state, 1: parent).
func procField(pid, i int) (string, bool) {
	data, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return "", false
	}
	s := string(data)
	end := strings.LastIndexByte(s, ')')
	if end < 0 {
		return "", false
	}
	f := strings.Fields(s[end+1:])
	if i >= len(f) {
		return "", false
	}
	return f[i], true
}

func processGone(pid int) bool {
	if errors.Is(syscall.Kill(pid, 0), syscall.ESRCH) {
		return true
	}
	state, ok := procField(pid, 0)
	return !ok || state == "Z"
}

// Tab is one spec's page in its own browser context, on the dashboard at base.
type Tab struct {
	ctx   context.Context
	base  string
	shots string
}

// Tab opens a new browser context for the calling spec; it closes when the spec ends.
func (b *Browser) Tab(base string) *Tab {
	GinkgoHelper()
	id, tab := b.newBrowserContext()
	DeferCleanup(func() {
		// The tab first, then its browser context; errors: the browser may be gone.
		_ = chromedp.Run(b.root, chromedp.ActionFunc(func(ctx context.Context) error {
			return target.DisposeBrowserContext(id).Do(cdp.WithExecutor(ctx, chromedp.FromContext(ctx).Browser))
		}))
	})
	ctx, cancel := chromedp.NewContext(b.root, chromedp.WithTargetID(tab))
	DeferCleanup(cancel)
	ctx, cancelTimeout := context.WithTimeout(ctx, tabTimeout)
	DeferCleanup(cancelTimeout)
	t := &Tab{ctx: ctx, base: base, shots: b.shots}
	t.Do(chromedp.EmulateViewport(viewportW, viewportH))
	return t
}

// newBrowserContext creates a browser context (its own cookies) with a tab in a
// window of its own: Chromium's new headless mode refuses a tab in a new context
// without one ("no browser is open"), which chromedp's WithNewBrowserContext does not ask for.
func (b *Browser) newBrowserContext() (cdp.BrowserContextID, target.ID) {
	GinkgoHelper()
	var id cdp.BrowserContextID
	var tab target.ID
	Expect(chromedp.Run(b.root, chromedp.ActionFunc(func(ctx context.Context) error {
		browser := cdp.WithExecutor(ctx, chromedp.FromContext(ctx).Browser)
		var err error
		if id, err = target.CreateBrowserContext().Do(browser); err != nil {
			return err
		}
		tab, err = target.CreateTarget("about:blank").WithBrowserContextID(id).WithNewWindow(true).Do(browser)
		return err
	}))).To(Succeed())
	return id, tab
}

// Do runs browser actions and expects them to succeed.
func (t *Tab) Do(actions ...chromedp.Action) {
	GinkgoHelper()
	Expect(chromedp.Run(t.ctx, actions...)).To(Succeed())
}

// Open loads a dashboard path and returns the HTTP status of the page.
func (t *Tab) Open(path string) int64 {
	GinkgoHelper()
	resp, err := chromedp.RunResponse(t.ctx, chromedp.Navigate(t.base+path))
	Expect(err).NotTo(HaveOccurred(), path)
	return resp.Status
}

// WaitFor waits until an element matching the XPath query is visible.
func (t *Tab) WaitFor(xpath string) {
	GinkgoHelper()
	t.Do(chromedp.WaitVisible(xpath, chromedp.BySearch))
}

// Text is the visible text of the first element matching the XPath query.
func (t *Tab) Text(xpath string) string {
	GinkgoHelper()
	var s string
	t.Do(chromedp.Text(xpath, &s, chromedp.BySearch))
	return strings.TrimSpace(s)
}

// Eval evaluates a JavaScript expression in the page into out.
func (t *Tab) Eval(js string, out any) {
	GinkgoHelper()
	t.Do(chromedp.Evaluate(js, out))
}

// Count is how many elements match a CSS selector.
func (t *Tab) Count(css string) int {
	GinkgoHelper()
	var n int
	t.Eval(`document.querySelectorAll(`+strconv.Quote(css)+`).length`, &n)
	return n
}

// Column is the trimmed text of column n (1-based) of every row of the page's tables.
func (t *Tab) Column(n int) []string {
	GinkgoHelper()
	var out []string
	t.Eval(`Array.from(document.querySelectorAll("main table tbody tr td:nth-child(`+strconv.Itoa(n)+`)")).map(td => td.textContent.trim())`, &out)
	return out
}

// SignIn fills and submits the sign-in form and waits for the status page.
func (t *Tab) SignIn(name, password string) {
	GinkgoHelper()
	t.SubmitSignIn(name, password)
	t.WaitFor(`//h1[normalize-space()="Status"]`)
}

// SubmitSignIn fills and submits the sign-in form on a fresh sign-in page.
func (t *Tab) SubmitSignIn(name, password string) {
	GinkgoHelper()
	t.Open("/signin")
	t.Do(
		chromedp.WaitVisible(`#name`, chromedp.ByQuery),
		chromedp.SendKeys(`#name`, name, chromedp.ByQuery),
		chromedp.SendKeys(`#password`, password, chromedp.ByQuery),
		chromedp.Click(`form.signin button[type=submit]`, chromedp.ByQuery),
	)
}

// UseSession puts a dashboard session cookie into the tab's browser context, as if
// its user had signed in there.
func (t *Tab) UseSession(c *http.Cookie) {
	GinkgoHelper()
	t.Do(network.SetCookie(c.Name, c.Value).WithURL(t.base).WithPath("/").
		WithHTTPOnly(true).WithSameSite(network.CookieSameSiteStrict))
}

// signInCookie signs in through the form's POST with Go's client and returns the
// session cookie.
func signInCookie(base, name, password string) *http.Cookie {
	GinkgoHelper()
	client := &http.Client{Timeout: httpTimeout, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}
	resp, err := client.PostForm(base+"/signin", url.Values{"name": {name}, "password": {password}})
	Expect(err).NotTo(HaveOccurred())
	resp.Body.Close()
	Expect(resp.StatusCode).To(Equal(http.StatusSeeOther), "signed in")
	for _, c := range resp.Cookies() {
		if c.Value != "" {
			return c
		}
	}
	Fail("no session cookie")
	return nil
}

// Cookie is the Cookie header the browser sends to the dashboard.
func (t *Tab) Cookie() string {
	GinkgoHelper()
	var parts []string
	t.Do(chromedp.ActionFunc(func(ctx context.Context) error {
		cookies, err := network.GetCookies().WithURLs([]string{t.base}).Do(ctx)
		for _, c := range cookies {
			parts = append(parts, c.Name+"="+c.Value)
		}
		return err
	}))
	return strings.Join(parts, "; ")
}

// Screenshot saves the viewport as name.png in the suite's temporary directory and,
// with SCREENSHOTS=1, in the repository's screenshot directory.
func (t *Tab) Screenshot(name string) {
	GinkgoHelper()
	var buf []byte
	t.Do(chromedp.CaptureScreenshot(&buf))
	cfg, err := png.DecodeConfig(bytes.NewReader(buf))
	Expect(err).NotTo(HaveOccurred(), "the screenshot is a PNG")
	Expect([]int{cfg.Width, cfg.Height}).To(Equal([]int{viewportW, viewportH}))
	dirs := []string{t.shots}
	if os.Getenv("SCREENSHOTS") == "1" {
		dirs = append(dirs, repoPath(screenshotDir))
	}
	for _, dir := range dirs {
		Expect(os.MkdirAll(dir, 0o755)).To(Succeed())
		Expect(os.WriteFile(filepath.Join(dir, name+".png"), buf, 0o644)).To(Succeed())
	}
}

// fetchWithCookie GETs a dashboard URL with the browser's cookie and returns the
// answer's status, content type and body.
func fetchWithCookie(url, cookie string) (int, string, string) {
	GinkgoHelper()
	req, err := http.NewRequest(http.MethodGet, url, nil)
	Expect(err).NotTo(HaveOccurred())
	req.Header.Set("Cookie", cookie)
	status, header, body := fetch(req)
	return status, header.Get("Content-Type"), body
}
