package review_test

import (
	"bytes"
	"context"
	"errors"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/pages"
	"github.com/composeguard/composeguard/app/review/reviewtest"
	"github.com/composeguard/composeguard/checks"
)

// A server's rule links lead to its own rule pages, which open on a GitHub
// Enterprise or GitLab instance without the internet.
func TestRuleLinksGoToTheServersPages(t *testing.T) {
	for name, c := range map[string]struct{ rulesURL, want string }{
		"server":  {"https://cg.example.com/rules/", "https://cg.example.com/rules/"},
		"default": {"", checks.HelpBase},
	} {
		t.Run(name, func(t *testing.T) {
			f := newFake(map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"))},
				map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"), reviewtest.Insecure("web", "8080"))})
			r := reviewer(f)
			r.RulesURL = c.rulesURL
			run(t, r, headSHA)
			posted := f.posted()
			links := regexp.MustCompile(`\]\(([^)]*)\)`).FindAllStringSubmatch(posted, -1)
			rules := 0
			for _, l := range links {
				if id, ok := strings.CutPrefix(l[1], c.want); ok && checks.Get(id) != nil {
					rules++
				} else if strings.Contains(l[1], "checks/README.md") || strings.Contains(l[1], "/rules/") {
					t.Errorf("a rule link leads to %s, want %s and a rule id", l[1], c.want)
				}
			}
			if rules == 0 || !strings.Contains(posted, "]("+c.want+"privileged-container)") {
				t.Errorf("%d rule links to %s; privileged-container's missing in\n%s", rules, c.want, posted)
			}
		})
	}
}

type savedReports struct{ saved []pages.Review }

func (s *savedReports) SaveReview(_ context.Context, r pages.Review) error {
	s.saved = append(s.saved, r)
	return nil
}

// The check run's "Details" open the head's report page, signed: the
// review kept is what the page shows.
func TestReportPageOfTheHead(t *testing.T) {
	head := reviewtest.Stack(reviewtest.Hardened("app"), reviewtest.Insecure("web", "8080"))
	f := newFake(map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"))}, map[string]string{"compose.yaml": head})
	public, _ := url.Parse("https://cg.example.com/")
	reports := &savedReports{}
	r := reviewer(f)
	links := pages.NewLinks(public, bytes.Repeat([]byte{1}, pages.KeySize))
	r.Reports, r.Links = reports, links
	run(t, r, headSHA)

	if len(reports.saved) != 1 {
		t.Fatalf("%d reviews kept, want the head's", len(reports.saved))
	}
	page := reports.saved[0]
	check := f.lastCheck(t)
	details, err := url.Parse(check.DetailsURL)
	if err != nil || details.Path != "/report/"+page.Key() {
		t.Fatalf("the check's details %q do not lead to the head's page %s", check.DetailsURL, page.Key())
	}
	if err := links.Verify(page.Key(), details.Query().Get("expires"), details.Query().Get("sig"), today); err != nil {
		t.Errorf("the details link: %v", err)
	}
	if page.HeadSHA != headSHA || page.Number != 7 || page.Conclusion != check.Conclusion || page.Title != check.Title {
		t.Errorf("page of %s #%d %s %q, check %s %q", page.HeadSHA, page.Number, page.Conclusion, page.Title, check.Conclusion, check.Title)
	}
	if n := len(page.Scores); n != 4 || page.Scores[n-1].Name != "Overall" || page.Scores[n-1].Base != 10 || page.Scores[n-1].Head >= 10 {
		t.Errorf("scores %+v, want three categories and Overall, from 10 down", page.Scores)
	}
	if len(page.Findings) != len(auditFile(t, head).Findings) || !page.Findings[0].New {
		t.Fatalf("%d findings, the head has %d, new first", len(page.Findings), len(auditFile(t, head).Findings))
	}
	lines := strings.Split(head, "\n")
	for _, fd := range page.Findings {
		at := slices.IndexFunc(fd.Excerpt, func(l pages.Line) bool { return l.Number == fd.Line })
		if at < 0 || fd.Excerpt[at].Text != lines[fd.Line-1] {
			t.Errorf("%s at line %d: excerpt %+v lacks the line", fd.Rule, fd.Line, fd.Excerpt)
		}
	}
}

type failingReports struct{}

func (failingReports) SaveReview(context.Context, pages.Review) error {
	return errors.New("database is locked")
}

// A review whose page cannot be kept is tried again, its check not
// posted rather than failed.
func TestReportPageNotKeptIsRetried(t *testing.T) {
	f := newFake(map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"))},
		map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"), reviewtest.Insecure("web", "8080"))})
	public, _ := url.Parse("https://cg.example.com/")
	r := reviewer(f)
	r.Reports, r.Links = failingReports{}, pages.NewLinks(public, bytes.Repeat([]byte{1}, pages.KeySize))
	var retry *forge.RetryableError
	if err := r.Run(context.Background(), request(headSHA)); !errors.As(err, &retry) {
		t.Fatalf("Run: %v, want a retryable error", err)
	}
	if len(f.checkRuns) != 0 {
		t.Errorf("the check completed %s without its page", f.checkRuns[0].Conclusion)
	}
}

// The badge shows only reviews into the default branch: a pull request
// counts as into it only when the forge, or the event, named that branch
// (GitLab's merge requests do not), so a branch whose policy says
// badge: true cannot publish the repository's score.
func TestReportIntoTheDefaultBranchOnlyWhenNamed(t *testing.T) {
	public, _ := url.Parse("https://cg.example.com/")
	for name, c := range map[string]struct {
		defaultBranch, event, base string
		want                       bool
	}{
		"named by nobody":            {"", "", "main", false},
		"into another branch":        {"main", "", "release", false},
		"into the default branch":    {"main", "", "main", true},
		"named by the event":         {"", "main", "main", true},
		"another, named by an event": {"", "main", "release", false},
	} {
		t.Run(name, func(t *testing.T) {
			f := newFake(map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"))},
				map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"), reviewtest.Insecure("web", "8080"))})
			f.pr.DefaultBranch, f.pr.BaseRef = c.defaultBranch, c.base
			reports := &savedReports{}
			r := reviewer(f)
			r.Reports, r.Links = reports, pages.NewLinks(public, bytes.Repeat([]byte{1}, pages.KeySize))
			req := request(headSHA)
			req.DefaultBranch = c.event
			if err := r.Run(context.Background(), req); err != nil {
				t.Fatal(err)
			}
			if len(reports.saved) != 1 || reports.saved[0].IntoDefault != c.want {
				t.Errorf("kept %+v, want one into the default branch: %v", reports.saved, c.want)
			}
		})
	}
}
