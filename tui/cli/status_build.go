package cli

import (
	"context"
	"fmt"
	"slices"
	"time"

	"patchbay/inventory"
	"patchbay/inventory/schedule"
	"patchbay/state/emergency"
)

// buildStatus computes the status of every site (or only siteID) at at.
func buildStatus(ctx context.Context, inv *inventory.Inventory, source HostStateSource, at time.Time, siteID string) (statusReport, error) {
	j, err := readJournalState(ctx, inv, source)
	if err != nil {
		return statusReport{}, err
	}

	phase := schedule.PhaseAt(at, inv.RingTimings())
	report := statusReport{At: at, Phase: phaseJSON{
		Name: phase.String(), Stage: string(phase.Stage), Ring: phase.Ring, Release: phase.Release, Until: phase.Until,
	}}
	for _, run := range j.runs {
		if siteID == "" || slices.Contains(run.Sites, siteID) {
			report.UnfinishedRuns = append(report.UnfinishedRuns, run)
		}
	}
	for _, site := range inv.Sites {
		if siteID != "" && site.ID != siteID {
			continue
		}
		s := newSiteStatus(inv, site, at)
		s.RunnerHolds, s.HostStates = siteRunnerState(inv, site, j.holds, j.states)
		s.Emergencies = siteEmergencies(inv, site, j.emergencies, at)
		report.Sites = append(report.Sites, s)
	}
	return report, nil
}

// journalState is everything status reads from a HostStateSource.
type journalState struct {
	states      map[string]HostState
	holds       []RunnerHold
	runs        []UnfinishedRun
	emergencies []*emergency.Emergency
}

func readJournalState(ctx context.Context, inv *inventory.Inventory, source HostStateSource) (journalState, error) {
	var j journalState
	var err error
	if j.states, err = source.HostStates(ctx, inv); err != nil {
		return j, fmt.Errorf("read host state: %w", err)
	}
	if j.holds, err = source.RunnerHolds(ctx); err != nil {
		return j, fmt.Errorf("read runner holds: %w", err)
	}
	if j.runs, err = source.UnfinishedRuns(ctx); err != nil {
		return j, fmt.Errorf("read unfinished runs: %w", err)
	}
	if j.emergencies, err = source.OpenEmergencies(ctx); err != nil {
		return j, fmt.Errorf("read emergencies: %w", err)
	}
	return j, nil
}

// siteEmergencies returns the deadline clocks of the open emergencies
// that affect a host of the site.
func siteEmergencies(inv *inventory.Inventory, site *inventory.Site, list []*emergency.Emergency, at time.Time) []emergencyClock {
	var out []emergencyClock
	for _, e := range list {
		c := e.Clock(site.ID, site.TimeZone, siteHostNames(inv, site.ID), at)
		if c.Total == 0 {
			continue
		}
		out = append(out, emergencyClock{ID: e.ID, CVEs: e.CVEs, Deadline: c.Deadline, Remaining: remainingText(c.Remaining),
			Overdue: c.Overdue(), Patched: c.Patched, Total: c.Total})
	}
	return out
}

func newSiteStatus(inv *inventory.Inventory, site *inventory.Site, at time.Time) siteStatus {
	s := siteStatus{
		ID: site.ID, Name: site.Name, TimeZone: site.TimeZone.String(), Owner: site.Owner,
		Window:     siteWindow(site, at),
		Rings:      siteRings(inv, site),
		Exceptions: []exceptionStatus{}, Devices: []deviceStatus{}, Holds: []holdStatus{},
		RunnerHolds: []RunnerHold{},
		location:    site.TimeZone,
	}
	today := inventory.DateOf(at.In(site.TimeZone))
	for _, e := range siteExceptions(inv, site) {
		s.Exceptions = append(s.Exceptions, exceptionStatus{ID: e.ID, Hosts: e.Hosts, App: e.App, Owner: e.Owner,
			ReviewBy: e.ReviewBy.String(), Overdue: e.ReviewBy.Before(today)})
	}
	for _, d := range inv.DevicesOf(site.ID) {
		s.Devices = append(s.Devices, deviceStatus{Name: d.Name, Model: d.Model, Firmware: d.Firmware, Vendor: d.Vendor})
	}
	for _, h := range siteHolds(inv, site) {
		s.Holds = append(s.Holds, holdStatus{ID: h.ID, Kind: string(h.Kind), Item: holdItem(h), Scope: scopeText(h.Scope),
			Recheck: h.Recheck.String(), Overdue: h.Recheck.Before(today)})
	}
	return s
}

