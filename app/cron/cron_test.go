package cron

import (
	"testing"
	"time"
)

func TestScheduleNext(t *testing.T) {
	// 2026-03-04 is a Wednesday.
	from := time.Date(2026, 3, 4, 10, 17, 30, 0, time.UTC)
	cases := []struct{ expr, want string }{
		{"0 6 * * 1", "2026-03-09 06:00"},     // the default: Monday 06:00
		{"@weekly", "2026-03-08 00:00"},       // Sunday midnight
		{"*/15 * * * *", "2026-03-04 10:30"},  // steps
		{"5/20 10 * * *", "2026-03-04 10:25"}, // a start with a step runs to the end
		{"0 9-17 * * mon-fri", "2026-03-04 11:00"},
		{"0 0 1,15 * *", "2026-03-15 00:00"},
		{"0 0 * feb *", "2027-02-01 00:00"}, // month names
		{"30 4 1 * 0", "2026-03-08 04:30"},  // both day fields restricted: either fires
		{"0 0 * * 7", "2026-03-08 00:00"},   // 7 is Sunday
		{"0 0 29 2 *", "2028-02-29 00:00"},  // leap day, two years on
		{"17 10 * * *", "2026-03-05 10:17"}, // strictly after from
	}
	for _, tc := range cases {
		s, err := Parse(tc.expr)
		if err != nil {
			t.Errorf("%s: %v", tc.expr, err)
			continue
		}
		if got := s.Next(from).Format("2006-01-02 15:04"); got != tc.want {
			t.Errorf("%s: next after %s = %s, want %s", tc.expr, from.Format(time.DateTime), got, tc.want)
		}
	}
}

func TestScheduleInvalid(t *testing.T) {
	for _, expr := range []string{
		"", "weekly", "0 6 * *", "60 * * * *", "* 24 * * *", "0 0 0 * *", "0 0 * 13 *",
		"0 0 * * 8", "0 0 * * funday", "*/0 * * * *", "10-5 * * * *", "0 0 30 2 *",
		// robfig/cron would read a time zone, or a fixed interval.
		"TZ=x", "CRON_TZ=Europe/Paris 0 6 * * 1", "@every 1h",
	} {
		if _, err := Parse(expr); err == nil {
			t.Errorf("%q parsed, want an error", expr)
		}
	}
}

func TestScheduleSundayIsSevenToo(t *testing.T) {
	saturday := time.Date(2026, 3, 7, 12, 0, 0, 0, time.UTC)
	for _, expr := range []string{"0 0 * * 7", "0 0 * * 6-7", "0 0 * * sat-7", "0 0 * * 1-7/3", "0 0 * * 2,7"} {
		s, err := Parse(expr)
		if err != nil {
			t.Errorf("%s: %v", expr, err)
			continue
		}
		if got := s.Next(saturday).Format("2006-01-02 15:04"); got != "2026-03-08 00:00" {
			t.Errorf("%s: next after Saturday noon = %s, want Sunday midnight", expr, got)
		}
	}
	if s, err := Parse("0 0 * * 1-7/4"); err != nil || s.Next(saturday).Weekday() != time.Monday {
		t.Errorf("1-7/4 (Monday and Friday) fires on Sunday too: %v", err)
	}
}

func TestScheduleFiresWithin(t *testing.T) {
	monday := time.Date(2026, 3, 9, 6, 0, 0, 0, time.UTC)
	s, err := Parse("0 6 * * 1")
	if err != nil {
		t.Fatal(err)
	}
	if !s.FiresWithin(monday.Add(-time.Hour), monday) {
		t.Error("a schedule firing at the end of the window must count")
	}
	if s.FiresWithin(monday, monday.Add(time.Hour)) {
		t.Error("a schedule firing at the start of the window belongs to the window before")
	}
	if (Schedule{}).FiresWithin(monday.Add(-time.Hour), monday) || !(Schedule{}).IsZero() {
		t.Error("the zero schedule never fires")
	}
}
