package jobs

import (
	"context"
	"time"
)

// rescueInterval is how often each process looks for reviews a dead
// process left running. River's rescuer does the same only every 30
// seconds, which would add up to half a minute to the recovery of a
// review; it still handles the other kinds of jobs.
const rescueInterval = 2 * time.Second

// maxInterruptions is how many times a review may be interrupted by its
// process dying before it is given up: a review that kills the process
// every time (memory, a crash) must not do so forever.
const maxInterruptions = 10

// rescue makes available again the reviews whose attempt started before
// horizon and still runs: its process died, since an attempt ends at
// JobTimeout, before RescueAfter. They run at once, and the review keeps
// what the dead attempt posted (a job's check run is found by its id). The
// death says nothing about the forge, so the attempt is not counted, as
// River does for one a shutdown cancels; the interruption is counted in
// the job's metadata instead, for maxInterruptions.
func (q *Queue) rescue(ctx context.Context, horizon time.Time) {
	n, err := q.db.exec(ctx, `UPDATE river_job SET state = 'available', attempt = attempt - 1, `+q.db.countInterruption()+`
		WHERE state = 'running' AND kind = ? AND attempted_at < ?`,
		ReviewArgs{}.Kind(), q.db.timeValue(horizon))
	switch {
	case err != nil && ctx.Err() == nil:
		q.logger.Warn("could not look for reviews a dead process left running", "error", err)
	case n > 0:
		q.logger.Info("reviews a dead process left running run again", "reviews", n)
	}
}

// rescueEvery rescues, until ctx is done, the reviews started more than
// rescueAfter ago; done is closed when it returns.
func (q *Queue) rescueEvery(ctx context.Context, rescueAfter time.Duration, done chan<- struct{}) {
	defer close(done)
	tick := time.NewTicker(rescueInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-tick.C:
			q.rescue(ctx, now.Add(-rescueAfter))
		}
	}
}
