package plan

import (
	"fmt"
	"strings"
	"time"

	"patchbay/inventory"
)

// siteTimeLayout is the layout of site-local times in skip reasons, the
// same as that of window openings.
const siteTimeLayout = "Mon 2006-01-02 15:04 MST"

// RingOutcome is the result of a ring in a cycle.
type RingOutcome struct {
	Succeeded, Failed, Missed int
	// Finished is when the ring's last host finished.
	Finished time.Time
	// NewHolds lists holds set during or after the ring's deployment.
	NewHolds []string
	// HealthFailures lists the health checks that failed on the ring's
	// hosts after patching, as "host: check".
	HealthFailures []string
}

// Gate returns nil when ring may start in cycle at the instant at, or an
// error that names the criterion and the figure that failed. The first
// ring has no gate.
func Gate(inv *inventory.Inventory, ring, cycle string, at time.Time, hist History) error {
	return gate(inv, ring, cycle, at, hist, false)
}

// EmergencyGate is Gate for an emergency cycle, which waits for the
// earlier ring's emergency soak instead of its monthly soak.
func EmergencyGate(inv *inventory.Inventory, ring, cycle string, at time.Time, hist History) error {
	return gate(inv, ring, cycle, at, hist, true)
}

func gate(inv *inventory.Inventory, ring, cycle string, at time.Time, hist History, emergency bool) error {
	prev := previousRing(inv, ring)
	if prev == nil {
		return nil
	}
	var out RingOutcome
	ok := false
	if hist != nil {
		out, ok = hist.RingOutcome(cycle, prev.Name)
	}
	if !ok {
		return fmt.Errorf("ring %s has no results in cycle %s yet", prev.Name, cycle)
	}
	return checkGate(prev, out, at, emergency, ringZones(inv, ring))
}

// checkGate checks the outcome of the previous ring at the instant at. It
// prints times in zones, the time zones of the gated ring's sites.
func checkGate(prev *inventory.Ring, out RingOutcome, at time.Time, emergency bool, zones []*time.Location) error {
	reachable := out.Succeeded + out.Failed
	if reachable == 0 {
		return fmt.Errorf("ring %s has no reachable host with a result", prev.Name)
	}
	share := float64(out.Succeeded) / float64(reachable)
	if share < prev.SuccessShare {
		return fmt.Errorf("success share of ring %s is %.0f %% (%d of %d reachable hosts), below the %.0f %% required",
			prev.Name, share*100, out.Succeeded, reachable, prev.SuccessShare*100)
	}
	if soakEnd := out.Finished.Add(Soak(prev, emergency)); at.Before(soakEnd) {
		return fmt.Errorf("%s of ring %s ends %s, %s from now", soakName(emergency), prev.Name, zonedTime(soakEnd, zones), soakEnd.Sub(at).Round(time.Minute))
	}
	if len(out.NewHolds) > 0 {
		return fmt.Errorf("new holds appeared during ring %s: %s", prev.Name, strings.Join(out.NewHolds, ", "))
	}
	if len(out.HealthFailures) > 0 {
		return fmt.Errorf("health checks failed on ring %s: %s", prev.Name, strings.Join(out.HealthFailures, "; "))
	}
	return nil
}

// ringZones returns the distinct time zones of the sites that have hosts
// in ring, in inventory order.
func ringZones(inv *inventory.Inventory, ring string) []*time.Location {
	var zones []*time.Location
	seen := map[string]bool{}
	for _, h := range inv.Hosts {
		site := inv.Site(h.Site)
		if h.Ring != ring || site == nil || site.TimeZone == nil || seen[site.TimeZone.String()] {
			continue
		}
		seen[site.TimeZone.String()] = true
		zones = append(zones, site.TimeZone)
	}
	return zones
}

// zonedTime formats t in the first of zones, as window openings are
// printed, and adds the clock time in each other zone in brackets. It
// uses UTC when zones is empty.
func zonedTime(t time.Time, zones []*time.Location) string {
	if len(zones) == 0 {
		return t.UTC().Format(siteTimeLayout)
	}
	text := t.In(zones[0]).Format(siteTimeLayout)
	var others []string
	for _, z := range zones[1:] {
		others = append(others, t.In(z).Format("15:04 MST"))
	}
	if len(others) > 0 {
		text += " (" + strings.Join(others, ", ") + ")"
	}
	return text
}

// previousRing returns the ring before ring in deployment order, or nil.
func previousRing(inv *inventory.Inventory, ring string) *inventory.Ring {
	for i, r := range inv.Rings {
		if r.Name == ring && i > 0 {
			return inv.Rings[i-1]
		}
	}
	return nil
}

// PreviousRing returns the name of the ring before ring, or "".
func PreviousRing(inv *inventory.Inventory, ring string) string {
	if r := previousRing(inv, ring); r != nil {
		return r.Name
	}
	return ""
}

// gateSkip checks the gate of the host's ring. When the earlier ring is in
// the same plan, the runner checks the gate after that ring finishes, so
// the host is not skipped here.
func gateSkip(inv *inventory.Inventory, h *inventory.Host, opts Options, rings map[string]bool, gates map[string]string) *Skip {
	if opts.Overrides.Gate != "" {
		return nil
	}
	if prev := PreviousRing(inv, h.Ring); prev != "" && rings[prev] {
		return nil
	}
	err := gate(inv, h.Ring, opts.Cycle, opts.At, opts.History, opts.Emergency != nil)
	if err == nil {
		return nil
	}
	gates[h.Ring] = err.Error()
	return &Skip{Reason: ReasonGate, Detail: fmt.Sprintf("gate of ring %s not passed: %v", h.Ring, err)}
}

func soakName(emergency bool) string {
	if emergency {
		return "emergency soak"
	}
	return "soak"
}
