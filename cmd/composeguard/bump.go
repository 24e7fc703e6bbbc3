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
	"sort"

	"github.com/composeguard/composeguard/app/bump"
	"github.com/composeguard/composeguard/app/compose"
	"github.com/composeguard/composeguard/app/policy"
	"github.com/composeguard/composeguard/app/registry"
)

// Registry settings come from the environment of the person or server
// running the command, never from the repository.
const (
	envMirrors      = "COMPOSEGUARD_REGISTRY_MIRRORS" // docker.io=registry.internal:5000,…
	envAuthFile     = registry.AuthFileSetting        // a docker config.json with "auths"
	envAllowPrivate = registry.AllowPrivateSetting    // localhost:5000,registry.lan,10.0.0.0/24,…
)

var bumpFormats = []string{"text", "json"}

// bumped is one repository's plan, with the paths shown as the user typed them.
type bumped struct {
	plan    *bump.Plan
	toWrite []bump.Update // what a run without --dry-run writes
	show    func(string) string
	written []string
}

func bumpImages(args []string, stdout, stderr io.Writer) int {
	fl := flag.NewFlagSet("bump", flag.ContinueOnError)
	fl.SetOutput(stderr)
	dryRun := fl.Bool("dry-run", false, "print the updates without writing them; exit 1 when some are due")
	major := fl.Bool("major", false, "also write major updates; without it a run stays within each image's current major\n(unless the policy lists major in bump.rules update_types) and names the majors it left")
	format := fl.String("format", "text", "output format: text or json")
	policyFile := fl.String("policy", "", "policy file to use instead of the repository's .composeguard.yml")
	fl.Usage = func() {
		fmt.Fprintf(stderr, "Usage: composeguard bump [flags] [PATH…]\n\nMoves the image tags pinned in the compose files under each PATH (default .) to the newest\nversions their registries list within the current major (--major crosses it), editing only\nthe tag and digest bytes.\nRegistry settings: %s (registry=mirror,…), %s (a docker config.json) and\n%s (registries on loopback or private addresses to reach: host[:port],\nIP or CIDR, comma-separated; others are refused).\nExit status: 0 nothing due, 1 updates due with --dry-run, 2 errors, among them an image\nthat could not be looked up (not found, denied, refused, too large or registry unavailable).\n", envMirrors, envAuthFile, envAllowPrivate)
		fl.PrintDefaults()
	}
	paths, err := parseArgs(fl, args)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if !contains(bumpFormats, *format) {
		fmt.Fprintf(stderr, "composeguard: unknown format %q (want text or json)\n", *format)
		return 2
	}
	override, err := policyOverride(*policyFile)
	if err != nil {
		fmt.Fprintln(stderr, "composeguard:", err)
		return 2
	}
	client, err := registryFromEnv()
	if err != nil {
		fmt.Fprintln(stderr, "composeguard:", err)
		return 2
	}
	if len(paths) == 0 {
		paths = []string{"."}
	}
	ctx := context.Background()
	var results []bumped
	if slices.Contains(paths, "-") {
		fmt.Fprintln(stderr, "composeguard: bump rewrites files in place, so it needs a folder or a compose file, not -")
		return 2
	}
	repos, err := repositories(paths, override)
	if err != nil {
		fmt.Fprintln(stderr, "composeguard:", err)
		return 2
	}
	bar := newProgress(stderr)
	for _, repo := range repos {
		pol := repo.pol
		repo.warnPolicy(stderr)
		files := repo.composeFiles()
		inventory := bump.Extract(repo.snap, files)
		bar.start("looking up %d/%d images…", inventory.Lookups(pol.Bump))
		r := bumped{plan: bump.PlanUpdates(ctx, lookupProgress{client, bar}, inventory, pol.Bump), show: repo.show}
		bar.clear()
		r.toWrite = r.plan.ToWrite(pol.Bump, *major)
		if !*dryRun {
			if r.written, err = applyInPlace(ctx, repo.snap, files, r.toWrite, repo.show); err != nil {
				fmt.Fprintln(stderr, "composeguard:", err)
				return 2
			}
		}
		results = append(results, r)
	}
	if err := writeBumpReport(stdout, *format, results, *dryRun); err != nil {
		fmt.Fprintln(stderr, "composeguard:", err)
		return 2
	}
	due := false
	for _, r := range results {
		if r.plan.Unknown() {
			fmt.Fprintln(stderr, "composeguard: some images could not be looked up (not found, denied, refused, too large or registry unavailable), so they may have updates; see skipped")
			return 2
		}
		due = due || len(r.plan.Updates) > 0
	}
	if due && *dryRun {
		return 1
	}
	return 0
}

// registryFromEnv builds the registry client from the environment. It
// offers the credentials to every lookup: the run is the user's own.
func registryFromEnv() (*registry.Client, error) {
	return newRegistry(registrySettings{mirrors: os.Getenv(envMirrors), authFile: os.Getenv(envAuthFile),
		allowPrivate: os.Getenv(envAllowPrivate)})
}

// registrySettings are the registry settings of the environment or of the
// server's configuration; the server's are its only source of credentials.
type registrySettings struct {
	mirrors, authFile, allowPrivate string
	credentialsScope                string // serve's; lookups made For a repository follow it
}

func newRegistry(s registrySettings) (*registry.Client, error) {
	mirrors, err := registry.ParseMirrors(s.mirrors)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", envMirrors, err)
	}
	allowPrivate, err := registry.ParseAllowPrivate(s.allowPrivate)
	if err != nil {
		return nil, err
	}
	scope, err := registry.ParseCredentialScope(s.credentialsScope)
	if err != nil {
		return nil, err
	}
	var config []byte
	if s.authFile != "" {
		if config, err = os.ReadFile(s.authFile); err != nil {
			return nil, fmt.Errorf("%s: %w", envAuthFile, err)
		}
	}
	return registry.New(registry.Options{Mirrors: mirrors, DockerConfig: config, AllowPrivate: allowPrivate, CredentialScope: scope})
}

// policyOverride reads the --policy file, nil when there is none.
func policyOverride(file string) (*policy.Policy, error) {
	if file == "" {
		return nil, nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return policy.Parse(filepath.ToSlash(file), b), nil
}

// applyInPlace writes the updates into the files and returns the files
// written, as shown.
func applyInPlace(ctx context.Context, snap compose.Snapshot, files []string, updates []bump.Update, show func(string) string) ([]string, error) {
	changed, err := bump.Apply(ctx, snap, files, updates)
	if err != nil {
		return nil, err
	}
	return writeInPlace(changed, show)
}

// writeInPlace writes files (repository path → content) over the files
// shown as show says, and returns them as shown, sorted.
func writeInPlace(changed map[string][]byte, show func(string) string) ([]string, error) {
	var written []string
	for p, content := range changed {
		if err := replaceFile(filepath.FromSlash(show(p)), content); err != nil {
			return written, err
		}
		written = append(written, show(p))
	}
	sort.Strings(written)
	return written, nil
}

// replaceFile writes content beside name and renames it over name, so a
// reader sees the old file or the new one, never half of one; the mode stays.
func replaceFile(name string, content []byte) error {
	info, err := os.Stat(name)
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".composeguard-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // fails harmlessly once renamed
	if _, err := tmp.Write(content); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(info.Mode().Perm()); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), name)
}
