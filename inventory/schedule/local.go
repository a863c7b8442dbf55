package schedule

import (
	"time"

	_ "time/tzdata" // site time zones must resolve on hosts without a zoneinfo database
)

// At returns the instant at which the wall clock in loc shows the given
// date and clock, following the package's DST rule: a wall clock inside a
// gap resolves to the end of the gap, and one inside an overlap to the
// earlier instant. The clock may be 1440, meaning midnight at the end of
// the day.
func At(year int, month time.Month, day int, clock Clock, loc *time.Location) time.Time {
	wall := time.Date(year, month, day, 0, int(clock), 0, 0, time.UTC)
	var best time.Time
	for _, offset := range nearbyOffsets(wall, loc) {
		t := wall.Add(-time.Duration(offset) * time.Second)
		if sameWall(t.In(loc), wall) && (best.IsZero() || t.Before(best)) {
			best = t
		}
	}
	if !best.IsZero() {
		return best.In(loc)
	}
	return gapEnd(wall, loc)
}

// nearbyOffsets returns the UTC offsets, in seconds, that loc uses a day
// before, at and a day after the wall clock.
// NOTE: a zone that changed its offset twice within one day of the wall
// clock would need more candidates; the New York and Los Angeles rules
// tested here change at most twice a year.
func nearbyOffsets(wall time.Time, loc *time.Location) []int {
	var offsets []int
	for _, shift := range []time.Duration{-24 * time.Hour, 0, 24 * time.Hour} {
		_, offset := wall.Add(shift).In(loc).Zone()
		offsets = append(offsets, offset)
	}
	return offsets
}

func sameWall(t, wall time.Time) bool {
	y, m, d := t.Date()
	wy, wm, wd := wall.Date()
	return y == wy && m == wm && d == wd && t.Hour() == wall.Hour() && t.Minute() == wall.Minute()
}

// gapEnd returns the first instant after the DST gap that contains the
// wall clock: the instant the zone's later offset starts.
func gapEnd(wall time.Time, loc *time.Location) time.Time {
	_, before := wall.Add(-24 * time.Hour).In(loc).Zone()
	// Read with the offset in force before the gap, the wall clock lands
	// after the transition, inside the zone period that starts at the gap's
	// end.
	t := wall.Add(-time.Duration(before) * time.Second).In(loc)
	start, _ := t.ZoneBounds()
	if start.IsZero() {
		return t
	}
	return start.In(loc)
}
