package report

import (
	"fmt"
	"regexp"
	"strconv"
	"time"

	"patchbay/inventory"
	"patchbay/inventory/schedule"
	"patchbay/state/report/model"
)

// Quarter is a calendar quarter, such as 2026Q4.
type Quarter struct {
	Year int
	Q    int // 1 to 4
}

var quarterPattern = regexp.MustCompile(`^([0-9]{4})[Qq]([1-4])$`)

// ParseQuarter parses a quarter written as YYYYQN, for example 2026Q4.
func ParseQuarter(s string) (Quarter, error) {
	m := quarterPattern.FindStringSubmatch(s)
	if m == nil {
		return Quarter{}, fmt.Errorf("invalid quarter %q: write it as YYYYQN, for example 2026Q4", s)
	}
	year, _ := strconv.Atoi(m[1])
	q, _ := strconv.Atoi(m[2])
	return Quarter{Year: year, Q: q}, nil
}

// String formats q as YYYYQN.
func (q Quarter) String() string { return fmt.Sprintf("%dQ%d", q.Year, q.Q) }

// FirstMonth returns the quarter's first month.
func (q Quarter) FirstMonth() time.Month { return time.Month(3*(q.Q-1) + 1) }

// Bounds returns the quarter's first instant and the first instant after
// it, in loc.
func (q Quarter) Bounds(loc *time.Location) (start, end time.Time) {
	start = time.Date(q.Year, q.FirstMonth(), 1, 0, 0, 0, 0, loc)
	return start, start.AddDate(0, 3, 0)
}

// bounds is a quarter in one site's time zone.
type bounds struct{ start, end time.Time }

func (b bounds) contains(t time.Time) bool { return !t.Before(b.start) && t.Before(b.end) }

// productionEnd returns the end of the production phase of the cycle that
// release starts: the end of the last ring's deployment time in inv's
// ring schedule, or the release itself when inv has no rings.
func productionEnd(release time.Time, inv *inventory.Inventory) time.Time {
	if inv == nil || len(inv.Rings) == 0 {
		return release
	}
	slots := schedule.Schedule(release, inv.RingTimings(), false)
	return slots[len(slots)-1].DeployEnd
}

// months returns the quarter's three monthly measurements, using the ring
// schedule of the inventory in effect at each release.
func (b *builder) months() []model.Month {
	var out []model.Month
	for i := 0; i < 3; i++ {
		month := b.quarter.FirstMonth() + time.Month(i)
		release := schedule.Release(b.quarter.Year, month)
		inv := b.facts.snapshotAt(release)
		if inv == nil {
			inv = b.endInv
		}
		measured := productionEnd(release, inv)
		out = append(out, model.Month{
			Month:    fmt.Sprintf("%d-%02d", b.quarter.Year, month),
			Release:  release,
			Measured: measured,
			Pending:  measured.After(b.now),
		})
	}
	return out
}

// measuredRelease returns the latest monthly release whose production
// phase had ended by t, and when that phase ended.
func (b *builder) measuredRelease(t time.Time) (release, ended time.Time) {
	local := t.UTC()
	for k := 0; k < 4; k++ {
		month := time.Date(local.Year(), local.Month()-time.Month(k), 1, 0, 0, 0, 0, time.UTC)
		release = schedule.Release(month.Year(), month.Month())
		inv := b.facts.snapshotAt(release)
		if inv == nil {
			inv = b.endInv
		}
		if end := productionEnd(release, inv); !end.After(t) {
			return release, end
		}
	}
	return time.Time{}, time.Time{}
}
