// Package schedule is patchbay's calendar arithmetic: maintenance windows in
// site-local time, the monthly release instant, ring schedules and the cycle
// phase at an instant. It has no notion of hosts or YAML, because the
// inventory package turns its text into these types.
//
// Daylight saving time is handled by one rule, applied everywhere a
// site-local wall clock becomes an instant:
//
//   - A wall clock that does not exist (inside a spring-forward gap) resolves
//     to the first instant after the gap. A window that starts at 02:30 on
//     the night the clocks jump from 02:00 to 03:00 opens at 03:00, so it
//     is shorter by the gap but keeps its close time.
//   - A wall clock that exists twice (inside a fall-back overlap) resolves to
//     the earlier instant. A window that ends at 01:30 on that night closes
//     at the first 01:30, which errs on the side of a shorter window.
package schedule

import (
	"fmt"
	"strings"
	"time"
)

// Clock is a wall-clock time of day in minutes after midnight, 0 to 1440.
// 1440 is only valid as a window end and means midnight at the end of the
// day ("24:00").
type Clock int

// ParseClock parses "HH:MM" in 24-hour notation; "24:00" is allowed.
func ParseClock(s string) (Clock, error) {
	var h, m int
	if len(s) != 5 || s[2] != ':' {
		return 0, fmt.Errorf("invalid time of day %q: write it as HH:MM, for example 22:00", s)
	}
	if _, err := fmt.Sscanf(s, "%02d:%02d", &h, &m); err != nil {
		return 0, fmt.Errorf("invalid time of day %q: write it as HH:MM, for example 22:00", s)
	}
	if h > 24 || m > 59 || (h == 24 && m != 0) {
		return 0, fmt.Errorf("invalid time of day %q: hours run 00 to 23 and minutes 00 to 59 (24:00 means end of day)", s)
	}
	return Clock(h*60 + m), nil
}

// String formats c as HH:MM.
func (c Clock) String() string { return fmt.Sprintf("%02d:%02d", int(c)/60, int(c)%60) }

// Weekdays is a set of days of the week, bit i set for time.Weekday(i).
type Weekdays uint8

// Has reports whether d is in the set.
func (w Weekdays) Has(d time.Weekday) bool { return w&(1<<uint(d)) != 0 }

var dayNames = []string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// ParseWeekdays parses a day set such as "mon-fri", "sat,sun", "fri-mon"
// (a range may wrap past Sunday) or "daily".
func ParseWeekdays(s string) (Weekdays, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if s == "daily" {
		return 0x7f, nil
	}
	var set Weekdays
	for _, part := range strings.Split(s, ",") {
		days, err := parseDayRange(strings.TrimSpace(part))
		if err != nil {
			return 0, fmt.Errorf("invalid day set %q: %w", s, err)
		}
		set |= days
	}
	return set, nil
}

func parseDayRange(s string) (Weekdays, error) {
	from, to, isRange := strings.Cut(s, "-")
	first, ok := dayIndex(from)
	if !ok {
		return 0, fmt.Errorf("unknown day %q: use mon, tue, wed, thu, fri, sat, sun, a range such as mon-fri, or daily", from)
	}
	last := first
	if isRange {
		if last, ok = dayIndex(to); !ok {
			return 0, fmt.Errorf("unknown day %q: use mon, tue, wed, thu, fri, sat, sun", to)
		}
	}
	var set Weekdays
	for d := first; ; d = (d + 1) % 7 {
		set |= 1 << uint(d)
		if d == last {
			return set, nil
		}
	}
}

func dayIndex(s string) (int, bool) {
	for i, name := range dayNames {
		if s == name {
			return i, true
		}
	}
	return 0, false
}

// String formats the set as comma-separated day names, Monday first.
func (w Weekdays) String() string {
	if w == 0x7f {
		return "daily"
	}
	var names []string
	for i := 1; i <= 7; i++ {
		if w.Has(time.Weekday(i % 7)) {
			names = append(names, dayNames[i%7])
		}
	}
	return strings.Join(names, ",")
}

// Window is a recurring maintenance window in site-local time. It starts on
// each day in Days at Start and ends at End. An End at or before Start means
// that the window crosses midnight and ends on the next day. A window
// belongs to the day it starts on, so "fri 22:00-05:00" is Friday's window
// and ends early on Saturday.
type Window struct {
	Days  Weekdays
	Start Clock
	End   Clock
}

// String formats w as "mon,tue 22:00-05:00".
func (w Window) String() string {
	return fmt.Sprintf("%s %s-%s", w.Days, w.Start, w.End)
}

// Duration returns the length of the window on a day without a DST change.
func (w Window) Duration() time.Duration {
	end := w.End
	if end <= w.Start {
		end += 1440
	}
	return time.Duration(end-w.Start) * time.Minute
}

// ParseWindow parses a window written as "DAYS HH:MM-HH:MM", for example
// "mon-fri 22:00-05:00" or "sat,sun 00:00-24:00". A window whose start
// equals its end is rejected as empty.
func ParseWindow(s string) (Window, error) {
	days, span, ok := strings.Cut(strings.TrimSpace(s), " ")
	start, end, ok2 := strings.Cut(strings.TrimSpace(span), "-")
	if !ok || !ok2 {
		return Window{}, fmt.Errorf("invalid window %q: write days and times, for example \"mon-fri 22:00-05:00\"", s)
	}
	var w Window
	var err error
	if w.Days, err = ParseWeekdays(days); err != nil {
		return Window{}, err
	}
	if w.Start, err = ParseClock(strings.TrimSpace(start)); err != nil {
		return Window{}, err
	}
	if w.End, err = ParseClock(strings.TrimSpace(end)); err != nil {
		return Window{}, err
	}
	if w.Start == 1440 {
		return Window{}, fmt.Errorf("invalid window %q: a window cannot start at 24:00; start it at 00:00 on the next day", s)
	}
	if w.Start == w.End {
		return Window{}, fmt.Errorf("empty window %q: the start and end are both %s; give different times", s, w.Start)
	}
	return w, nil
}
