package vulns_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/composeguard/composeguard/app/vulns"
	"github.com/composeguard/composeguard/app/vulns/vulnstest"
)

func TestMain(m *testing.M) {
	vulnstest.RunIfTrivy()
	os.Exit(m.Run())
}

func image(digest string) vulns.Image {
	return vulns.Image{Repository: "docker.io/library/postgres", Digest: digest}
}

func TestReportOfARecordedImage(t *testing.T) {
	s := vulnstest.New(t, vulnstest.Reports).Scanner(t, vulns.Options{})
	r, err := s.ScanImage(t.Context(), image(vulnstest.Postgres162))
	if err != nil {
		t.Fatal(err)
	}
	if r.OS != "debian 12.5" || r.EndOfLife {
		t.Errorf("OS %q, end of life %v; want debian 12.5, supported", r.OS, r.EndOfLife)
	}
	if c, h := r.Count(vulns.Critical), r.Count(vulns.High); c != 4 || h != 7 {
		t.Errorf("%d critical, %d high; want 4 and 7 (one per vulnerability, however many packages)", c, h)
	}
	var ids []string
	for _, v := range r.Vulnerabilities {
		ids = append(ids, v.ID)
	}
	want := []string{"CVE-2023-45853", "CVE-2024-5535", "CVE-2024-24790", "CVE-2024-45490",
		"CVE-2023-4911", "CVE-2023-45288", "CVE-2023-52425", "CVE-2024-2961", "CVE-2024-6387", "CVE-2024-28182", "CVE-2024-33599"}
	if !slices.Equal(ids, want) {
		t.Errorf("vulnerabilities %v\nwant critical first, then by ID: %v", ids, want)
	}
	ssl := r.Vulnerabilities[1]
	if ssl.Severity != vulns.Critical || ssl.URL != "https://avd.aquasec.com/nvd/cve-2024-5535" ||
		!slices.Equal(ssl.Packages, []vulns.Package{{"libssl3", "3.0.11-1~deb12u2", "3.0.14-1~deb12u1"}, {"openssl", "3.0.11-1~deb12u2", "3.0.14-1~deb12u1"}}) {
		t.Errorf("CVE-2024-5535 read as %+v", ssl)
	}
	if zlib := r.Vulnerabilities[0]; zlib.Packages[0].Fixed != "" {
		t.Errorf("zlib's vulnerability has no fix yet, read %+v", zlib)
	}
	if stdlib := r.Vulnerabilities[2]; stdlib.Packages[0] != (vulns.Package{"stdlib", "v1.21.6", "1.21.11, 1.22.4"}) {
		t.Errorf("the Go binary's vulnerability read as %+v", stdlib)
	}
}

func TestCleanImageAndImageWithoutOS(t *testing.T) {
	s := vulnstest.New(t, vulnstest.Reports).Scanner(t, vulns.Options{})
	nginx, err := s.ScanImage(t.Context(), image(vulnstest.Nginx127))
	if err != nil || len(nginx.Vulnerabilities) != 0 || nginx.OS != "debian 12.8" {
		t.Errorf("nginx: %+v, %v; want debian 12.8 and no vulnerability", nginx, err)
	}
	static, err := s.ScanImage(t.Context(), image(vulnstest.Distroless))
	if err != nil || len(static.Vulnerabilities) != 0 || static.OS != "" {
		t.Errorf("distroless: %+v, %v; want no OS detected and no vulnerability", static, err)
	}
}

