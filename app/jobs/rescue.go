package jobs

import (
	"context"
	"time"
)

// rescueInterval is how often each process looks for reviews a dead
// process left running. River's rescuer does the same only every 30
// seconds, which would add up to half a minute to the recovery of a
// review; it still handles the reviews that used their last attempt, which
// it discards, and the other kinds of jobs.
const rescueInterval = 2 * time.Second

// rescue makes available again the reviews whose attempt started before
// horizon and still runs: its process died, since an attempt ends at
// JobTimeout, before RescueAfter. They run at once, their attempt counted,
// and the review keeps what the dead attempt posted (a job's check run is
// found by its id). A review that used its last attempt is left to River's
// rescuer, which discards it, so one that kills the process every time
// does not do so forever.
func (q *Queue) rescue(ctx context.Context, horizon time.Time) {
	n, err := q.db.exec(ctx, `UPDATE river_job SET state = 'available'
		WHERE state = 'running' AND kind = ? AND attempt < max_attempts AND attempted_at < ?`,
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
