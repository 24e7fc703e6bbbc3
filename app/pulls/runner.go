// Package pulls opens and maintains the pull requests that move pinned
// images forward, on a schedule: one branch and pull request per image and
// kind of update (Branch), committed through the forge's API as the
// server's account (GitHub signs those commits), rebuilt in place when the base moves or a newer version appears,
// remembered when a person closes it, closed when no longer needed, and
// never force-pushed once someone else has pushed to it.
//
// It also opens, on request, the pull request that hardens one compose
// file (Runner.Harden, harden.go), on a branch of its own kept the same way
// (session.go holds what both share).
//
// It is the flow of composeguard's own pull requests, beside the review
// flow (app/review): it drives the bump and hardening engines (app/bump,
// app/harden) and takes the scores it shows from the audit engine
// (app/audit), reaching the forge only through app/forge.
package pulls

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"sync"
	"time"

	"github.com/composeguard/composeguard/app/bump"
	"github.com/composeguard/composeguard/app/compose"
	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/policy"
	"github.com/composeguard/composeguard/app/registry"
	"github.com/composeguard/composeguard/app/vulns"
)

// Forge is what the flow uses of a forge.
type Forge interface {
	forge.Installed
	forge.Contents
	forge.Branches
	forge.PullWriter
}

// Registry answers planning's questions and where an image's source lives;
// *registry.Client is one.
type Registry interface {
	bump.Registry
	SourceURL(ctx context.Context, repository, tag string) (string, error)
}

// Registries is the registry client of one scheduled run: For gives one
// repository ("owner/name") its lookups, which offer only the registry
// credentials that repository may use. RegistriesOf adapts
// *registry.Client.
type Registries interface {
	For(repository string) Registry
}

// RegistriesOf adapts a client whose For returns its own type, as
// *registry.Client's does.
func RegistriesOf[R Registry](c interface{ For(string) R }) Registries {
	return registriesOf[R]{c}
}

type registriesOf[R Registry] struct{ c interface{ For(string) R } }

func (r registriesOf[R]) For(repository string) Registry { return r.c.For(repository) }

// Options configure a Runner.
type Options struct {
	Forge Forge
	// NewRegistry makes the registry client of one scheduled run. Every
	// repository of the run shares it, so its cache makes a thousand
	// repositories using postgres cost one tag listing.
	NewRegistry func() (Registries, error)
	Logger      *slog.Logger
	// Now is the clock of rate limits and exception expiry; time.Now when
	// nil.
	Now func() time.Time
	// Labels go on every image update pull request opened;
	// "dependencies" when nil.
	Labels []string
	// Scanner, when set, says in each body which vulnerabilities an update
	// removes and brings.
	Scanner *vulns.Scanner
	// HardenLabels go on every hardening pull request opened; "security"
	// when nil.
	HardenLabels []string
}

// ScheduleWindow is how far back from a run's time a repository's own
// schedule may fire for the run to process it: the server's schedule
// should run at least hourly for repository schedules to pick their hour.
const ScheduleWindow = time.Hour

// Runner runs the flow for one repository at a time; it is safe for
// concurrent use.
type Runner struct {
	opts Options

	mu       sync.Mutex
	login    string
	run      time.Time // of the registry client below
	registry Registries
}

// New returns a Runner.
func New(opts Options) *Runner {
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Labels == nil {
		opts.Labels = []string{"dependencies"}
	}
	if opts.HardenLabels == nil {
		opts.HardenLabels = []string{"security"}
	}
	return &Runner{opts: opts}
}

// Repositories lists the repositories a run visits: every installed one
// that is not archived. Whether one opted in is read from its policy.
func (r *Runner) Repositories(ctx context.Context) ([]forge.Repository, error) {
	all, err := r.opts.Forge.Repositories(ctx)
	if err != nil {
		return nil, err
	}
	var out []forge.Repository
	for _, repo := range all {
		if !repo.Archived {
			out = append(out, repo)
		}
	}
	return out, nil
}