// TestCommandLineAndEnvironment: Trivy gets the image after "--", pulled
// from the registry, and none of the server's environment but the proxy,
// temporary folder and certificates; the server's token goes in its
// environment, not on its command line.
func TestCommandLineAndEnvironment(t *testing.T) {
	for _, secret := range []string{"GITHUB_TOKEN", "GITLAB_TOKEN", "GITHUB_WEBHOOK_SECRET", "AWS_SECRET_ACCESS_KEY", "COMPOSEGUARD_DATABASE_URL", "TRIVY_PASSWORD"} {
		t.Setenv(secret, "s3cret-"+secret)
	}
	t.Setenv("HTTPS_PROXY", "http://proxy.internal:3128")
	t.Setenv("SSL_CERT_FILE", "/etc/ssl/certs/ca-certificates.crt")
	t.Setenv("SSL_CERT_DIR", "")
	os.Unsetenv("SSL_CERT_DIR")
	tr := vulnstest.New(t, vulnstest.Reports)
	cacheDir := t.TempDir()
	s := tr.Scanner(t, vulns.Options{Server: "http://trivy:4954", Token: "server-token", CacheDir: cacheDir})
	if _, err := s.ScanImage(t.Context(), image(vulnstest.Nginx127)); err != nil {
		t.Fatal(err)
	}
	calls := tr.Calls(t)
	if len(calls) != 1 {
		t.Fatalf("%d calls", len(calls))
	}
	c := calls[0]
	want := []string{"image", "--format", "json", "--quiet", "--scanners", "vuln", "--severity", "CRITICAL,HIGH",
		"--image-src", "remote", "--cache-dir", cacheDir, "--server", "http://trivy:4954",
		"--", "docker.io/library/postgres@" + vulnstest.Nginx127}
	if !slices.Equal(c.Args, want) {
		t.Errorf("arguments\n  %q\nwant\n  %q", c.Args, want)
	}
	wantEnv := []string{"DOCKER_CONFIG=" + c.Dir, "HOME=" + c.Dir, "HTTPS_PROXY=http://proxy.internal:3128",
		"SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt", "TRIVY_TOKEN=server-token"}
	if !slices.Equal(c.Env, wantEnv) {
		t.Errorf("environment\n  %q\nwant\n  %q", c.Env, wantEnv)
	}
	if strings.Contains(strings.Join(c.Args, " "), "server-token") {
		t.Error("the token is on the command line")
	}
	if _, err := os.Stat(c.Dir); !os.IsNotExist(err) {
		t.Errorf("the scan's private home %s is left behind: %v", c.Dir, err)
	}
}

// TestHostileReferencesNeverBecomeFlags: what a compose file names is read
// with Docker's parser; anything but a name (and tag or digest) is not
// scanned, and Trivy is never run for it.
func TestHostileReferencesNeverBecomeFlags(t *testing.T) {
	tr := vulnstest.New(t, vulnstest.Reports)
	s := tr.Scanner(t, vulns.Options{})
	digests := vulnstest.Digests{"docker.io/library/postgres:16.2": vulnstest.Postgres162}
	hostile := []string{"--server=http://evil.example", "-q", "--output=/etc/passwd", "postgres:16.2 --output /tmp/x",
		"postgres:16.2\n--debug", "$(id)", "-", ""}
	for ref, o := range s.Scan(t.Context(), digests, hostile) {
		var ns *vulns.NotScanned
		if o.Report != nil || !errors.As(o.Err, &ns) || ns.Reason != "not a valid image reference" {
			t.Errorf("%q: %+v; want not scanned, not a valid image reference", ref, o)
		}
	}
	for _, img := range []vulns.Image{{Repository: "--help", Digest: vulnstest.Postgres162},
		{Repository: "docker.io/library/postgres", Digest: "--server=http://evil.example"},
		{Repository: "docker.io/library/postgres:16.2", Digest: vulnstest.Postgres162}} {
		if r, err := s.ScanImage(t.Context(), img); r != nil || err == nil {
			t.Errorf("%+v scanned: %+v", img, r)
		}
	}
	if calls := tr.Calls(t); len(calls) != 0 {
		t.Errorf("trivy ran %d times for hostile references: %q", len(calls), calls[0].Args)
	}
}

