package tui

import (
	"slices"
	"strings"
	"time"

	"patchbay/inventory"
	"patchbay/inventory/schedule"
	"patchbay/state/event"
	"patchbay/state/exposure"
	"patchbay/state/hoststate"
)

// siteSummary is one row of the fleet screen's site list.
type siteSummary struct {
	site *inventory.Site
	// patched and patchable give the coverage: hosts outside exceptions
	// that reached done in the current cycle, over all such hosts.
	patched, patchable int
	window             string // "open, closes 05:00" or "opens in 3 h 20 m"
	windowOpen         bool
	phase              string
	failed             int
	reboots            int
	overdueReviews     int
	exposedHosts       int
}

// hostRow is one host line of the fleet screen.
type hostRow struct {
	group    string // ring name, "exception zone" or "medical devices"
	name     string
	platform string
	ring     string
	state    string
	build    string
	lastRun  string
	reboot   bool
	exposure int // known-exploited CVEs the host is or may be exposed to
	excepted bool
	device   bool
}

// cycleID names the monthly cycle at t, as the run command does.
func cycleID(t time.Time) string {
	return schedule.LatestRelease(t).Format("2006-01")
}

// summarizeSites computes the site list of the fleet screen at now.
func summarizeSites(f *Fleet, now time.Time) []siteSummary {
	inv := f.Inventory
	phase := schedule.PhaseAt(now, inv.RingTimings()).String()
	exposed := exposedCVEs(f.Findings)
	cycle := cycleID(now)
	out := make([]siteSummary, 0, len(inv.Sites))
	for _, site := range inv.Sites {
		s := siteSummary{site: site, phase: phase}
		s.window, s.windowOpen = windowText(site, now)
		s.overdueReviews = overdueReviews(inv, site, now)
		for _, h := range inv.HostsOf(site.ID) {
			s.count(inv, h, hostState(f, h.Name), cycle, len(exposed[h.Name]))
		}
		out = append(out, s)
	}
	return out
}

func (s *siteSummary) count(inv *inventory.Inventory, h *inventory.Host, st *hoststate.Host, cycle string, cves int) {
	if len(inv.ExceptionsFor(h.Name)) == 0 {
		s.patchable++
		if st != nil && !st.LastPatched[cycle].IsZero() {
			s.patched++
		}
	}
	if cves > 0 {
		s.exposedHosts++
	}
	if st == nil {
		return
	}
	if st.Phase == event.PhaseFailed {
		s.failed++
	}
	if st.PendingReboot || st.Phase == event.PhaseRebootPending {
		s.reboots++
	}
}

// coverage returns the share of patchable hosts patched this cycle, in
// whole percent, or -1 when the site has none.
func (s siteSummary) coverage() int {
	if s.patchable == 0 {
		return -1
	}
	return s.patched * 100 / s.patchable
}

func hostState(f *Fleet, name string) *hoststate.Host {
	if f.State == nil {
		return nil
	}
	return f.State.Hosts[name]
}

// windowText describes the site's maintenance window at now in site-local
// time.
func windowText(site *inventory.Site, now time.Time) (string, bool) {
	if iv, ok := schedule.OpenAt(site.Windows, site.TimeZone, now); ok {
		return "open, closes " + iv.End.In(site.TimeZone).Format("15:04"), true
	}
	if next, ok := schedule.NextOpen(site.Windows, site.TimeZone, now); ok {
		return "opens in " + span(next.Start.Sub(now)), false
	}
	return "no window", false
}

func overdueReviews(inv *inventory.Inventory, site *inventory.Site, now time.Time) int {
	today := inventory.DateOf(now.In(site.TimeZone))
	n := 0
	for _, e := range inv.Exceptions {
		if e.ReviewBy.Before(today) && exceptionAtSite(inv, e, site.ID) {
			n++
		}
	}
	return n
}

func exceptionAtSite(inv *inventory.Inventory, e *inventory.Exception, siteID string) bool {
	return slices.ContainsFunc(e.Hosts, func(name string) bool {
		h := inv.Host(name)
		return h != nil && h.Site == siteID
	})
}

// exposedCVEs maps each host to the CVEs it is or may be exposed to.
func exposedCVEs(findings []exposure.Finding) map[string][]string {
	out := map[string][]string{}
	for _, f := range findings {
		if f.Status != exposure.StatusExposed && f.Status != exposure.StatusPossiblyExposed {
			continue
		}
		if !slices.Contains(out[f.Host], f.CVE) {
			out[f.Host] = append(out[f.Host], f.CVE)
		}
	}
	return out
}

// siteHosts returns the rows of a site: hosts by ring in ring order, then
// the excepted hosts, then the medical devices. Rows that do not contain
// filter (case-insensitive) in their name, platform, ring or state are
// left out.
func siteHosts(f *Fleet, siteID, filter string) []hostRow {
	inv := f.Inventory
	exposed := exposedCVEs(f.Findings)
	var rings, excepted []hostRow
	for _, h := range inv.HostsOf(siteID) {
		r := newHostRow(f, h, len(exposed[h.Name]))
		if r.excepted {
			excepted = append(excepted, r)
		} else {
			rings = append(rings, r)
		}
	}
	rank := func(ring string) int {
		for i, r := range inv.Rings {
			if r.Name == ring {
				return i
			}
		}
		return len(inv.Rings)
	}
	slices.SortStableFunc(rings, func(a, b hostRow) int { return rank(a.ring) - rank(b.ring) })
	rows := append(rings, excepted...)
	for _, d := range inv.DevicesOf(siteID) {
		rows = append(rows, hostRow{group: "medical devices", name: d.Name, platform: d.Model,
			state: "tracked only", build: d.Firmware, device: true})
	}
	return filterRows(rows, filter)
}

func newHostRow(f *Fleet, h *inventory.Host, cves int) hostRow {
	r := hostRow{group: h.Ring, name: h.Name, platform: string(h.Platform), ring: h.Ring,
		state: "unknown", exposure: cves}
	if ex := f.Inventory.ExceptionsFor(h.Name); len(ex) > 0 {
		r.group, r.excepted, r.state = "exception zone", true, "excepted ("+ex[0].ID+")"
	}
	st := hostState(f, h.Name)
	if st == nil {
		return r
	}
	if st.Phase != "" && !r.excepted {
		r.state = string(st.Phase)
	}
	r.build, r.lastRun = st.Build, st.LastRun
	r.reboot = st.PendingReboot || st.Phase == event.PhaseRebootPending
	return r
}

func filterRows(rows []hostRow, filter string) []hostRow {
	filter = strings.ToLower(strings.TrimSpace(filter))
	if filter == "" {
		return rows
	}
	var kept []hostRow
	for _, r := range rows {
		text := strings.ToLower(strings.Join([]string{r.name, r.platform, r.ring, r.state, r.group}, " "))
		if strings.Contains(text, filter) {
			kept = append(kept, r)
		}
	}
	return kept
}
