package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/composeguard/composeguard/app/audit"
	"github.com/composeguard/composeguard/app/compose"
	"github.com/composeguard/composeguard/app/fix"
	"github.com/composeguard/composeguard/app/policy"
	"github.com/composeguard/composeguard/app/report"
	"github.com/composeguard/composeguard/checks"
	"golang.org/x/term"
)

var version = "dev"

// auditMemoryLimit is the Go heap size the audit command aims to stay under.
const auditMemoryLimit = 48 << 20

// stdinName is how findings name a file read from standard input.
const stdinName = "<stdin>"

func auditFiles(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("audit", flag.ContinueOnError)
	fl.SetOutput(stderr)
	format := fl.String("format", "text", "output format: "+strings.Join(report.Formats, ", "))
	failOn := fl.String("fail-on", "", "exit 1 when a finding is at or above this severity: critical, high, medium, low, info or never (default: the policy's, high)")
	policyFile := fl.String("policy", "", "policy file to use instead of the repository's .composeguard.yml")
	colour := fl.String("color", "auto", "colour the text output: auto (on a terminal, unless NO_COLOR), always, never")
	fl.Usage = func() {
		fmt.Fprintln(stderr, "Usage: composeguard audit [flags] [PATH…|-]\n\nAudits the compose projects under each PATH (default .), or a compose file read from standard input (-).\nThe policy is the .composeguard.yml at the root of the repository holding PATH (the nearest folder\nabove it with .git; without one, PATH itself), unless --policy names another.")
		fl.PrintDefaults()
	}
	// An audit keeps little alive but compose-go allocates freely; a soft
	// limit holds the peak near 75 MB over 890 files for ~3% more time.
	softMemoryLimit(auditMemoryLimit)
	paths, err := parseArgs(fl, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if !contains(report.Formats, *format) {
		fmt.Fprintf(stderr, "composeguard: unknown format %q (want %s)\n", *format, strings.Join(report.Formats, ", "))
		return 2
	}
	threshold := checks.Severity(0)
	if *failOn != "" {
		if threshold, err = parseThreshold(*failOn); err != nil {
			fmt.Fprintln(stderr, "composeguard:", err)
			return 2
		}
	}
	report.Version = version
	var override *policy.Policy
	policyName := ""
	if *policyFile != "" {
		b, err := os.ReadFile(*policyFile)
		if err != nil {
			fmt.Fprintln(stderr, "composeguard:", err)
			return 2
		}
		// Findings about the policy file name it as typed, in every folder.
		policyName = filepath.ToSlash(*policyFile)
		override = policy.Parse(policyName, b)
	}
	policyAs := policyName // how findings about the --policy file name it
	if len(paths) == 0 {
		paths = []string{"."}
	}
	now := time.Now().UTC()
	limit := func(pol *policy.Policy) checks.Severity {
		if threshold != 0 {
			return threshold
		}
		return pol.FailOn
	}
	var reports []*audit.Report
	all := report.Suggestions{} // for Markdown only
	failing := false
	add := func(r *audit.Report, snap compose.Snapshot, projects compose.Grouping, pol *policy.Policy, show func(string) string) {
		var suggestions report.Suggestions
		if *format == "markdown" {
			suggestions = report.Suggest(r, fix.NewSuggester(context.Background(), snap, projects, pol.Options))
		}
		failing = failing || len(r.Failing(limit(pol))) > 0
		mapPath := func(p string) string {
			if policyName != "" && p == policyName {
				return policyAs
			}
			return show(p)
		}
		r.MapPaths(mapPath)
		for k, e := range suggestions.MapPaths(mapPath) {
			all[k] = e
		}
		reports = append(reports, r)
	}
	if slices.Contains(paths, "-") {
		snap, pol, err := readStdin(stdin, override)
		if err != nil {
			fmt.Fprintln(stderr, "composeguard:", err)
			return 2
		}
		projects := audit.Projects(snap, pol)
		add(audit.RunProjects(context.Background(), snap, pol, projects, now), snap, projects, pol, func(p string) string {
			if p == stdinFile {
				return stdinName
			}
			return p
		})
	}
	repos, err := repositories(slices.DeleteFunc(slices.Clone(paths), func(p string) bool { return p == "-" }), override)
	if err != nil {
		fmt.Fprintln(stderr, "composeguard:", err)
		return 2
	}
	rootRelative := report.RootRelative(*format)
	if rootRelative && len(repos) > 1 {
		fmt.Fprintf(stderr, "composeguard: --format %s names files relative to one repository root (the folder holding .git; without one, the PATH), and these paths are in %d: %s; audit each on its own\n",
			*format, len(repos), strings.Join(roots(repos), ", "))
		return 2
	}
	// Every folder is checked before any audit starts, and the progress
	// line counts the files of every repository.
	type planned struct {
		repo     *repository
		projects compose.Grouping
		reads    *readProgress
	}
	var jobs []planned
	bar, files := newProgress(stderr), 0
	for _, repo := range repos {
		projects := audit.Projects(repo.snap, repo.pol)
		for i, d := range repo.dirs {
			if !slices.ContainsFunc(projects.Plans, func(p compose.Plan) bool {
				return slices.ContainsFunc(p.Files, func(f string) bool { return under(f, d) })
			}) {
				fmt.Fprintln(stderr, "composeguard:", noCompose("audit", repo.args[i], repo.pol))
				return 2
			}
		}
		projects = projects.Only(func(p compose.Plan) bool { return slices.ContainsFunc(p.Files, repo.covers) })
		reads := newReadProgress(repo.snap, projects.Plans, bar)
		files += len(reads.unread)
		jobs = append(jobs, planned{repo, projects, reads})
	}
	bar.start("auditing %d/%d files…", files)
	for _, job := range jobs {
		show := job.repo.show
		if rootRelative {
			show = func(p string) string { return p }
			if policyName != "" {
				policyAs = job.repo.rootPath(*policyFile)
			}
		}
		add(audit.RunProjects(context.Background(), job.reads, job.repo.pol, job.projects, now), job.repo.snap, job.projects, job.repo.pol, show)
	}
	bar.clear()
	combined := audit.Combine(reports...)
	if err := report.Write(stdout, *format, combined, useColour(*colour, stdout), all); err != nil {
		fmt.Fprintln(stderr, "composeguard:", err)
		return 2
	}
	if failing {
		return 1
	}
	return 0
}

// stdinFile is the name a compose file read from standard input has in its
// snapshot.
const stdinFile = "compose.yaml"

// readStdin reads one compose file from standard input, with the policy of
// the repository the current folder is in.
func readStdin(stdin io.Reader, override *policy.Policy) (compose.Snapshot, *policy.Policy, error) {
	b, err := io.ReadAll(io.LimitReader(stdin, compose.MaxFileSize+1))
	if err != nil {
		return nil, nil, err
	}
	pol := override
	if pol == nil {
		cwd, err := os.Getwd()
		if err != nil {
			return nil, nil, err
		}
		// Only the policy file is read: no need to list the repository.
		pol = readPolicy(nil, &compose.DirSnapshot{Root: findRoot(cwd)})
	}
	return compose.MapSnapshot{stdinFile: b}, pol, nil
}

func parseThreshold(s string) (checks.Severity, error) {
	if s == "never" {
		return policy.FailNever, nil
	}
	return checks.ParseSeverity(s)
}

func useColour(mode string, w io.Writer) bool {
	switch mode {
	case "always":
		return true
	case "never":
		return false
	}
	f, ok := w.(*os.File)
	return ok && os.Getenv("NO_COLOR") == "" && term.IsTerminal(int(f.Fd()))
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
