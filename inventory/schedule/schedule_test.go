package schedule

import (
	"testing"
	"time"
)

var newYork = mustLoad("America/New_York")

func mustWindow(t *testing.T, s string) Window {
	t.Helper()
	w, err := ParseWindow(s)
	if err != nil {
		t.Fatalf("ParseWindow(%q): %v", s, err)
	}
	return w
}

// ny returns a New York wall-clock instant; zone is "EST" or "EDT" and
// picks the offset explicitly, so that ambiguous wall clocks are exact.
func ny(t *testing.T, zone string, month time.Month, day, hour, minute int) time.Time {
	t.Helper()
	offset := -5
	if zone == "EDT" {
		offset = -4
	}
	return time.Date(2026, month, day, hour, minute, 0, 0, time.FixedZone(zone, offset*3600))
}

func TestAtDST(t *testing.T) {
	cases := []struct {
		name  string
		month time.Month
		day   int
		clock string
		want  time.Time
	}{
		{"before spring gap", time.March, 8, "01:59", ny(t, "EST", time.March, 8, 1, 59)},
		{"inside spring gap", time.March, 8, "02:30", ny(t, "EDT", time.March, 8, 3, 0)},
		{"after spring gap", time.March, 8, "03:00", ny(t, "EDT", time.March, 8, 3, 0)},
		{"inside fall overlap", time.November, 1, "01:30", ny(t, "EDT", time.November, 1, 1, 30)},
		{"after fall overlap", time.November, 1, "02:00", ny(t, "EST", time.November, 1, 2, 0)},
		{"end of day", time.March, 7, "24:00", ny(t, "EST", time.March, 8, 0, 0)},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clock, err := ParseClock(tc.clock)
			if err != nil {
				t.Fatal(err)
			}
			got := At(2026, tc.month, tc.day, clock, newYork)
			if !got.Equal(tc.want) {
				t.Errorf("At(%s) = %s, want %s", tc.clock, got, tc.want)
			}
		})
	}
}

func TestOpenAtAcrossDST(t *testing.T) {
	weeknights := []Window{{Days: 0x7f, Start: 22 * 60, End: 5 * 60}}
	cases := []struct {
		name     string
		windows  []Window
		at       time.Time
		open     bool
		start    time.Time
		end      time.Time
		ownerDay int // day of month the window belongs to
	}{
		{"spring change night, before midnight", weeknights, ny(t, "EST", time.March, 7, 23, 0), true,
			ny(t, "EST", time.March, 7, 22, 0), ny(t, "EDT", time.March, 8, 5, 0), 7},
		{"spring change night, after the gap", weeknights, ny(t, "EDT", time.March, 8, 4, 30), true,
			ny(t, "EST", time.March, 7, 22, 0), ny(t, "EDT", time.March, 8, 5, 0), 7},
		{"spring change morning, closed", weeknights, ny(t, "EDT", time.March, 8, 5, 0), false,
			time.Time{}, time.Time{}, 0},
		{"fall change night, second 01:30", weeknights, ny(t, "EST", time.November, 1, 1, 30), true,
			ny(t, "EDT", time.October, 31, 22, 0), ny(t, "EST", time.November, 1, 5, 0), 31},
		{"window starting in the gap", []Window{{Days: 1 << time.Sunday, Start: 2*60 + 30, End: 4 * 60}},
			ny(t, "EDT", time.March, 8, 3, 15), true,
			ny(t, "EDT", time.March, 8, 3, 0), ny(t, "EDT", time.March, 8, 4, 0), 8},
		{"window ending in the overlap", []Window{{Days: 1 << time.Sunday, Start: 0, End: 90}},
			ny(t, "EST", time.November, 1, 1, 10), false, time.Time{}, time.Time{}, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			iv, open := OpenAt(tc.windows, newYork, tc.at)
			if open != tc.open {
				t.Fatalf("OpenAt open = %v, want %v", open, tc.open)
			}
			if !open {
				return
			}
			if !iv.Start.Equal(tc.start) {
				t.Errorf("Start = %s, want %s", iv.Start, tc.start)
			}
			if !iv.End.Equal(tc.end) {
				t.Errorf("End = %s, want %s", iv.End, tc.end)
			}
			if iv.Day.Day() != tc.ownerDay {
				t.Errorf("Day = %s, want day %d", iv.Day, tc.ownerDay)
			}
		})
	}
}

func TestWindowDurationOnChangeNights(t *testing.T) {
	w := []Window{{Days: 1 << time.Saturday, Start: 22 * 60, End: 5 * 60}}
	cases := []struct {
		at   time.Time
		want time.Duration
	}{
		{ny(t, "EST", time.March, 7, 23, 0), 6 * time.Hour},
		{ny(t, "EDT", time.October, 31, 23, 0), 8 * time.Hour},
		{ny(t, "EST", time.January, 10, 23, 0), 7 * time.Hour},
	}
	for _, tc := range cases {
		iv, ok := OpenAt(w, newYork, tc.at)
		if !ok {
			t.Errorf("OpenAt(%s) closed, want open", tc.at)
			continue
		}
		if got := iv.End.Sub(iv.Start); got != tc.want {
			t.Errorf("window of %s lasts %s, want %s", iv.Day.Format(time.DateOnly), got, tc.want)
		}
	}
}

func TestFridayWindowBelongsToFriday(t *testing.T) {
	w := []Window{mustWindow(t, "mon-fri 22:00-05:00")}
	saturday := ny(t, "EST", time.December, 5, 4, 0)
	iv, ok := OpenAt(w, newYork, saturday)
	if !ok {
		t.Fatal("closed early on Saturday, want Friday's window open")
	}
	if got := iv.Day.Weekday(); got != time.Friday {
		t.Errorf("window day = %s, want Friday", got)
	}
	if got := TimeLeft(w, newYork, saturday); got != time.Hour {
		t.Errorf("TimeLeft = %s, want 1h", got)
	}
	next, ok := NextOpen(w, newYork, saturday)
	if !ok || !next.Start.Equal(ny(t, "EST", time.December, 7, 22, 0)) {
		t.Errorf("NextOpen = %s, want Monday 22:00", next.Start)
	}
}

