package schedule

import (
	"time"
)

// Interval is one occurrence of a window, as instants.
type Interval struct {
	Start time.Time
	End   time.Time
	// Day is the site-local date the window belongs to: the day it starts,
	// so Friday 22:00-05:00 belongs to Friday.
	Day time.Time
	// Window is the recurring window this occurrence comes from.
	Window Window
}

// Contains reports whether t is in [Start, End).
func (iv Interval) Contains(t time.Time) bool {
	return !t.Before(iv.Start) && t.Before(iv.End)
}

// occurrence returns the occurrence of w that starts on the site-local date
// of day, and false when w does not run on that weekday or the occurrence
// is empty after DST resolution.
func occurrence(w Window, day time.Time, loc *time.Location) (Interval, bool) {
	y, m, d := day.Date()
	if !w.Days.Has(time.Date(y, m, d, 12, 0, 0, 0, time.UTC).Weekday()) {
		return Interval{}, false
	}
	start := At(y, m, d, w.Start, loc)
	endDay := d
	if w.End <= w.Start {
		endDay++
	}
	end := At(y, m, endDay, w.End, loc)
	if !end.After(start) {
		return Interval{}, false
	}
	return Interval{Start: start, End: end, Day: time.Date(y, m, d, 0, 0, 0, 0, loc), Window: w}, true
}

// Occurrences returns the occurrences of windows that overlap [from, to),
// ordered by start. Overlapping occurrences are returned separately.
func Occurrences(windows []Window, loc *time.Location, from, to time.Time) []Interval {
	var out []Interval
	// Days are walked as UTC noons, which never fall into a DST gap, from
	// the day before from (whose window may cross midnight) to to's day.
	fy, fm, fd := from.In(loc).Date()
	ty, tm, td := to.In(loc).Date()
	last := time.Date(ty, tm, td, 12, 0, 0, 0, time.UTC)
	for day := time.Date(fy, fm, fd-1, 12, 0, 0, 0, time.UTC); !day.After(last); day = day.AddDate(0, 0, 1) {
		for _, w := range windows {
			iv, ok := occurrence(w, day, loc)
			if ok && iv.End.After(from) && iv.Start.Before(to) {
				out = append(out, iv)
			}
		}
	}
	sortIntervals(out)
	return out
}

func sortIntervals(list []Interval) {
	for i := 1; i < len(list); i++ {
		for j := i; j > 0 && list[j].Start.Before(list[j-1].Start); j-- {
			list[j], list[j-1] = list[j-1], list[j]
		}
	}
}

// OpenAt returns the window occurrence open at t and true, or false when
// every window is closed. When occurrences overlap, it returns the one that
// closes last, and its End is extended over any occurrence that continues
// it without a gap, so End is when maintenance must stop.
func OpenAt(windows []Window, loc *time.Location, t time.Time) (Interval, bool) {
	// Eight days cover a window that started the day before t and chains
	// into the following week's occurrences.
	list := Occurrences(windows, loc, t.Add(-48*time.Hour), t.Add(8*24*time.Hour))
	var open Interval
	found := false
	for _, iv := range list {
		if iv.Contains(t) && (!found || iv.End.After(open.End)) {
			open, found = iv, true
		}
	}
	if !found {
		return Interval{}, false
	}
	for _, iv := range list {
		if !iv.Start.After(open.End) && iv.End.After(open.End) {
			open.End = iv.End
		}
	}
	return open, true
}

// NextOpen returns the first occurrence that starts after t, searching up
// to 400 days ahead, and false when there is none (no windows). As in
// OpenAt, End extends over occurrences that continue it without a gap.
func NextOpen(windows []Window, loc *time.Location, t time.Time) (Interval, bool) {
	for from := t; from.Before(t.Add(400 * 24 * time.Hour)); from = from.Add(7 * 24 * time.Hour) {
		for _, iv := range Occurrences(windows, loc, from, from.Add(7*24*time.Hour)) {
			if iv.Start.After(t) {
				joined, _ := OpenAt(windows, loc, iv.Start)
				iv.End = joined.End
				return iv, true
			}
		}
	}
	return Interval{}, false
}

// TimeLeft returns how long the window open at t stays open, or 0 when
// none is open.
func TimeLeft(windows []Window, loc *time.Location, t time.Time) time.Duration {
	iv, ok := OpenAt(windows, loc, t)
	if !ok {
		return 0
	}
	return iv.End.Sub(t)
}