func siteWindow(site *inventory.Site, at time.Time) windowStatus {
	var w windowStatus
	if iv, ok := schedule.OpenAt(site.Windows, site.TimeZone, at); ok {
		w.Open, w.ClosesAt = true, iv.End.In(site.TimeZone)
	}
	if next, ok := schedule.NextOpen(site.Windows, site.TimeZone, at); ok {
		w.NextStart, w.NextEnd = next.Start.In(site.TimeZone), next.End.In(site.TimeZone)
	}
	return w
}

// siteRings returns the site's hosts by ring, in ring order, with excepted
// hosts (which are in no ring) last under "excepted".
func siteRings(inv *inventory.Inventory, site *inventory.Site) []ringHosts {
	hosts := inv.HostsOf(site.ID)
	var out []ringHosts
	for _, r := range inv.Rings {
		out = append(out, ringHosts{Ring: r.Name, Hosts: hostNames(hosts, r.Name)})
	}
	if excepted := hostNames(hosts, ""); len(excepted) > 0 {
		out = append(out, ringHosts{Ring: "excepted", Hosts: excepted})
	}
	return out
}

func hostNames(hosts []*inventory.Host, ring string) []string {
	names := []string{}
	for _, h := range hosts {
		if h.Ring == ring {
			names = append(names, h.Name)
		}
	}
	return names
}

// siteExceptions returns the exceptions that cover a host of the site.
func siteExceptions(inv *inventory.Inventory, site *inventory.Site) []*inventory.Exception {
	var out []*inventory.Exception
	for _, e := range inv.Exceptions {
		for _, name := range e.Hosts {
			if h := inv.Host(name); h != nil && h.Site == site.ID {
				out = append(out, e)
				break
			}
		}
	}
	return out
}

// siteHolds returns the holds that apply to at least one host of the site.
func siteHolds(inv *inventory.Inventory, site *inventory.Site) []*inventory.Hold {
	var out []*inventory.Hold
	for _, hold := range inv.Holds {
		for _, h := range inv.HostsOf(site.ID) {
			if hold.Scope.Covers(h) {
				out = append(out, hold)
				break
			}
		}
	}
	return out
}

func holdItem(h *inventory.Hold) string {
	if h.Version != "" {
		return h.Item + " " + h.Version
	}
	return h.Item
}

func scopeText(s inventory.Scope) string {
	if s.Kind == inventory.ScopeAll {
		return "all"
	}
	return string(s.Kind) + ":" + s.Value
}

// siteRunnerState returns the runner holds and host states of the site's
// hosts.
func siteRunnerState(inv *inventory.Inventory, site *inventory.Site, holds []RunnerHold, states map[string]HostState) ([]RunnerHold, map[string]HostState) {
	siteHolds := []RunnerHold{}
	for _, h := range holds {
		if host := inv.Host(h.Host); host != nil && host.Site == site.ID {
			siteHolds = append(siteHolds, h)
		}
	}
	var siteStates map[string]HostState
	for _, h := range inv.HostsOf(site.ID) {
		if st, ok := states[h.Name]; ok {
			if siteStates == nil {
				siteStates = map[string]HostState{}
			}
			siteStates[h.Name] = st
		}
	}
	return siteHolds, siteStates
}
