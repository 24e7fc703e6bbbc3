// Package cron reads the cron expressions that schedule work: the server's
// schedule of image update runs and a repository's bump.schedule. It wraps
// robfig/cron, always in UTC.
package cron

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	robfig "github.com/robfig/cron/v3"
)

// Schedule is a cron expression of five fields (minute, hour, day of month,
// month, day of week), read in UTC. Fields take *, numbers, ranges (1-5),
// steps (*/15, 0-30/10), lists (1,15) and the names jan…dec and sun…sat; the
// day of week counts 0 or 7 as Sunday. As in cron, when both day fields are
// restricted a day matching either one fires. @hourly, @daily, @weekly,
// @monthly and @yearly stand for their usual expressions.
type Schedule struct {
	text string
	spec *robfig.SpecSchedule
}

var parser = robfig.NewParser(robfig.Minute | robfig.Hour | robfig.Dom | robfig.Month | robfig.Dow | robfig.Descriptor)

// Parse reads a cron expression; an expression that can never fire
// (30 February) is an error.
func Parse(s string) (Schedule, error) {
	text := strings.TrimSpace(s)
	expr := text
	fields := strings.Fields(expr)
	switch {
	case strings.HasPrefix(expr, "@"):
		expr = strings.ToLower(expr)
	case len(fields) == 5 && !strings.Contains(expr, "="):
		// robfig/cron reads a TZ= prefix as a time zone; these
		// schedules are in UTC.
		fields[4] = sundayAsZero(fields[4])
		expr = strings.Join(fields, " ")
	default:
		return Schedule{}, fmt.Errorf("schedule %q: want five fields (minute hour day-of-month month day-of-week) or @daily, @weekly…", s)
	}
	parsed, err := parser.Parse(expr)
	if err != nil {
		return Schedule{}, fmt.Errorf("schedule %q: %w", s, err)
	}
	// @every gives a fixed interval, not a time of day.
	spec, ok := parsed.(*robfig.SpecSchedule)
	if !ok {
		return Schedule{}, fmt.Errorf("schedule %q: want five fields (minute hour day-of-month month day-of-week) or @daily, @weekly…", s)
	}
	spec.Location = time.UTC
	sched := Schedule{text: text, spec: spec}
	if sched.Next(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)).IsZero() {
		return Schedule{}, fmt.Errorf("schedule %q never fires", s)
	}
	return sched, nil
}

// sundayAsZero writes cron's other Sunday, 7, as the 0 robfig/cron knows:
// alone, or ending a range (5-7 is 5-6 and 0). A stepped range whose start
// is a name stays as written, and robfig/cron refuses it.
func sundayAsZero(field string) string {
	items := strings.Split(field, ",")
	for i, item := range items {
		span, step, stepped := strings.Cut(item, "/")
		from, to, isRange := strings.Cut(span, "-")
		switch {
		case span == "7" && !stepped:
			items[i] = "0"
		case isRange && to == "7" && !stepped:
			items[i] = from + "-6,0"
		case isRange && to == "7":
			start, err1 := strconv.Atoi(from)
			n, err2 := strconv.Atoi(step)
			if err1 != nil || err2 != nil || n < 1 {
				continue
			}
			items[i] = from + "-6/" + step
			if (7-start)%n == 0 {
				items[i] += ",0"
			}
		}
	}
	return strings.Join(items, ",")
}

func (s Schedule) String() string { return s.text }

// IsZero reports a Schedule that was never parsed: no schedule at all.
func (s Schedule) IsZero() bool { return s.spec == nil }

// Next returns the first activation after t; the zero time for the zero
// Schedule. It satisfies River's PeriodicSchedule.
func (s Schedule) Next(t time.Time) time.Time {
	if s.IsZero() {
		return time.Time{}
	}
	return s.spec.Next(t)
}

// FiresWithin reports whether the schedule has an activation in (from, to].
func (s Schedule) FiresWithin(from, to time.Time) bool {
	next := s.Next(from)
	return !next.IsZero() && !next.After(to)
}
