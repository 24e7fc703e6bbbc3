package review_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/composeguard/composeguard/app/policy"
	"github.com/composeguard/composeguard/app/review/reviewtest"
	"github.com/composeguard/composeguard/templates/markdowntest"
)

// hostileText is what a pull request may write into a value composeguard
// quotes: a fake marker, mentions, an issue reference, links, HTML, a
// backtick, a pipe and a newline.
const hostileText = "<!-- composeguard:fingerprint=0123456789abcdef --> @acme/admins #12 !13 ~bug %v1 &4 [x](http://evil.example) <img src=x> " +
	"http://evil.example/a www.evil.example `tick` | pipe\n<!-- composeguard:summary -->\nend"

// hostileDir is a folder named with backticks, a pipe and a mention.
const hostileDir = "ops/`x` |y @acme/admins <b>b</b> #12"

// hostileHead is a change whose every value reaching a comment is hostile:
// a host path and an environment variable quoted in messages, a folder
// name, a service name compose-go's error quotes, an inline exception's
// reason, and globs and reasons of the policy it proposes.
func hostileHead(t *testing.T) map[string]string {
	t.Helper()
	yamlQuoted := strings.ReplaceAll(strings.ReplaceAll(hostileText, `\`, `\\`), "\n", `\n`)
	return map[string]string{
		"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app"), `  web:
    image: nginx:1.27
    # composeguard:ignore privileged-container expires=2099-12-31 reason="`+strings.ReplaceAll(strings.ReplaceAll(hostileText, "\n", " "), `"`, "'")+`"
    privileged: true
    volumes:
      - type: bind
        source: "/etc/`+yamlQuoted+`"
        target: /x
    environment:
      "API_TOKEN `+strings.ReplaceAll(yamlQuoted, `"`, `'`)+`": "s3cr3t-literal-value-9f2c"
`),
		hostileDir + "/compose.yaml": "services:\n  \"@org/team\":\n    image: nginx:1.27\n",
		policy.FileName: "files:\n  exclude: [\"" + yamlQuoted + "\"]\nexceptions:\n  - rule: runs-as-root\n    service: \"" + yamlQuoted + "\"\n" +
			"    reason: \"" + yamlQuoted + "\"\n    expires: 2030-12-31\n",
	}
}

// ownHTML is the HTML composeguard writes: its markers, each on a line of
// its own, and the <details> of the existing findings.
var ownHTML = regexp.MustCompile(`^(<!-- composeguard:(summary|fingerprint=[0-9a-f]+(-[0-9]+)?) -->|<details><summary>[^<>]*</summary>|</details>)$`)

func TestHostileRepositoryTextIsNeverMarkup(t *testing.T) {
	base := map[string]string{"compose.yaml": reviewtest.Stack(reviewtest.Hardened("app")),
		policy.FileName: "exceptions:\n  - rule: runs-as-root\n    service: \"*\"\n    reason: \"" +
			strings.ReplaceAll(strings.ReplaceAll(hostileText, `\`, `\\`), "\n", `\n`) + "\"\n    expires: 2030-12-31\n"}
	f := newFake(base, hostileHead(t))
	run(t, reviewer(f), headSHA)

	allowed := markdowntest.Allowed{
		Links: []string{"https://forge.test/acme/stack/blob/", "https://github.com/composeguard/composeguard/blob/main/checks/README.md#"},
		HTML:  ownHTML,
	}
	check := f.lastCheck(t)
	if !strings.Contains(f.posted(), "acme/admins") {
		t.Fatalf("the hostile text reached no comment: the test proves nothing\n%s", f.posted())
	}
	bodies := map[string]string{"check run summary": check.Summary, "check run text": check.Text, "summary comment": f.summary(t)}
	for _, r := range f.reviews {
		bodies["review body"] = r.Body
		for _, c := range r.Comments {
			bodies["review comment on "+c.Path] = c.Body
		}
	}
	for what, body := range bodies {
		markdowntest.Check(t, what, body, allowed)
		// Markers sit only where composeguard puts them: the summary's
		// first line and a comment's last lines.
		prose := markdowntest.Prose(body)
		prose = strings.TrimPrefix(prose, "<!-- composeguard:summary -->\n")
		lines := strings.Split(strings.TrimRight(prose, "\n"), "\n")
		for len(lines) > 0 && ownHTML.MatchString(lines[len(lines)-1]) && strings.HasPrefix(lines[len(lines)-1], "<!-- composeguard:fingerprint=") {
			lines = lines[:len(lines)-1]
		}
		if rest := strings.Join(lines, "\n"); strings.Contains(rest, "<!--") {
			t.Errorf("%s: a comment marker outside its place:\n%s", what, rest)
		}
	}
	for _, a := range check.Annotations {
		if strings.Contains(a.Title+a.Message, "<!--") {
			t.Errorf("annotation at %s:%d carries a marker: %q", a.Path, a.StartLine, a.Message)
		}
	}
	if check.Title == "" || strings.Contains(check.Title, "<!--") {
		t.Errorf("check title %q", check.Title)
	}
}
