package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/composeguard/composeguard/app/config"
	"github.com/composeguard/composeguard/app/jobs"
)

// migrate applies the database's migrations, as serve does when it
// starts, and says what it applied: 0 when the database is up to date, 1
// when it could not be migrated, 2 for a bad setting.
func migrate(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	url, err := config.LoadDatabase(args, getenv, stderr)
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	if err != nil {
		fmt.Fprintf(stderr, "composeguard migrate: %v\n", err)
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	applied, err := jobs.Migrate(ctx, url.Reveal(), nil)
	if err != nil {
		fmt.Fprintf(stderr, "composeguard migrate: %s: %v\n", url, err)
		return 1
	}
	fmt.Fprintf(stdout, "%s: %s; %s\n", url, versions("River's", applied.River), versions("composeguard's", applied.Own))
	return 0
}

// versions says which of whose migrations were applied.
func versions(whose string, applied []int) string {
	switch len(applied) {
	case 0:
		return whose + " tables up to date"
	case 1:
		return fmt.Sprintf("%s migration %d applied", whose, applied[0])
	}
	return fmt.Sprintf("%s migrations %d to %d applied", whose, applied[0], applied[len(applied)-1])
}