func TestOpenAtJoinsAdjacentWindows(t *testing.T) {
	w := []Window{mustWindow(t, "fri 22:00-24:00"), mustWindow(t, "sat 00:00-06:00")}
	iv, ok := OpenAt(w, newYork, ny(t, "EST", time.December, 4, 23, 0))
	if !ok {
		t.Fatal("closed, want open")
	}
	if want := ny(t, "EST", time.December, 5, 6, 0); !iv.End.Equal(want) {
		t.Errorf("End = %s, want %s", iv.End, want)
	}
}

func TestParseWindowRejects(t *testing.T) {
	cases := map[string]string{
		"mon-fri 22:00-22:00": `empty window "mon-fri 22:00-22:00": the start and end are both 22:00; give different times`,
		"mon-fri 22:00":       `invalid window "mon-fri 22:00": write days and times, for example "mon-fri 22:00-05:00"`,
		"funday 22:00-05:00":  `invalid day set "funday": unknown day "funday": use mon, tue, wed, thu, fri, sat, sun, a range such as mon-fri, or daily`,
		"mon 25:00-05:00":     `invalid time of day "25:00": hours run 00 to 23 and minutes 00 to 59 (24:00 means end of day)`,
		"mon 24:00-05:00":     `invalid window "mon 24:00-05:00": a window cannot start at 24:00; start it at 00:00 on the next day`,
	}
	for in, want := range cases {
		_, err := ParseWindow(in)
		if err == nil || err.Error() != want {
			t.Errorf("ParseWindow(%q) error = %v, want %s", in, err, want)
		}
	}
}

func TestRelease(t *testing.T) {
	cases := []struct {
		year  int
		month time.Month
		want  time.Time
	}{
		{2024, time.February, time.Date(2024, 2, 13, 18, 0, 0, 0, time.UTC)},
		{2026, time.March, time.Date(2026, 3, 10, 17, 0, 0, 0, time.UTC)}, // after the DST change
		{2026, time.November, time.Date(2026, 11, 10, 18, 0, 0, 0, time.UTC)},
		{2026, time.December, time.Date(2026, 12, 8, 18, 0, 0, 0, time.UTC)},
		{2027, time.January, time.Date(2027, 1, 12, 18, 0, 0, 0, time.UTC)},
	}
	for _, tc := range cases {
		if got := Release(tc.year, tc.month); !got.Equal(tc.want) {
			t.Errorf("Release(%d, %s) = %s, want %s", tc.year, tc.month, got.UTC(), tc.want)
		}
	}
}

var defaultRings = []RingTiming{
	{Name: "test", Delay: 24 * time.Hour, Deploy: 24 * time.Hour, Soak: 48 * time.Hour, EmergencySoak: 4 * time.Hour},
	{Name: "production", Deploy: 72 * time.Hour},
}

func TestPhaseAt(t *testing.T) {
	utc := func(month time.Month, day, hour int) time.Time {
		return time.Date(2026, month, day, hour, 0, 0, 0, time.UTC)
	}
	cases := []struct {
		at    time.Time
		want  string
		until time.Time
	}{
		{utc(time.December, 4, 16), "reporting", utc(time.December, 8, 18)},
		{utc(time.December, 8, 19), "test waiting", utc(time.December, 9, 18)},
		{utc(time.December, 10, 0), "test deploying", utc(time.December, 10, 18)},
		{utc(time.December, 11, 0), "test soaking", utc(time.December, 12, 18)},
		{utc(time.December, 12, 18), "production deploying", utc(time.December, 15, 18)},
		{utc(time.December, 20, 0), "reporting", time.Date(2027, 1, 12, 18, 0, 0, 0, time.UTC)},
	}
	for _, tc := range cases {
		p := PhaseAt(tc.at, defaultRings)
		if p.String() != tc.want {
			t.Errorf("PhaseAt(%s) = %s, want %s", tc.at, p, tc.want)
		}
		if !p.Until.Equal(tc.until) {
			t.Errorf("PhaseAt(%s) until %s, want %s", tc.at, p.Until.UTC(), tc.until)
		}
	}
}

func TestScheduleEmergency(t *testing.T) {
	declared := time.Date(2026, 12, 4, 23, 0, 0, 0, time.UTC)
	slots := Schedule(declared, defaultRings, true)
	if !slots[0].Start.Equal(declared) {
		t.Errorf("test starts %s, want at declaration %s", slots[0].Start, declared)
	}
	if want := declared.Add(28 * time.Hour); !slots[1].Start.Equal(want) {
		t.Errorf("production starts %s, want %s (deploy 24h + emergency soak 4h)", slots[1].Start, want)
	}
}

func TestNextOpenJoinsWeekend(t *testing.T) {
	w := []Window{mustWindow(t, "mon-fri 21:00-06:00"), mustWindow(t, "sat,sun 00:00-24:00")}
	next, ok := NextOpen(w, newYork, ny(t, "EST", time.December, 4, 12, 0))
	if !ok {
		t.Fatal("no next window")
	}
	// Friday night runs into Saturday and Sunday, and Sunday's window ends
	// at midnight because the weeknight windows start on Monday evening.
	if want := ny(t, "EST", time.December, 7, 0, 0); !next.End.Equal(want) {
		t.Errorf("next window ends %s, want Monday 00:00 (%s)", next.End, want)
	}
}
