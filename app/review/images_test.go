package review_test

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/composeguard/composeguard/app/review"
	"github.com/composeguard/composeguard/app/review/reviewtest"
	"github.com/composeguard/composeguard/app/vulns"
	"github.com/composeguard/composeguard/app/vulns/vulnstest"
	"github.com/composeguard/composeguard/templates/markdowntest"
)

func TestMain(m *testing.M) {
	vulnstest.RunIfTrivy()
	os.Exit(m.Run())
}

var imageDigests = vulnstest.Digests{
	"docker.io/library/postgres:16.2":  vulnstest.Postgres162,
	"docker.io/library/nginx:1.27":     vulnstest.Nginx127,
	"docker.io/library/nginx:1.25":     vulnstest.Postgres166,
	"ghcr.io/acme/private:1.0":         "sha256:" + strings.Repeat("f", 64),
	"gcr.io/distroless/static:nonroot": vulnstest.Distroless,
	"ghcr.io/acme/app:1.4.2":           vulnstest.Hostile,
	"docker.io/library/redis:7.4":      vulnstest.Hostile,
}

// scanning is a review whose scanner is the stand-in trivy answering for
// trivyImages, and whose registry lookups go to imageDigests; callers,
// when given, records the repositories the registry client was made for.
func scanning(t *testing.T, f *fakeForge, trivyImages map[string]string, opts vulns.Options, callers *[]string) (*review.PullRequestReview, *vulnstest.Trivy) {
	t.Helper()
	tr := vulnstest.New(t, trivyImages)
	r := reviewer(f)
	r.Scanner = tr.Scanner(t, opts)
	r.Registry = func(caller string) (vulns.Digests, error) {
		if callers != nil {
			*callers = append(*callers, caller)
		}
		return imageDigests, nil
	}
	return r, tr
}

// imagesBase and imagesHead: the change adds postgres:16.2 (vulnerable),
// moves web from nginx:1.25 to 1.27 (clean), adds an image the registry
// lacks, a private one Trivy may not pull, one with no OS Trivy knows and
// one whose tag a variable nobody sets decides, and leaves app and cache
// alone.
var (
	imagesBase = map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"),
		"  web:\n    image: nginx:1.25\n  cache:\n    image: redis:7.4\n")}
	imagesHead = map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"),
		"  web:\n    image: nginx:1.27\n  cache:\n    image: redis:7.4\n"+
			"  db:\n    image: postgres:16.2\n  replica:\n    image: postgres:16.2\n"+
			"  typo:\n    image: postgres:16.99\n  worker:\n    image: ghcr.io/acme/private:1.0\n"+
			"  static:\n    image: gcr.io/distroless/static:nonroot\n  edge:\n    image: traefik:${EDGE_TAG}\n")}
)

func TestGoldenImageVulnerabilities(t *testing.T) {
	f := newFake(imagesBase, imagesHead)
	var callers []string
	r, tr := scanning(t, f, map[string]string{vulnstest.Postgres162: "postgres-16.2", vulnstest.Nginx127: "nginx-1.27",
		"sha256:" + strings.Repeat("f", 64): vulnstest.Denied, vulnstest.Distroless: "distroless"}, vulns.Options{}, &callers)
	run(t, r, headSHA)
	summary := f.summary(t)
	matchGolden(t, "summary_comment_images", summary)
	markdowntest.Check(t, "summary", summary, markdowntest.Allowed{
		Links: []string{"https://forge.test/acme/stack/blob/", "https://github.com/composeguard/composeguard/blob/main/checks/README.md#", "https://avd.aquasec.com/nvd/"},
		HTML:  ownHTML})
	var scanned []string
	for _, c := range tr.Calls(t) {
		scanned = append(scanned, c.Image())
	}
	if len(scanned) != 4 || strings.Contains(strings.Join(scanned, " "), "redis") {
		t.Errorf("trivy scanned %q; want the 4 images the change adds or changes whose digest is known", scanned)
	}
	if len(callers) != 1 || callers[0] != "acme/stack" {
		t.Errorf("registry clients made for %q, want one for acme/stack", callers)
	}

	// Vulnerabilities never change the verdict.
	plain := newFake(imagesBase, imagesHead)
	run(t, reviewer(plain), headSHA)
	if got, want := f.lastCheck(t), plain.lastCheck(t); got.Conclusion != want.Conclusion || got.Summary != want.Summary {
		t.Errorf("the check with scans: %s %q\nwithout: %s %q", got.Conclusion, got.Title, want.Conclusion, want.Title)
	}
}

