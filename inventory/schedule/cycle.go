package schedule

import (
	"fmt"
	"time"
)

// releaseZone is the zone of Microsoft's monthly release time.
var releaseZone = mustLoad("America/Los_Angeles")

func mustLoad(name string) *time.Location {
	loc, err := time.LoadLocation(name)
	if err != nil {
		panic(fmt.Sprintf("load time zone %s: %v", name, err)) // time/tzdata is embedded
	}
	return loc
}

// ReleaseHour is the local hour in America/Los_Angeles at which Microsoft
// publishes the monthly security updates.
const ReleaseHour = 10

// Release returns the monthly release instant of the given month: the
// second Tuesday at 10:00 America/Los_Angeles ("Patch Tuesday").
func Release(year int, month time.Month) time.Time {
	first := time.Date(year, month, 1, ReleaseHour, 0, 0, 0, releaseZone)
	offset := (int(time.Tuesday) - int(first.Weekday()) + 7) % 7
	return first.AddDate(0, 0, offset+7)
}

// LatestRelease returns the last monthly release at or before t.
func LatestRelease(t time.Time) time.Time {
	local := t.In(releaseZone)
	r := Release(local.Year(), local.Month())
	if r.After(t) {
		r = Release(local.Year(), local.Month()-1)
	}
	return r
}

// RingTiming is the schedule part of a deployment ring.
type RingTiming struct {
	Name string
	// Delay is the wait after the release (first ring) or after the
	// previous ring's soak (later rings).
	Delay time.Duration
	// Deploy is the time allowed for the deployment.
	Deploy time.Duration
	// Soak is the validation time after the deployment.
	Soak time.Duration
	// EmergencySoak replaces Soak in an emergency.
	EmergencySoak time.Duration
}

// Slot is when one ring runs in a cycle. The ring may start at Start (its
// gate permitting), its deployment is due by DeployEnd, and its soak ends
// at SoakEnd, when the next ring's gate can pass.
type Slot struct {
	Ring      string
	Start     time.Time
	DeployEnd time.Time
	SoakEnd   time.Time
}

// Schedule returns the slots of rings for a cycle that starts at start: the
// monthly release, or the moment an emergency is declared. In an emergency
// the rings start without their delays and soak for EmergencySoak.
func Schedule(start time.Time, rings []RingTiming, emergency bool) []Slot {
	slots := make([]Slot, 0, len(rings))
	at := start
	for _, r := range rings {
		delay, soak := r.Delay, r.Soak
		if emergency {
			delay, soak = 0, r.EmergencySoak
		}
		s := Slot{Ring: r.Name, Start: at.Add(delay)}
		s.DeployEnd = s.Start.Add(r.Deploy)
		s.SoakEnd = s.DeployEnd.Add(soak)
		slots = append(slots, s)
		at = s.SoakEnd
	}
	return slots
}

// Stage is a part of the monthly cycle.
type Stage string

// Stages of a cycle, in order.
const (
	StageWaiting   Stage = "waiting"   // released, before the ring's start
	StageDeploying Stage = "deploying" // the ring's deployment time
	StageSoaking   Stage = "soaking"   // the ring's validation time
	StageReporting Stage = "reporting" // every ring done; reports and exception reviews until the next release
)

// Phase is the state of a cycle at an instant.
type Phase struct {
	Stage Stage
	// Ring is the ring the stage belongs to; empty for StageReporting.
	Ring string
	// Release is the monthly release that started the cycle.
	Release time.Time
	// Until is when the stage ends.
	Until time.Time
}

// String describes the phase, such as "test deploying" or "reporting".
func (p Phase) String() string {
	if p.Ring == "" {
		return string(p.Stage)
	}
	return p.Ring + " " + string(p.Stage)
}

// PhaseAt returns the phase of the monthly cycle at t for the given rings.
func PhaseAt(t time.Time, rings []RingTiming) Phase {
	release := LatestRelease(t)
	for _, s := range Schedule(release, rings, false) {
		switch {
		case t.Before(s.Start):
			return Phase{Stage: StageWaiting, Ring: s.Ring, Release: release, Until: s.Start}
		case t.Before(s.DeployEnd):
			return Phase{Stage: StageDeploying, Ring: s.Ring, Release: release, Until: s.DeployEnd}
		case t.Before(s.SoakEnd):
			return Phase{Stage: StageSoaking, Ring: s.Ring, Release: release, Until: s.SoakEnd}
		}
	}
	local := release.In(releaseZone)
	next := Release(local.Year(), local.Month()+1)
	return Phase{Stage: StageReporting, Release: release, Until: next}
}
