package bump

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Schedule is a cron expression of five fields (minute, hour, day of month,
// month, day of week), read in UTC. Fields take *, numbers, ranges (1-5),
// steps (*/15, 0-30/10), lists (1,15) and the names jan…dec and sun…sat; the
// day of week counts 0 or 7 as Sunday. As in cron, when both day fields are
// restricted a day matching either one fires. @hourly, @daily, @weekly,
// @monthly and @yearly stand for their usual expressions.
//
// No cron library is among the module's dependencies, and the server's
// schedule and a policy's schedule need the same reading.
type Schedule struct {
	text                          string
	minute, hour, dom, month, dow uint64 // bit n set: value n fires
	domAny, dowAny                bool   // the field is *
}

var scheduleMacros = map[string]string{
	"@hourly": "0 * * * *", "@daily": "0 0 * * *", "@weekly": "0 0 * * 0",
	"@monthly": "0 0 1 * *", "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *",
}

type cronField struct {
	name     string
	min, max int
	names    []string // names[i] stands for min+i
}

var cronFields = [5]cronField{
	{"minute", 0, 59, nil},
	{"hour", 0, 23, nil},
	{"day of month", 1, 31, nil},
	{"month", 1, 12, []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}},
	{"day of week", 0, 7, []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}},
}

// scheduleHorizon bounds the search for the next activation: every valid
// expression fires within it (29 February comes every four years).
const scheduleHorizon = 5

// ParseSchedule reads a cron expression; an expression that can never fire
// (30 February) is an error.
func ParseSchedule(s string) (Schedule, error) {
	text := strings.TrimSpace(s)
	expr := text
	if m, ok := scheduleMacros[strings.ToLower(expr)]; ok {
		expr = m
	}
	parts := strings.Fields(expr)
	if len(parts) != len(cronFields) {
		return Schedule{}, fmt.Errorf("schedule %q: want five fields (minute hour day-of-month month day-of-week) or @daily, @weekly…", s)
	}
	sched := Schedule{text: text, domAny: parts[2] == "*", dowAny: parts[4] == "*"}
	dst := []*uint64{&sched.minute, &sched.hour, &sched.dom, &sched.month, &sched.dow}
	for i, part := range parts {
		bits, err := cronFields[i].parse(part)
		if err != nil {
			return Schedule{}, fmt.Errorf("schedule %q: %w", s, err)
		}
		*dst[i] = bits
	}
	if sched.dow&(1<<7) != 0 {
		sched.dow |= 1 // 7 is Sunday too
	}
	if sched.Next(time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)).IsZero() {
		return Schedule{}, fmt.Errorf("schedule %q never fires", s)
	}
	return sched, nil
}

func (f cronField) parse(s string) (uint64, error) {
	var bits uint64
	for item := range strings.SplitSeq(s, ",") {
		span, stepText, stepped := strings.Cut(item, "/")
		step := 1
		if stepped {
			n, err := strconv.Atoi(stepText)
			if err != nil || n < 1 {
				return 0, fmt.Errorf("%s: bad step %q", f.name, stepText)
			}
			step = n
		}
		lo, hi := f.min, f.max
		if span != "*" {
			from, to, isRange := strings.Cut(span, "-")
			var err error
			if lo, err = f.value(from); err != nil {
				return 0, err
			}
			hi = lo
			if isRange {
				if hi, err = f.value(to); err != nil {
					return 0, err
				}
			} else if stepped {
				hi = f.max // 5/15 means from 5 on, every 15
			}
			if hi < lo {
				return 0, fmt.Errorf("%s: range %q runs backwards", f.name, span)
			}
		}
		for v := lo; v <= hi; v += step {
			bits |= 1 << v
		}
	}
	return bits, nil
}

func (f cronField) value(s string) (int, error) {
	for i, name := range f.names {
		if strings.EqualFold(s, name) {
			return f.min + i, nil
		}
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < f.min || n > f.max {
		return 0, fmt.Errorf("%s: %q is not a value from %d to %d", f.name, s, f.min, f.max)
	}
	return n, nil
}

func (s Schedule) String() string { return s.text }

// IsZero reports a Schedule that was never parsed: no schedule at all.
func (s Schedule) IsZero() bool { return s.text == "" }

// Next returns the first activation after t, in UTC; the zero time for the
// zero Schedule. It satisfies River's PeriodicSchedule.
func (s Schedule) Next(t time.Time) time.Time {
	if s.IsZero() {
		return time.Time{}
	}
	t = t.UTC().Truncate(time.Minute).Add(time.Minute)
	limit := t.AddDate(scheduleHorizon, 0, 0)
	for t.Before(limit) {
		switch {
		case !bitSet(s.month, int(t.Month())):
			t = time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, time.UTC)
		case !s.dayMatches(t):
			t = time.Date(t.Year(), t.Month(), t.Day()+1, 0, 0, 0, 0, time.UTC)
		case !bitSet(s.hour, t.Hour()):
			t = t.Truncate(time.Hour).Add(time.Hour)
		case !bitSet(s.minute, t.Minute()):
			t = t.Add(time.Minute)
		default:
			return t
		}
	}
	return time.Time{}
}

// FiresWithin reports whether the schedule has an activation in (from, to].
func (s Schedule) FiresWithin(from, to time.Time) bool {
	next := s.Next(from)
	return !next.IsZero() && !next.After(to)
}

func (s Schedule) dayMatches(t time.Time) bool {
	dom, dow := bitSet(s.dom, t.Day()), bitSet(s.dow, int(t.Weekday()))
	if s.domAny || s.dowAny {
		return dom && dow
	}
	return dom || dow
}

func bitSet(bits uint64, v int) bool { return bits&(1<<v) != 0 }
