package reviewtest

import (
	"context"
	"slices"
	"sync"

	"github.com/composeguard/composeguard/app/forge"
	"github.com/composeguard/composeguard/app/review"
)

var _ review.Store = (*Store)(nil)

// Store is an in-memory review.Store, as app/jobs keeps one in the
// database: the tests of the review flow drive it (Saw records an event's
// head as the queue does, Forget and Doubt make its record missing or in
// doubt).
type Store struct {
	mu      sync.Mutex
	pulls   map[pull]*forge.Posted
	doubts  map[pull]map[int64]bool // jobs whose write may have landed unrecorded
	runs    map[int64]int64         // job → the run it completed
	heads   map[pull]string
	Listing int // Listed calls
}

type pull struct {
	repo   string
	number int
}

func key(repo forge.Repo, number int) pull { return pull{repo.String(), number} }

// NewStore returns an empty Store.
func NewStore() *Store {
	return &Store{pulls: map[pull]*forge.Posted{}, doubts: map[pull]map[int64]bool{}, runs: map[int64]int64{}, heads: map[pull]string{}}
}

// Saw records the head of a pull request event, as the queue does with
// each delivery.
func (s *Store) Saw(req forge.ReviewRequest) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.heads[key(req.Repo, req.Number)] = req.HeadSHA
}

// Forget drops the record of a pull request (a database restored from an
// older backup, or a pull request reviewed before the store).
func (s *Store) Forget(repo forge.Repo, number int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.pulls, key(repo, number))
}

// Record replaces what the store says was posted on a pull request; a
// stale record is one that no longer matches the forge.
func (s *Store) Record(repo forge.Repo, number int, p forge.Posted) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p.Recorded, p.InDoubt = true, false
	s.pulls[key(repo, number)] = &p
}

func (s *Store) Posted(_ context.Context, req forge.ReviewRequest) (forge.Posted, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := key(req.Repo, req.Number)
	var p forge.Posted
	if rec := s.pulls[k]; rec != nil {
		p = *rec
		p.Comments = slices.Clone(rec.Comments)
	}
	p.InDoubt = len(s.doubts[k]) > 0
	if req.Job != 0 {
		p.Run = s.runs[req.Job]
	}
	return p, nil
}

func (s *Store) Writing(_ context.Context, req forge.ReviewRequest) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := key(req.Repo, req.Number)
	if s.doubts[k] == nil {
		s.doubts[k] = map[int64]bool{}
	}
	s.doubts[k][req.Job] = true
	return nil
}

func (s *Store) Wrote(_ context.Context, req forge.ReviewRequest, p forge.Posted) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	k := key(req.Repo, req.Number)
	delete(s.doubts[k], req.Job)
	rec := s.pulls[k]
	if rec == nil {
		rec = &forge.Posted{Recorded: true}
		s.pulls[k] = rec
	}
	if p.SummaryID != 0 {
		rec.SummaryID, rec.SummaryDigest = p.SummaryID, p.SummaryDigest
	}
	for _, c := range p.Comments {
		i := slices.IndexFunc(rec.Comments, func(r forge.PostedComment) bool { return r.Fingerprints[0] == c.Fingerprints[0] })
		if i < 0 {
			rec.Comments = append(rec.Comments, c)
		} else {
			rec.Comments[i].Settled = rec.Comments[i].Settled || c.Settled
		}
	}
	if p.Run != 0 && req.Job != 0 {
		s.runs[req.Job] = p.Run
	}
	return nil
}

func (s *Store) Listed(ctx context.Context, req forge.ReviewRequest, p forge.Posted) error {
	s.mu.Lock()
	s.Listing++
	s.mu.Unlock()
	return s.Wrote(ctx, req, p)
}

func (s *Store) Head(_ context.Context, repo forge.Repo, number int) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.heads[key(repo, number)], nil
}

func (s *Store) OthersAt(_ context.Context, repo forge.Repo, number int, head string) ([]int, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	var others []int
	for k, h := range s.heads {
		if k.repo == repo.String() && k.number != number && h == head {
			others = append(others, k.number)
		}
	}
	return others, true, nil
}
