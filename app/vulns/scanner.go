// Package vulns lists the critical and high vulnerabilities of container
// images with Trivy, the executable the operator installs: standalone, with
// its database in a cache folder, or as a client of a `trivy server` that
// holds the database. Reports are cached by image digest; a scan that fails,
// times out or answers nonsense is NotScanned, never clean.
//
// Images come from repositories, so a scan gets Trivy a reference that is a
// name and a digest after "--", never a flag, in a process that inherits
// almost nothing of the server's environment. The pull request review
// (app/review) and the image update flow (app/pulls) use it.
package vulns

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// Options configure a Scanner.
type Options struct {
	// Trivy is the path of the trivy executable.
	Trivy string
	// Server is the address of a `trivy server` holding the vulnerability
	// database (client/server mode); "" scans standalone, with the
	// database in CacheDir.
	Server string
	// Token authenticates to Server (Trivy's --token), given to the
	// process in its environment.
	Token string
	// CacheDir is Trivy's cache folder; "" means trivy in the user's cache
	// folder, where Trivy itself would look.
	CacheDir string
	// Timeout bounds one scan; 0 means DefaultTimeout.
	Timeout time.Duration
	// Environ is the server's environment, of which only a few variables
	// reach Trivy (see passedEnv); nil means os.Environ().
	Environ []string
	Logger  *slog.Logger
	// Now is the clock of the cache; time.Now when nil.
	Now func() time.Time
}

const (
	DefaultTimeout = time.Minute
	// ReportTTL is how long a report is believed: Trivy's database is
	// rebuilt several times a day.
	ReportTTL = 6 * time.Hour
	// At most this many reports, holding at most maxHeld vulnerable
	// packages in all, are cached (about 40 MB at worst).
	maxReports = 1000
	maxHeld    = 100_000
	// maxWaiting bounds the scans started or queued at once; more are not
	// scanned rather than queued without end.
	maxWaiting = 64
)

// parallel is how many Trivy processes run at once. Standalone processes
// share the cache folder, which Trivy locks while one of them updates its
// database, so they run one at a time.
func parallel(server string) int {
	if server == "" {
		return 1
	}
	return 2
}

// Scanner scans images with Trivy, one process per digest at a time and a
// few at once, caching reports. It is safe for concurrent use; Close stops
// it.
type Scanner struct {
	opts    Options
	slots   chan struct{}
	base    context.Context
	stop    context.CancelFunc
	running sync.WaitGroup

	mu      sync.Mutex
	cache   *cache
	flights map[string]*flight
}

// flight is a scan under way; its waiters share its result.
type flight struct {
	done   chan struct{}
	report *Report
	err    error
}

// New returns a Scanner.
func New(opts Options) (*Scanner, error) {
	if opts.Trivy == "" {
		return nil, errors.New("vulns: no trivy executable")
	}
	if opts.CacheDir == "" {
		dir, err := os.UserCacheDir()
		if err != nil {
			return nil, errors.New("vulns: no cache folder for Trivy: set one")
		}
		opts.CacheDir = filepath.Join(dir, "trivy")
	}
	// Trivy runs in a folder of its own: relative paths would be read
	// from there.
	var err error
	if opts.CacheDir, err = filepath.Abs(opts.CacheDir); err != nil {
		return nil, fmt.Errorf("vulns: Trivy's cache folder: %w", err)
	}
	if strings.ContainsRune(opts.Trivy, filepath.Separator) {
		if opts.Trivy, err = filepath.Abs(opts.Trivy); err != nil {
			return nil, fmt.Errorf("vulns: the trivy executable: %w", err)
		}
	}
	opts.Timeout = cmp.Or(opts.Timeout, DefaultTimeout)
	if opts.Environ == nil {
		opts.Environ = os.Environ()
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	s := &Scanner{opts: opts, slots: make(chan struct{}, parallel(opts.Server)),
		cache: newCache(maxReports, maxHeld, ReportTTL), flights: map[string]*flight{}}
	s.base, s.stop = context.WithCancel(context.Background())
	return s, nil
}

// Close stops every scan, running or queued, and waits for the processes
// to end.
func (s *Scanner) Close() {
	s.stop()
	s.running.Wait()
}

// ScanImage returns the report of img, from the cache or from one Trivy
// process that every caller asking for the same digest shares. The scan
// runs within the Scanner's Timeout whether or not the caller waits: when
// ctx ends first, the caller gets NotScanned and the report, once there, is
// cached for the next. Every error is a *NotScanned.
func (s *Scanner) ScanImage(ctx context.Context, img Image) (*Report, error) {
	ref, err := img.reference()
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	if r, ok := s.cache.get(img.Digest, s.opts.Now()); ok {
		s.mu.Unlock()
		return r, nil
	}
	f := s.flights[img.Digest]
	if f == nil {
		if len(s.flights) >= maxWaiting {
			s.mu.Unlock()
			return nil, &NotScanned{Reason: "too many images are being scanned at once"}
		}
		f = &flight{done: make(chan struct{})}
		s.flights[img.Digest] = f
		s.running.Add(1)
		go s.run(img.Digest, ref, f)
	}
	s.mu.Unlock()
	select {
	case <-f.done:
		return f.report, f.err
	case <-ctx.Done():
		return nil, &NotScanned{Reason: "Trivy was still scanning when composeguard had to answer; the result is kept for its next run"}
	}
}

// run scans ref for the flight of digest once a slot is free.
func (s *Scanner) run(digest, ref string, f *flight) {
	defer s.running.Done()
	defer func() {
		s.mu.Lock()
		delete(s.flights, digest)
		if f.err == nil {
			s.cache.put(digest, f.report, s.opts.Now())
		}
		s.mu.Unlock()
		close(f.done)
	}()
	select {
	case s.slots <- struct{}{}:
		defer func() { <-s.slots }()
	case <-s.base.Done():
		f.err = &NotScanned{Reason: "composeguard stopped the scan: it was shutting down"}
		return
	}
	ctx, cancel := context.WithTimeout(s.base, s.opts.Timeout)
	defer cancel()
	f.report, f.err = s.trivy(ctx, ref)
}

// Outcome is what became of one image reference: its image and report, or
// why it was not scanned.
type Outcome struct {
	Image  Image   // zero when its digest could not be found
	Report *Report // nil when not scanned
	Err    error   // a *NotScanned when Report is nil
}

// maxLookups bounds the digest lookups and scans one Scan waits on at once.
const maxLookups = 8

// Scan resolves each image reference (as a compose file writes it) with
// digests and scans the image. When ctx has a deadline, it waits for half
// the time left at most, so its caller keeps time to post what it found;
// the scans it stops waiting for go on and are cached.
func (s *Scanner) Scan(ctx context.Context, digests Digests, refs []string) map[string]Outcome {
	if deadline, ok := ctx.Deadline(); ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, time.Until(deadline)/2)
		defer cancel()
	}
	out := make(map[string]Outcome, len(refs))
	var mu sync.Mutex
	var wg sync.WaitGroup
	limit := make(chan struct{}, maxLookups)
	for _, ref := range slices.Compact(slices.Sorted(slices.Values(refs))) {
		wg.Go(func() {
			limit <- struct{}{}
			defer func() { <-limit }()
			var o Outcome
			if o.Image, o.Err = Resolve(ctx, digests, ref); o.Err == nil {
				o.Report, o.Err = s.ScanImage(ctx, o.Image)
			}
			mu.Lock()
			out[ref] = o
			mu.Unlock()
		})
	}
	wg.Wait()
	return out
}
