package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/composeguard/composeguard/app/bump"
	"github.com/composeguard/composeguard/app/harden"
)

var hardenFormats = []string{"text", "diff", "json"}

// hardened is one repository's hardening, with the paths shown as the user
// typed them.
type hardened struct {
	repo    *repository
	res     *harden.Result
	written []string
}

func hardenFiles(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("harden", flag.ContinueOnError)
	fl.SetOutput(stderr)
	write := fl.Bool("write", false, "write the hardened files in place")
	offline := fl.Bool("offline", false, "ask no registry, so pin no tag to its digest")
	format := fl.String("format", "text", "output format: text (the diff, then what changed per service and the score), diff (the diff alone, for git apply) or json")
	policyFile := fl.String("policy", "", "policy file to use instead of the repository's .composeguard.yml")
	fl.Usage = func() {
		fmt.Fprintf(stderr, "Usage: composeguard harden [flags] [PATH…]\n\nApplies every mechanical fix to the compose files under each PATH (default .): cap_drop: [ALL],\nno-new-privileges, read_only with tmpfs, memory/CPU/PID limits (the policy's harden: values),\nlog rotation, ports of services behind the reverse proxy bound to 127.0.0.1, tags pinned to\ndigests. Services an exception covers are left alone. The result is audited again and refused\nif any finding grows. Without --write it prints the diff and what it would change.\nRegistry settings are bump's: %s, %s, %s.\nExit status: 0 nothing to harden (or written with --write), 1 changes proposed without --write,\n2 errors, among them a file that could not be hardened.\n", envMirrors, envAuthFile, envAllowPrivate)
		fl.PrintDefaults()
	}
	paths, err := parseArgs(fl, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if !contains(hardenFormats, *format) {
		fmt.Fprintf(stderr, "composeguard: unknown format %q (want %s)\n", *format, strings.Join(hardenFormats, ", "))
		return 2
	}
	if slices.Contains(paths, "-") {
		fmt.Fprintln(stderr, "composeguard: harden needs a folder or a compose file, not -")
		return 2
	}
	override, err := policyOverride(*policyFile)
	if err != nil {
		fmt.Fprintln(stderr, "composeguard:", err)
		return 2
	}
	var reg bump.Registry
	if !*offline {
		client, err := registryFromEnv()
		if err != nil {
			fmt.Fprintln(stderr, "composeguard:", err)
			return 2
		}
		reg = client
	}
	if len(paths) == 0 {
		paths = []string{"."}
	}
	repos, err := repositories(paths, override)
	if err != nil {
		fmt.Fprintln(stderr, "composeguard:", err)
		return 2
	}
	if *format == "diff" && len(repos) > 1 {
		fmt.Fprintf(stderr, "composeguard: --format diff names files relative to one repository root, and these paths are in %d: %s; harden each on its own\n",
			len(repos), strings.Join(roots(repos), ", "))
		return 2
	}
	now := time.Now().UTC()
	failed := false
	var results []hardened
	for _, repo := range repos {
		repo.warnPolicy(stderr)
		files := repo.composeFiles()
		for i, d := range repo.dirs {
			if !slices.ContainsFunc(files, func(f string) bool { return under(f, d) }) {
				fmt.Fprintln(stderr, "composeguard:", noCompose("harden", repo.args[i], repo.pol))
				return 2
			}
		}
		res, err := harden.Files(context.Background(), repo.snap, repo.pol, files, harden.Options{Registry: reg, Now: now})
		if err != nil {
			fmt.Fprintf(stderr, "composeguard: %s: %v\n", repo.show("."), err)
			failed = true
			continue
		}
		for _, f := range res.Files {
			if f.Unchanged != "" {
				fmt.Fprintf(stderr, "composeguard: %s: not hardened: %s\n", repo.show(f.Path), f.Unchanged)
				failed = true
			}
		}
		h := hardened{repo: repo, res: res}
		if *write {
			if h.written, err = writeInPlace(res.Changed(), repo.show); err != nil {
				fmt.Fprintln(stderr, "composeguard:", err)
				return 2
			}
		}
		results = append(results, h)
	}
	if err := writeHardenReport(stdout, *format, results, *write); err != nil {
		fmt.Fprintln(stderr, "composeguard:", err)
		return 2
	}
	changes := 0
	for _, h := range results {
		changes += h.res.Changes()
	}
	switch {
	case failed:
		return 2
	case changes > 0 && !*write:
		return 1
	}
	return 0
}
