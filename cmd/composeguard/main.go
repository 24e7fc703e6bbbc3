// Command composeguard audits Docker Compose files, reviews pull requests
// that change them and keeps their image versions current.
package main

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"

	"github.com/sirupsen/logrus"
)

const usage = `composeguard guards Docker Compose files.

Usage:
  composeguard audit [--format text|json|sarif|codequality|markdown] [--fail-on SEVERITY|never] [--policy FILE] [PATH…|-]
  composeguard serve [--listen ADDR] [--database-url URL] [--review-drafts=false]   (GitHub settings: serve --help)
  composeguard migrate [--database-url URL]   (serve migrates when it starts too)
  composeguard bump [--dry-run] [--format text|json] [--policy FILE] [PATH…]
  composeguard harden [--write] [--offline] [--format text|diff|json] [--policy FILE] [PATH…]
  composeguard version
  composeguard healthcheck [--url http://127.0.0.1:8080/readyz]   (exit 0 when serve is ready)

Run 'composeguard audit --help' for the audit flags.
`

func main() {
	// compose-go warns through logrus (unset variables, obsolete version);
	// composeguard reports through findings, never by echoing a repository.
	logrus.SetOutput(io.Discard)
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// run dispatches a subcommand and returns the exit code: 0 clean, 1 findings
// at or above the threshold, 2 usage or I/O errors.
func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return 2
	}
	switch args[0] {
	case "audit":
		return auditFiles(args[1:], stdin, stdout, stderr)
	case "bump":
		return bumpImages(args[1:], stdout, stderr)
	case "harden":
		return hardenFiles(args[1:], stdout, stderr)
	case "serve":
		return serve(args[1:], stderr)
	case "migrate":
		return migrate(args[1:], os.Getenv, stdout, stderr)
	case "version", "--version":
		fmt.Fprintln(stdout, "composeguard", version)
		return 0
	case "healthcheck":
		return healthcheck(args[1:], os.Getenv, stderr)
	case "help", "-h", "--help":
		fmt.Fprint(stdout, usage)
		return 0
	}
	fmt.Fprintf(stderr, "composeguard: unknown command %q\n\n%s", args[0], usage)
	return 2
}

// softMemoryLimit sets the Go runtime's soft memory limit, unless
// GOMEMLIMIT sets another.
func softMemoryLimit(bytes int64) {
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(bytes)
	}
}