// TestImagesScannedOncePerDigest: a review of a later push, or the same
// image under another tag, reads the report kept from the first scan.
func TestImagesScannedOncePerDigest(t *testing.T) {
	f := newFake(imagesBase, map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"),
		"  web:\n    image: nginx:1.27\n  db:\n    image: postgres:16.2\n")})
	r, tr := scanning(t, f, vulnstest.Reports, vulns.Options{}, nil)
	run(t, r, headSHA)
	f.push("5eed000000000000000000000000000000000000", map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"),
		"  web:\n    image: nginx:1.27\n  db:\n    image: postgres:16.2\n    read_only: true\n  db2:\n    image: postgres@"+vulnstest.Postgres162+"\n")})
	run(t, r, "5eed000000000000000000000000000000000000")
	if n := len(tr.Calls(t)); n != 2 {
		t.Errorf("trivy ran %d times for two digests over two reviews", n)
	}
	if s := f.summary(t); !strings.Contains(s, "**`postgres@"+vulnstest.Postgres162+"`** for `db2`") || !strings.Contains(s, "**4 critical, 7 high**") {
		t.Errorf("the second review's summary lacks the cached report:\n%s", s)
	}
}

// TestScannerThatHangsIsNotScanned: the review does not wait past its
// share of the time, and says the image was not scanned.
func TestScannerThatHangsIsNotScanned(t *testing.T) {
	f := newFake(imagesBase, map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"),
		"  web:\n    image: nginx:1.27\n")})
	r, _ := scanning(t, f, map[string]string{vulnstest.Nginx127: vulnstest.Hang}, vulns.Options{Timeout: 300 * time.Millisecond}, nil)
	run(t, r, headSHA)
	if s := f.summary(t); !strings.Contains(s, "**`nginx:1.27`** for `web` at [`compose.yaml:20`](https://forge.test/acme/stack/blob/"+headSHA+"/compose.yaml#L20): **not scanned**: Trivy did not finish within 300ms.") {
		t.Errorf("summary:\n%s", s)
	}

	f = newFake(imagesBase, map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"),
		"  web:\n    image: nginx:1.27\n")})
	r, _ = scanning(t, f, map[string]string{vulnstest.Nginx127: vulnstest.Hang}, vulns.Options{Timeout: time.Hour}, nil)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
	defer cancel()
	start := time.Now()
	if err := r.Run(ctx, request(headSHA)); err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 1900*time.Millisecond {
		t.Errorf("the review took %s of its 2s", d)
	}
	if s := f.summary(t); !strings.Contains(s, "**not scanned**: Trivy was still scanning when composeguard had to answer; the result is kept for its next run.") {
		t.Errorf("summary:\n%s", s)
	}
	if c := f.lastCheck(t); c.Conclusion != "success" {
		t.Errorf("check %s: %s", c.Conclusion, c.Title)
	}
}

// TestHostileVulnerabilityReportIsNeverMarkup: package names and versions
// come from the image, titles from Trivy's database; none is markup, and
// a link is shown only to a plain https page.
func TestHostileVulnerabilityReportIsNeverMarkup(t *testing.T) {
	f := newFake(imagesBase, map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"),
		"  web:\n    image: nginx:1.25\n  cache:\n    image: redis:7.4\n  new:\n    image: redis:7.4\n")})
	r, _ := scanning(t, f, vulnstest.Reports, vulns.Options{}, nil)
	run(t, r, headSHA)
	s := f.summary(t)
	if !strings.Contains(s, "acme/admins") || !strings.Contains(s, "CVE-2024-0002") {
		t.Fatalf("the hostile report reached no comment: the test proves nothing\n%s", s)
	}
	markdowntest.Check(t, "summary", s, markdowntest.Allowed{
		Links: []string{"https://forge.test/acme/stack/blob/", "https://github.com/composeguard/composeguard/blob/main/checks/README.md#"},
		HTML:  ownHTML})
	if n := strings.Count(s, "<!--"); n != 1 {
		t.Errorf("%d comment openers in the summary, want its marker's alone", n)
	}
}

// TestAtMostTenImagesScanned: past 10 images, a review says the others
// were not scanned rather than spending its time on them.
func TestAtMostTenImagesScanned(t *testing.T) {
	var services strings.Builder
	for i := range 11 {
		fmt.Fprintf(&services, "  s%02d:\n    image: postgres:16.%d\n", i, 20+i)
	}
	f := newFake(imagesBase, map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"), services.String())})
	r, _ := scanning(t, f, vulnstest.Reports, vulns.Options{}, nil)
	run(t, r, headSHA)
	s := f.summary(t)
	if n := strings.Count(s, "**not scanned**: the registry has no such image or tag."); n != 10 {
		t.Errorf("%d images looked up, want 10", n)
	}
	if !strings.Contains(s, "**`postgres:16.30`** for `s10` at [`compose.yaml:") || !strings.Contains(s, "**not scanned**: a review scans the first 10 images a pull request adds or changes.") {
		t.Errorf("the 11th image:\n%s", s[strings.Index(s, "### Image"):])
	}
}
