package report

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/composeguard/composeguard/app/audit"
	"github.com/composeguard/composeguard/checks"
)

// Formats lists the output formats by name.
var Formats = []string{"text", "json", "sarif", "codequality", "markdown"}

// RootRelative reports whether a format names files relative to the
// repository root, as the tools that read it resolve them, rather than as
// the user typed them.
func RootRelative(format string) bool { return format == "sarif" || format == "codequality" }

// Write writes a report in a format; colour applies to text only, and
// suggestions (nil for none) to Markdown only.
func Write(w io.Writer, format string, r *audit.Report, colour bool, suggestions Suggestions) error {
	switch format {
	case "text":
		return Text(w, r, colour)
	case "json":
		return JSON(w, r)
	case "sarif":
		return SARIF(w, r)
	case "codequality":
		return CodeQuality(w, r)
	case "markdown":
		return Markdown(w, r, suggestions)
	}
	return fmt.Errorf("unknown format %q (want %s)", format, strings.Join(Formats, ", "))
}

// JSON writes the stable JSON document described in the README.
func JSON(w io.Writer, r *audit.Report) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(view(r))
}

var severityColour = map[checks.Severity]string{
	checks.Critical: "\x1b[1;31m", checks.High: "\x1b[31m", checks.Medium: "\x1b[33m", checks.Low: "\x1b[36m", checks.Info: "\x1b[2m",
}

// Text writes findings grouped by file, each as
// `file:line:col  severity  rule-id  message` with its fix below, then the
// score table.
func Text(w io.Writer, r *audit.Report, colour bool) error {
	paint := func(code, s string) string {
		if !colour {
			return s
		}
		return code + s + "\x1b[0m"
	}
	var b strings.Builder
	last := ""
	for _, f := range r.Findings {
		if f.Pos.File != last && last != "" {
			b.WriteString("\n")
		}
		last = f.Pos.File
		who := ""
		if len(f.Services) > 0 {
			who = "[" + strings.Join(f.Services, ", ") + "] "
		}
		fmt.Fprintf(&b, "%s:%d:%d  %s  %s  %s%s\n", f.Pos.File, f.Pos.Line, f.Pos.Column,
			paint(severityColour[f.Severity], fmt.Sprintf("%-8s", f.Severity)), f.Rule, who, oneLine(f.Message))
		if f.Fix != "" {
			fmt.Fprintf(&b, "    %s %s\n", paint("\x1b[2m", "fix:"), f.Fix)
		}
	}
	if len(r.Findings) > 0 {
		b.WriteString("\n")
	}
	fmt.Fprintf(&b, "%s audited, %s", count(r.FilesAudited, "file"), count(len(r.Findings), "finding"))
	if len(r.Waived) > 0 {
		fmt.Fprintf(&b, ", %d waived by exceptions", len(r.Waived))
	}
	b.WriteString("\n\n")
	for _, g := range audit.Groups {
		fmt.Fprintf(&b, "  %-20s %4.1f / 10\n", g, r.Score.Of(g))
	}
	fmt.Fprintf(&b, "  %-20s %4.1f / 10\n", "Overall", r.Score.Overall)
	_, err := io.WriteString(w, b.String())
	return err
}

// oneLine keeps a finding on its line: a message may quote a multi-line value.
func oneLine(s string) string { return lineBreaks.Replace(s) }

var lineBreaks = strings.NewReplacer("\r\n", " ", "\n", " ", "\r", " ")

// count writes "1 file", "2 files".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
