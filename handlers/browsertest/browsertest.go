// Package browsertest drives the server's pages in a real headless
// Chromium with chromedp: one browser per test binary, a tab per test, and
// screenshots kept as test artefacts.
package browsertest

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

const (
	// RequireSetting makes a missing browser fail the tests instead of
	// skipping them: .ci/run sets it, as it sets COMPOSEGUARD_REQUIRE_POSTGRES.
	RequireSetting = "COMPOSEGUARD_REQUIRE_BROWSER"
	// ArtefactsSetting names the folder screenshots are saved in; without
	// it they go to the test's temporary folder.
	ArtefactsSetting = "COMPOSEGUARD_ARTEFACTS"
	// BrowserSetting names the Chromium executable; without it the usual
	// names are looked up on the PATH.
	BrowserSetting = "COMPOSEGUARD_CHROMIUM"
)

// tabTimeout bounds one test's use of its tab: a page of the server loads
// in milliseconds, and a browser that hangs must fail the test, not the run.
const tabTimeout = 30 * time.Second

var shared struct {
	once    sync.Once
	browser context.Context
	err     error
	stop    func()
}

// Main runs the tests of a package and closes its browser after them:
// call it from TestMain.
func Main(m *testing.M) {
	code := m.Run()
	if shared.stop != nil {
		shared.stop()
	}
	os.Exit(code)
}

// Tab opens a tab in the package's browser, started at the first call,
// and closes it when the test ends. Without Chromium the test is skipped,
// or fails when RequireSetting is 1.
func Tab(t testing.TB) context.Context {
	t.Helper()
	shared.once.Do(start)
	if shared.err != nil {
		if os.Getenv(RequireSetting) == "1" {
			t.Fatalf("no headless browser (%s=1): %v", RequireSetting, shared.err)
		}
		t.Skipf("no headless browser: %v (apt-get install chromium; %s=1 makes this a failure)", shared.err, RequireSetting)
	}
	tab, closeTab := chromedp.NewContext(shared.browser)
	t.Cleanup(closeTab)
	// The first call opens the tab; a deadline on it would be the tab's.
	if err := chromedp.Do(tab); err != nil {
		t.Fatalf("open a tab: %v", err)
	}
	ctx, cancel := context.WithTimeout(tab, tabTimeout)
	t.Cleanup(cancel)
	return ctx
}

// start launches the browser. Its flags keep it from reaching out to the
// network it does not have (component updates, sync, QUIC probes), where
// it would otherwise hang, and from needing a sandbox or GPU in a
// container; its profile is a fresh folder removed when it stops.
func start() {
	path, err := executable()
	if err != nil {
		shared.err = err
		return
	}
	profile, err := os.MkdirTemp("", "composeguard-chromium-")
	if err != nil {
		shared.err = err
		return
	}
	alloc, stopAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.UserDataDir(profile),
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-dev-shm-usage", true),
	)
	browser, stopBrowser := chromedp.NewContext(alloc)
	shared.stop = func() {
		stopBrowser()
		stopAlloc()
		os.RemoveAll(profile)
	}
	// The first call starts the browser; a deadline on it would stop the
	// browser when it passed.
	if err := chromedp.Do(browser); err != nil {
		shared.err = err
		return
	}
	shared.browser = browser
}

func executable() (string, error) {
	if path := os.Getenv(BrowserSetting); path != "" {
		return exec.LookPath(path)
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if path, err := exec.LookPath(name); err == nil {
			return path, nil
		}
	}
	return "", errors.New("neither chromium nor google-chrome is on the PATH")
}

// Screenshot saves the whole page the tab shows as name.png in the
// artefacts folder and logs where.
func Screenshot(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv(ArtefactsSetting)
	if dir == "" {
		dir = t.TempDir()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot %s: %v", name, err)
	}
	path := filepath.Join(dir, name+".png")
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s", path)
}