func TestScanResolvesTagsAndPins(t *testing.T) {
	tr := vulnstest.New(t, vulnstest.Reports)
	s := tr.Scanner(t, vulns.Options{})
	digests := vulnstest.Digests{"docker.io/library/postgres:16.2": vulnstest.Postgres162, "docker.io/library/nginx:latest": vulnstest.Nginx127}
	got := s.Scan(t.Context(), digests, []string{"postgres:16.2", "nginx", "postgres:16.2",
		"ghcr.io/acme/app:1.0@" + vulnstest.Postgres166, "postgres:16.99"})
	if len(got) != 4 {
		t.Errorf("%d outcomes, want one per distinct reference", len(got))
	}
	for ref, want := range map[string]vulns.Image{
		"postgres:16.2": {Repository: "docker.io/library/postgres", Digest: vulnstest.Postgres162},
		"nginx":         {Repository: "docker.io/library/nginx", Digest: vulnstest.Nginx127},
		"ghcr.io/acme/app:1.0@" + vulnstest.Postgres166: {Repository: "ghcr.io/acme/app", Digest: vulnstest.Postgres166},
	} {
		if o := got[ref]; o.Image != want || o.Report == nil || o.Err != nil {
			t.Errorf("%s: %+v; want %+v scanned", ref, o, want)
		}
	}
	if o := got["postgres:16.99"]; o.Report != nil || o.Err == nil || o.Err.Error() != "the registry has no such image or tag" {
		t.Errorf("an unknown tag: %+v", o)
	}
	if n := len(tr.Calls(t)); n != 3 {
		t.Errorf("%d scans, want 3", n)
	}
}

