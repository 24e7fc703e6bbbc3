package review_test

import (
	"regexp"
	"strings"
	"testing"

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
