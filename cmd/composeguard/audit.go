package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
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
	policyFile := fl.String("policy", "", "policy file to use instead of each folder's .composeguard.yml")
	colour := fl.String("color", "auto", "colour the text output: auto (on a terminal, unless NO_COLOR), always, never")
	fl.Usage = func() {
		fmt.Fprintln(stderr, "Usage: composeguard audit [flags] [PATH…|-]\n\nAudits the compose files under each PATH (default .), or a compose file read from standard input (-).")
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
	if len(paths) == 0 {
		paths = []string{"."}
	}
	now := time.Now().UTC()
	var reports []*audit.Report
	all := report.Suggestions{} // for Markdown only
	failing := false
	for _, arg := range paths {
		snap, pol, prefix, err := open(arg, stdin, override)
		if err != nil {
			fmt.Fprintln(stderr, "composeguard:", err)
			return 2
		}
		r := audit.Run(context.Background(), snap, pol, now)
		var suggestions report.Suggestions
		if *format == "markdown" {
			suggestions = report.Suggest(r, fix.NewSuggester(context.Background(), snap, audit.Projects(snap, pol), pol.Options))
		}
		limit := pol.FailOn
		if threshold != 0 {
			limit = threshold
		}
		failing = failing || len(r.Failing(limit)) > 0
		mapPath := func(p string) string {
			if policyName != "" && p == policyName {
				return p
			}
			return prefix(p)
		}
		r.MapPaths(mapPath)
		for k, e := range suggestions.MapPaths(mapPath) {
			all[k] = e
		}
		reports = append(reports, r)
	}
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

// open builds the snapshot and policy for one PATH argument, and the mapping
// that shows its paths as the user typed them.
func open(arg string, stdin io.Reader, override *policy.Policy) (compose.Snapshot, *policy.Policy, func(string) string, error) {
	if arg == "-" {
		b, err := io.ReadAll(io.LimitReader(stdin, compose.MaxFileSize+1))
		if err != nil {
			return nil, nil, nil, err
		}
		const name = "compose.yaml"
		rename := func(p string) string {
			if p == name {
				return stdinName
			}
			return p
		}
		return compose.MapSnapshot{name: b}, pick(override, nil), rename, nil
	}
	info, err := os.Stat(arg)
	if err != nil {
		return nil, nil, nil, err
	}
	dir := arg
	if !info.IsDir() {
		dir = filepath.Dir(arg)
	}
	snap, err := compose.NewDirSnapshot(dir)
	if err != nil {
		return nil, nil, nil, err
	}
	under := func(p string) string { return filepath.ToSlash(filepath.Join(dir, p)) }
	if !info.IsDir() {
		// A file named on the command line is audited even when its name
		// is not one the policy's patterns select.
		name := filepath.Base(arg)
		return only{snap, name}, pick(override, snap).Naming(name), under, nil
	}
	return snap, pick(override, snap), under, nil
}

// pick returns the override policy, else the snapshot's own, else defaults.
func pick(override *policy.Policy, snap compose.Snapshot) *policy.Policy {
	if override != nil {
		return override
	}
	if snap != nil {
		b, err := snap.ReadFile(policy.FileName)
		if err == nil {
			return policy.Parse(policy.FileName, b)
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return policy.Unreadable(policy.FileName, err)
		}
	}
	return policy.Default()
}

// only narrows a folder's snapshot to one named compose file; the rest of the
// folder stays readable for its .env and includes.
type only struct {
	compose.Snapshot
	file string
}

func (o only) Paths() []string { return []string{o.file} }

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
