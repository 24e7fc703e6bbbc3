package main

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/composeguard/composeguard/app/audit"
	"github.com/composeguard/composeguard/app/harden"
	"github.com/composeguard/composeguard/app/textdiff"
)

// The JSON output of harden is stable; fields are only ever added.
type hardenJSON struct {
	Repositories []hardenRepoJSON `json:"repositories"`
	// Offline: no tag was pinned, as no registry was asked.
	Offline bool     `json:"offline"`
	Written []string `json:"written"`
}

type hardenRepoJSON struct {
	Root        string           `json:"root"`
	ScoreBefore audit.Score      `json:"score_before"`
	ScoreAfter  audit.Score      `json:"score_after"`
	Files       []hardenFileJSON `json:"files"`
}

type hardenFileJSON struct {
	File string `json:"file"`
	// Diff is git's diff of the file, paths relative to the repository
	// root; "" when nothing changed.
	Diff      string           `json:"diff"`
	Unchanged string           `json:"unchanged,omitempty"`
	Changes   []hardenItemJSON `json:"changes"`
	Left      []hardenItemJSON `json:"left"`
	Kept      []keptJSON       `json:"kept"`
}

// hardenItemJSON is a change (Done) or a problem left (Why, Fix).
type hardenItemJSON struct {
	Line    int     `json:"line"`
	Service *string `json:"service"`
	Rule    string  `json:"rule,omitempty"` // none for a tag pinned or not
	Problem string  `json:"problem"`
	Done    string  `json:"done,omitempty"`
	Why     string  `json:"why,omitempty"`
	Fix     string  `json:"fix,omitempty"`
}

type keptJSON struct {
	Service string `json:"service"`
	Rule    string `json:"rule"`
	Reason  string `json:"reason"`
	Expires string `json:"expires"`
	// Where is the exception: its file and line.
	File string `json:"file"`
	Line int    `json:"line"`
}

func hardenReport(results []hardened) hardenJSON {
	out := hardenJSON{Repositories: []hardenRepoJSON{}, Written: []string{}}
	for _, h := range results {
		show := h.repo.show
		r := hardenRepoJSON{Root: show("."), ScoreBefore: h.res.Before, ScoreAfter: h.res.After, Files: []hardenFileJSON{}}
		for _, f := range h.res.Files {
			j := hardenFileJSON{File: show(f.Path), Diff: textdiff.Unified(f.Path, f.Before, f.After), Unchanged: f.Unchanged,
				Changes: []hardenItemJSON{}, Left: []hardenItemJSON{}, Kept: []keptJSON{}}
			for _, s := range f.Services {
				service := &s.Name
				if s.Name == "" {
					service = nil
				}
				for _, c := range s.Changes {
					j.Changes = append(j.Changes, hardenItemJSON{Line: c.Line, Service: service, Rule: c.Rule, Problem: c.Problem, Done: c.Done})
				}
				for _, l := range s.Left {
					j.Left = append(j.Left, hardenItemJSON{Line: l.Line, Service: service, Rule: l.Rule, Problem: l.Problem, Why: l.Why, Fix: l.Fix})
				}
			}
			for _, k := range f.Kept {
				e := k.Exception
				j.Kept = append(j.Kept, keptJSON{Service: k.Service, Rule: e.Rule, Reason: e.Reason,
					Expires: e.Expires.Format(time.DateOnly), File: show(e.Pos.File), Line: e.Pos.Line})
			}
			r.Files = append(r.Files, j)
		}
		out.Repositories = append(out.Repositories, r)
		out.Offline = h.res.Offline
		out.Written = append(out.Written, h.written...)
	}
	return out
}

func writeHardenReport(w io.Writer, format string, results []hardened, write bool) error {
	var b strings.Builder
	switch format {
	case "json":
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(hardenReport(results))
	case "diff":
		for _, h := range results {
			writeDiffs(&b, h.res)
		}
	default:
		writeHardenText(&b, results, write)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// writeDiffs writes git's diff of every file changed, paths relative to
// the repository root as git apply reads them.
func writeDiffs(b *strings.Builder, res *harden.Result) {
	for _, f := range res.Files {
		b.WriteString(textdiff.Unified(f.Path, f.Before, f.After))
	}
}

// writeHardenText writes the diff, then per file and service what changed
// and what was left and why, the services kept, the score before and
// after, and what was written.
func writeHardenText(b *strings.Builder, results []hardened, write bool) {
	changes, files, offline := 0, 0, false
	var written []string
	for _, h := range results {
		writeDiffs(b, h.res)
		show := h.repo.show
		for _, f := range h.res.Files {
			left := 0
			for _, s := range f.Services {
				left += len(s.Left)
			}
			if len(f.Services)+len(f.Kept) == 0 {
				continue
			}
			fmt.Fprintf(b, "\n%s: %s, %s left for a person\n", show(f.Path), count(f.Changes(), "change"), count(left, "problem"))
			for _, s := range f.Services {
				if s.Name != "" {
					fmt.Fprintf(b, "  [%s]\n", s.Name)
				}
				for _, c := range s.Changes {
					fmt.Fprintf(b, "    %s:%d  fixed  %s%s\n", show(f.Path), c.Line, ruleTag(c.Rule), c.Done)
				}
				for _, l := range s.Left {
					fmt.Fprintf(b, "    %s:%d  left   %s%s\n      %s", show(f.Path), l.Line, ruleTag(l.Rule), l.Problem, l.Why)
					if l.Fix != "" {
						b.WriteString(": " + l.Fix)
					}
					b.WriteString("\n")
				}
			}
			for _, k := range f.Kept {
				e := k.Exception
				fmt.Fprintf(b, "  [%s]  left alone, as an exception covers it: %s until %s (%s:%d): %s\n",
					k.Service, e.Rule, e.Expires.Format(time.DateOnly), show(e.Pos.File), e.Pos.Line, e.Reason)
			}
			changes += f.Changes()
			if f.Changes() > 0 {
				files++
			}
		}
		if len(h.res.Files) > 0 {
			b.WriteString("\n")
			writeScores(b, h.res.Before, h.res.After)
		}
		offline = offline || h.res.Offline
		written = append(written, h.written...)
	}
	if offline {
		b.WriteString("\ntags were not pinned to their digests: no registry was asked (--offline)\n")
	}
	switch {
	case len(written) > 0:
		fmt.Fprintf(b, "\nwrote %s\n", strings.Join(written, ", "))
	case changes > 0 && !write:
		fmt.Fprintf(b, "\n%s in %s; nothing written (pass --write to write them)\n", count(changes, "change"), count(files, "file"))
	case changes == 0:
		b.WriteString("\nnothing to harden\n")
	}
}

func writeScores(b *strings.Builder, before, after audit.Score) {
	fmt.Fprintf(b, "  %-20s %6s   %5s\n", "", "before", "after")
	for _, g := range audit.Groups {
		fmt.Fprintf(b, "  %-20s %6.1f → %5.1f\n", string(g), before.Of(g), after.Of(g))
	}
	fmt.Fprintf(b, "  %-20s %6.1f → %5.1f\n", "Overall", before.Overall, after.Overall)
}

func ruleTag(rule string) string {
	if rule == "" {
		return ""
	}
	return rule + ": "
}

// count writes n and its noun: "1 change", "3 changes".
func count(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}
