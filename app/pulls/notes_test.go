package pulls_test

import (
	"regexp"
	"strings"
	"testing"
	"time"
)

var markdownLink = regexp.MustCompile(`\[((?:[^\]\\]|\\.)*)\]\(([^)\s]*)\)`)

// The release-notes link was built from a label the image publisher
// controls: its text could show one repository while the link led to
// another. Whatever the label, every link's text is where it goes.
func TestReleaseNotesLinkCannotShowOneRepositoryAndPointToAnother(t *testing.T) {
	e := newEnv(t, newGitHubHub, stackFiles(), stackTags)
	e.reg.Push(t, "library/postgres", "16.4", map[string]string{
		"org.opencontainers.image.source": "https://evil.example/](https://evil.example/) [github.com/docker-library/postgres"})
	e.reg.Push(t, "library/postgres", "17.1", map[string]string{
		"org.opencontainers.image.source": "https://github.com@evil.example/docker-library/postgres"})
	wantLines(t, "run", e.run(monday06), "opened "+minorBranch+" #1", "opened "+majorBranch+" #2")
	for _, n := range []int{1, 2} {
		body := e.pull(n).Body
		if strings.Contains(body, "Release notes") || strings.Contains(body, "docker-library") {
			t.Errorf("#%d links a label that is no plain URL:\n%s", n, body)
		}
	}

	e.reg.Push(t, "library/postgres", "16.4", map[string]string{"org.opencontainers.image.source": "https://GitHub.com/my_org/postgres.git?ref=x#readme"})
	e.reg.Push(t, "library/postgres", "17.1", map[string]string{"org.opencontainers.image.source": "https://gitlab.com/group/sub/postgres/-/tree/main"})
	e.run(monday06.Add(7 * 24 * time.Hour))
	for n, want := range map[int]string{
		1: "- `postgres` `16.4`: [github.com/my\\_org/postgres releases](https://github.com/my_org/postgres/releases)",
		2: "- `postgres` `17.1`: [gitlab.com/group/sub/postgres/-/tree/main](https://gitlab.com/group/sub/postgres/-/tree/main)",
	} {
		body := e.pull(n).Body
		if !strings.Contains(body, want) {
			t.Errorf("#%d lacks %q:\n%s", n, want, body)
		}
		_, notes, _ := strings.Cut(body, "### Release notes")
		notes, _, _ = strings.Cut(notes, "###")
		for _, m := range markdownLink.FindAllStringSubmatch(notes, -1) {
			shown := strings.TrimSuffix(strings.ReplaceAll(m[1], `\_`, "_"), " releases")
			if !strings.HasPrefix(m[2], "https://"+shown) {
				t.Errorf("#%d: link text %q leads to %q", n, m[1], m[2])
			}
		}
	}
}