// Bump runs the flow for one repository and logs what it did.
func (r *Runner) Bump(ctx context.Context, repo forge.Repository, run time.Time) error {
	res, err := r.Repository(ctx, repo, run)
	// The repository and run are the line's own, not added with With, so a
	// job's context naming them too does not repeat them (app/logging).
	log := r.opts.Logger
	if res.Skipped != "" {
		log.DebugContext(ctx, "bump: repository skipped", "repo", repo.String(), "run", run, "reason", res.Skipped)
	}
	for _, o := range res.Outcomes {
		level := slog.LevelInfo
		if o.Action == Failed {
			level = slog.LevelWarn
		}
		log.Log(ctx, level, "bump: "+string(o.Action), "repo", repo.String(), "run", run, "branch", o.Branch, "pr", o.Number, "detail", o.Detail)
	}
	return err
}

// Action is what a run did with one branch.
type Action string

const (
	Opened  Action = "opened"
	Updated Action = "updated" // rebuilt from the base, title and body edited
	Current Action = "current" // already proposes this on the base head
	// Ignored: a person closed a pull request proposing these versions.
	Ignored     Action = "ignored"
	RateLimited Action = "rate-limited"
	// LeftAlone: someone else pushed to the branch or opened its pull
	// request, so composeguard does not touch it.
	LeftAlone Action = "left-alone"
	Closed    Action = "closed" // no longer needed
	// Kept: no longer planned, but a registry could not answer for one of
	// its images, so it may well still be needed.
	Kept   Action = "kept"
	Failed Action = "failed"
	// Clean: a hardening with nothing to change.
	Clean Action = "clean"
)

// Outcome is what happened to one branch.
type Outcome struct {
	Branch string
	Action Action
	Number int // the pull request, 0 when none
	Detail string
}

// Result is what a run did in one repository.
type Result struct {
	// Skipped says why the repository was not processed: archived, not
	// opted in, outside its schedule, empty.
	Skipped  string
	Outcomes []Outcome
}

// Repository runs the flow in one repository for the run at time run. An
// error means the repository should be tried again (the forge failed, or
// the files could not all be read); a failure of one branch that a retry
// would not fix is a Failed outcome instead.
func (r *Runner) Repository(ctx context.Context, repo forge.Repository, run time.Time) (*Result, error) {
	res := &Result{}
	s, skipped, err := r.start(ctx, repo, bumpTrailer)
	if s == nil {
		res.Skipped = skipped
		return res, err
	}
	if !s.policy.Bump.OptedIn {
		res.Skipped = "no bump: section in " + policy.FileName
		return res, nil
	}
	if sch := s.policy.Bump.Schedule; !sch.IsZero() && !sch.FiresWithin(run.Add(-ScheduleWindow), run) {
		res.Skipped = fmt.Sprintf("outside its schedule %q", sch)
		return res, nil
	}
	reg, err := r.registryFor(run)
	if err != nil {
		return res, err
	}
	w := &repoRun{session: s, registry: reg.For(registry.ScopeName(repo.Repo)), result: res}
	return res, w.run(ctx)
}

// identity is the forge account composeguard's commits and pull requests
// belong to, asked once.
func (r *Runner) identity(ctx context.Context) (string, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.login == "" {
		login, err := r.opts.Forge.Login(ctx)
		if err != nil {
			return "", err
		}
		r.login = login
	}
	return r.login, nil
}

// registryFor returns the registry client of the run, making a new one
// when a new run starts.
func (r *Runner) registryFor(run time.Time) (Registries, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.registry == nil || !r.run.Equal(run) {
		reg, err := r.opts.NewRegistry()
		if err != nil {
			return nil, fmt.Errorf("registry client: %w", err)
		}
		r.registry, r.run = reg, run
	}
	return r.registry, nil
}

// readPolicy reads the policy at the base head: the defaults without one;
// an error when it exists but could not be read, since the repository's
// wishes are then unknown.
func readPolicy(snap compose.Snapshot) (*policy.Policy, error) {
	b, err := snap.ReadFile(policy.FileName)
	switch {
	case err == nil:
		return policy.Parse(policy.FileName, b), nil
	case errors.Is(err, fs.ErrNotExist) || errors.Is(err, forge.ErrNotFound):
		return policy.Default(), nil
	case errors.Is(err, compose.ErrTooLarge):
		return policy.Unreadable(policy.FileName, err), nil
	}
	return nil, err
}