// TestFailuresAreNotScannedNeverClean: whatever goes wrong, the image has
// no report and a reason in composeguard's words, and nothing is cached.
func TestFailuresAreNotScannedNeverClean(t *testing.T) {
	digest := func(b byte) string { return "sha256:" + strings.Repeat(string(b), 64) }
	cases := []struct {
		answer, want string
	}{
		{vulnstest.Hang, "Trivy did not finish within 400ms"},
		{vulnstest.Garbage, "Trivy's report is not valid JSON"},
		{vulnstest.DBError, "Trivy's vulnerability database is missing or could not be updated"},
		{vulnstest.Denied, "the registry refused Trivy: composeguard scans images anyone may pull"},
		{"", "Trivy could not find the image in its registry"},
		{vulnstest.Huge, "Trivy's report was larger than 32 MiB"},
	}
	images := map[string]string{}
	for i, c := range cases {
		if c.answer != "" {
			images[digest(byte('0'+i))] = c.answer
		}
	}
	tr := vulnstest.New(t, images)
	for i, c := range cases {
		timeout := time.Minute
		if c.answer == vulnstest.Hang {
			timeout = 400 * time.Millisecond
		}
		s := tr.Scanner(t, vulns.Options{Timeout: timeout})
		for range 2 {
			r, err := s.ScanImage(t.Context(), image(digest(byte('0'+i))))
			var ns *vulns.NotScanned
			if r != nil || !errors.As(err, &ns) || ns.Reason != c.want {
				t.Errorf("%q: %+v, %v; want not scanned: %s", c.answer, r, err, c.want)
			}
		}
	}
	if n := len(tr.Calls(t)); n != 2*len(cases) {
		t.Errorf("%d runs for %d failing scans made twice: a failure was cached", n, len(cases))
	}

	missing, err := vulns.New(vulns.Options{Trivy: filepath.Join(t.TempDir(), "trivy"), CacheDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer missing.Close()
	if _, err := missing.ScanImage(t.Context(), image(vulnstest.Nginx127)); err == nil || err.Error() != "Trivy could not be started" {
		t.Errorf("a missing executable: %v", err)
	}
}

func TestReportsAreCachedPerDigest(t *testing.T) {
	tr := vulnstest.New(t, vulnstest.Reports)
	now := time.Date(2030, 1, 7, 6, 0, 0, 0, time.UTC)
	s := tr.Scanner(t, vulns.Options{Now: func() time.Time { return now }})
	for _, repo := range []string{"docker.io/library/postgres", "registry.example.com/mirror/postgres", "docker.io/library/postgres"} {
		if _, err := s.ScanImage(t.Context(), vulns.Image{Repository: repo, Digest: vulnstest.Postgres162}); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(tr.Calls(t)); n != 1 {
		t.Errorf("%d runs for one digest asked three times, want 1", n)
	}
	now = now.Add(vulns.ReportTTL)
	if _, err := s.ScanImage(t.Context(), image(vulnstest.Postgres162)); err != nil {
		t.Fatal(err)
	}
	if n := len(tr.Calls(t)); n != 2 {
		t.Errorf("%d runs; a report as old as ReportTTL must be scanned again", n)
	}
}

// TestOneProcessPerDigestAndFewAtOnce: callers asking for one digest share
// one process; standalone runs one process at a time, client/server two.
func TestOneProcessPerDigestAndFewAtOnce(t *testing.T) {
	slow := map[string]string{}
	for d, name := range vulnstest.Reports {
		slow[d] = vulnstest.Slow + name
	}
	for _, c := range []struct {
		server string
		most   int
	}{{"", 1}, {"http://trivy:4954", 2}} {
		tr := vulnstest.New(t, slow)
		s := tr.Scanner(t, vulns.Options{Server: c.server})
		var wg sync.WaitGroup
		for i := range 12 {
			wg.Go(func() {
				d := []string{vulnstest.Postgres162, vulnstest.Postgres166, vulnstest.Nginx127}[i%3]
				if _, err := s.ScanImage(t.Context(), image(d)); err != nil {
					t.Error(err)
				}
			})
		}
		wg.Wait()
		if n := len(tr.Calls(t)); n != 3 {
			t.Errorf("server %q: %d runs for 3 digests asked 4 times each at once", c.server, n)
		}
		if n := tr.MostAtOnce(t); n != c.most {
			t.Errorf("server %q: %d processes at once, want %d", c.server, n, c.most)
		}
	}
}

// TestScanOutlivesACallerThatStopsWaiting: a caller out of time gets not
// scanned; the scan goes on and the next caller reads its report.
func TestScanOutlivesACallerThatStopsWaiting(t *testing.T) {
	tr := vulnstest.New(t, map[string]string{vulnstest.Postgres162: vulnstest.Slow + "postgres-16.2"})
	s := tr.Scanner(t, vulns.Options{})
	ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
	defer cancel()
	got := s.Scan(ctx, vulnstest.Digests{}, []string{"postgres@" + vulnstest.Postgres162})
	if o := got["postgres@"+vulnstest.Postgres162]; o.Report != nil || !strings.HasPrefix(o.Err.Error(), "Trivy was still scanning") {
		t.Errorf("a caller out of time: %+v", o)
	}
	r, err := s.ScanImage(t.Context(), image(vulnstest.Postgres162))
	if err != nil || r.Count(vulns.Critical) != 4 {
		t.Errorf("the next caller: %+v, %v", r, err)
	}
	if n := len(tr.Calls(t)); n != 1 {
		t.Errorf("%d runs, want the one the first caller started", n)
	}
}

func TestCloseStopsScans(t *testing.T) {
	tr := vulnstest.New(t, map[string]string{vulnstest.Postgres162: vulnstest.Hang})
	s := tr.Scanner(t, vulns.Options{Timeout: time.Hour})
	done := make(chan error, 1)
	go func() {
		_, err := s.ScanImage(t.Context(), image(vulnstest.Postgres162))
		done <- err
	}()
	for len(tr.Calls(t)) == 0 {
		time.Sleep(10 * time.Millisecond)
	}
	start := time.Now()
	s.Close()
	if err := <-done; err == nil || !strings.Contains(err.Error(), "shutting down") {
		t.Errorf("a scan stopped by Close: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Close took %s", d)
	}
	if _, err := s.ScanImage(t.Context(), image(vulnstest.Nginx127)); err == nil || !strings.Contains(err.Error(), "shutting down") {
		t.Errorf("a scan after Close: %v", err)
	}
}

func TestRemovedAndAdded(t *testing.T) {
	s := vulnstest.New(t, vulnstest.Reports).Scanner(t, vulns.Options{})
	before, err := s.ScanImage(t.Context(), image(vulnstest.Postgres162))
	if err != nil {
		t.Fatal(err)
	}
	after, err := s.ScanImage(t.Context(), image(vulnstest.Postgres166))
	if err != nil {
		t.Fatal(err)
	}
	ids := func(list []vulns.Vulnerability) string {
		var out []string
		for _, v := range list {
			out = append(out, v.ID)
		}
		return strings.Join(out, " ")
	}
	if got := ids(vulns.Removed(before, after)); got != "CVE-2024-5535 CVE-2024-24790 CVE-2024-45490 CVE-2023-4911 CVE-2023-45288 CVE-2024-2961 CVE-2024-6387 CVE-2024-28182 CVE-2024-33599" {
		t.Errorf("removed: %s", got)
	}
	if got := ids(vulns.Added(before, after)); got != "CVE-2025-0395" {
		t.Errorf("added: %s", got)
	}
}
