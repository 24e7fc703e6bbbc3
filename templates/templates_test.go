package templates

import (
	"io/fs"
	"strings"
	"testing"

	"github.com/composeguard/composeguard/templates/markdowntest"
)

func TestCell(t *testing.T) {
	for in, want := range map[string]string{
		"plain":        "plain",
		"a | b":        `a \| b`,
		"two\nlines":   "two lines",
		"`code` stays": "`code` stays",
	} {
		if got := cell(in); got != want {
			t.Errorf("cell(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestText(t *testing.T) {
	for in, want := range map[string]string{
		"runs as root":            "runs as root",
		"read_only *x* ~y~ $z$":   `read\_only \*x\* \~&#8203;y\~ \$z\$`,
		"!12 ~bug %v1 $3 &4 x":    `!&#8203;12 \~&#8203;bug %&#8203;v1 \$&#8203;3 &amp;&#8203;4 x`,
		"<!-- x --> <b>&amp;":     "&lt;!-- x --&gt; &lt;b&gt;&amp;amp;",
		"[x](http://evil)":        `\[x\](http:&#8203;//evil)`,
		"@acme/team and a@b.c":    "@&#8203;acme/team and a@&#8203;b.c",
		"#12, GH-3, www.evil.com": "#&#8203;12, GH-&#8203;3, www&#8203;.evil.com",
		"a `b` | c\r\nd\\":        "a \\`b\\` \\| c d\\\\",
		"bidi \u202e gnp.exe":     "bidi \ufffd gnp.exe",
	} {
		if got := text(in); got != want {
			t.Errorf("text(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestCode(t *testing.T) {
	for in, want := range map[string]string{
		"compose.yaml":    "`compose.yaml`",
		"a`b":             "``a`b``",
		"``x":             "``` ``x ```",
		" lead":           "`  lead `",
		"":                "` `",
		"two\nlines":      "`two lines`",
		"<!-- marker -->": "`<!\u200b-- marker -->`",
		"a|b":             "`a|b`",
	} {
		if got := code(in); got != want {
			t.Errorf("code(%q) = %q, want %q", in, got, want)
		}
	}
	if got := cellcode("a|b`c"); got != "``a\\|b`c``" {
		t.Errorf("cellcode = %q", got)
	}
	if got := codes([]string{"web", "@x"}); got != "`web`, `@x`" {
		t.Errorf("codes = %q", got)
	}
}

func TestPlain(t *testing.T) {
	if got := Plain("a <!-- composeguard:summary -->\r\nb\x1b[31m"); got != "a <!\u200b-- composeguard:summary -->\nb\ufffd[31m" {
		t.Errorf("Plain = %q", got)
	}
}

// TestHostileValuesInATable renders hostile values in every kind of
// place a template gives them and checks nothing of them is markup.
func TestHostileValuesInATable(t *testing.T) {
	const hostile = "<!-- composeguard:summary --> @acme/admins #12 [x](http://evil.example) <img src=x> www.evil.example `t` | p\nq"
	out := "| A | B | C |\n| --- | --- | --- |\n| " + text(hostile) + " | " + cellcode(hostile) + " | " + cellcodes([]string{hostile, "x"}) + " |\n\n" +
		"- " + text(hostile) + " in " + code(hostile) + ", " + codes([]string{hostile}) + " [" + text(hostile) + "](https://example.test/x)\n"
	markdowntest.Check(t, "hostile", out, markdowntest.Allowed{Links: []string{"https://example.test/"}})
	if strings.Contains(out, "<!--") {
		t.Errorf("a comment opener passed through:\n%s", out)
	}
}

func TestNumber(t *testing.T) {
	for n, want := range map[int]string{0: "0", 999: "999", 3000: "3,000", 1234567: "1,234,567", -4500: "-4,500"} {
		if got := number(n); got != want {
			t.Errorf("number(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestPlural(t *testing.T) {
	for n, want := range map[int]string{0: "files", 1: "file", 2: "files"} {
		if got := plural(n, "file", "files"); got != want {
			t.Errorf("plural(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestEveryFileIsATemplate(t *testing.T) {
	names, err := fs.Glob(files, "*.tmpl")
	if err != nil || len(names) == 0 {
		t.Fatalf("no templates embedded: %v", err)
	}
	for _, n := range names {
		if all.Lookup(n) == nil {
			t.Errorf("%s is embedded but not parsed", n)
		}
	}
}

func TestRenderUnknown(t *testing.T) {
	if _, err := Render("nope.tmpl", nil); err == nil {
		t.Error("rendering an unknown template must fail")
	}
}

func TestRenderAudit(t *testing.T) {
	type score struct {
		Name  string
		Value float64
	}
	type finding struct {
		Severity, Rule, HelpURI, File, Message, Fix, Reason, Expires string
		Line                                                         int
		Services                                                     []string
	}
	type edit struct {
		File               string
		StartLine, EndLine int
		Text               string
		Fixes              int
	}
	type group struct {
		File     string
		Services []string
		Findings []finding
		Edit     *edit
	}
	f := finding{Severity: "high", Rule: "r", HelpURI: "https://x/#r", File: "compose.yaml", Line: 3, Message: "m|n", Fix: "f."}
	data := struct {
		FilesAudited int
		Findings     []finding
		Groups       []group
		Waived       []finding
		Scores       []score
		Overall      float64
	}{
		FilesAudited: 1,
		Findings:     []finding{f},
		Groups: []group{{File: "compose.yaml", Services: []string{"web"}, Findings: []finding{f},
			Edit: &edit{File: "compose.yaml", StartLine: 2, EndLine: 3, Text: "  web:\n    x: \"```\"", Fixes: 1}}},
		Scores:  []score{{"Container Hardening", 7}},
		Overall: 9.25,
	}
	out, err := Render("audit.md.tmpl", data)
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{
		"1 compose file audited · 1 finding\n",
		"| Container Hardening | 7.0 / 10 |",
		"| **Overall** | **9.2 / 10** |",
		"### `web` in `compose.yaml`",
		"| high | [`r`](https://x/#r) | 3 | m\\|n. f. |",
		"Replace lines 2–3 of `compose.yaml` with this, which fixes 1 of them:\n\n````yaml\n  web:\n    x: \"```\"\n````\n",
	} {
		if !strings.Contains(out, s) {
			t.Errorf("no %q in\n%s", s, out)
		}
	}
	if strings.Contains(out, "Waived") || strings.Contains(out, "No findings") {
		t.Errorf("unexpected section in\n%s", out)
	}
	// An edit of the service's name line alone names one line, not "lines 10–10".
	data.Groups[0].Edit.StartLine = 3
	if out, err = Render("audit.md.tmpl", data); err != nil || !strings.Contains(out, "Replace line 3 of `compose.yaml` with this") {
		t.Errorf("one-line edit (err %v) in\n%s", err, out)
	}
}
