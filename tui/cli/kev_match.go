package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"sort"
	"strings"

	"github.com/spf13/cobra"

	"patchbay/inventory"
	"patchbay/state"
	"patchbay/state/event"
	"patchbay/state/exposure"
	"patchbay/state/kev"
	"patchbay/state/msrc"
)

func (a *app) newKEVMatchCmd() *cobra.Command {
	var o kevMatchOptions
	cmd := &cobra.Command{
		Use:   "match [CVE...]",
		Short: "Show which inventory hosts the imported catalogue's entries expose",
		Long: `match maps the imported catalogue's entries to the inventory's hosts.

A Windows host is "exposed" when its build and revision, from the facts
last gathered, are below the fixed build that an imported Microsoft
security update document gives for its product; at or above it, the host
is "not exposed". Where facts or documents are missing, and for other
platforms and installed software, whose versions are not compared, hosts
are "possibly exposed". Excepted hosts and medical devices are listed
with their compensating controls and are never patch targets.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			o.cves = args
			return a.kevMatch(cmd.Context(), o)
		},
	}
	cmd.Flags().StringVar(&o.site, "site", "", "match only the hosts of this site ID")
	cmd.Flags().StringVar(&o.since, "since", "", "match only entries added on or after this date (YYYY-MM-DD)")
	cmd.Flags().StringArrayVar(&o.statuses, "status", nil,
		`show only findings with this status: "exposed", "possibly exposed", "not exposed", "excepted" or "medical device" (repeatable)`)
	cmd.Flags().BoolVar(&o.asJSON, "json", false, "print the findings as JSON")
	return cmd
}

type kevMatchOptions struct {
	cves     []string
	site     string
	since    string
	statuses []string
	asJSON   bool
}

func (a *app) kevMatch(ctx context.Context, o kevMatchOptions) error {
	entries, err := a.selectEntries("", o.since, o.cves)
	if err != nil {
		return err
	}
	_, inv, err := a.loadInventory()
	if err != nil {
		return err
	}
	findings, err := a.matchFleet(ctx, inv, entries, o.site)
	if err != nil {
		return err
	}
	if findings, err = filterStatuses(findings, o.statuses); err != nil {
		return err
	}
	if o.asJSON {
		return a.printJSONValue(findings)
	}
	printFindings(a.env.Stdout, entries, findings)
	return nil
}

// matchFleet matches entries against the hosts and devices of inv,
// limited to site when it is not empty.
func (a *app) matchFleet(ctx context.Context, inv *inventory.Inventory, entries []kev.Entry, site string) ([]exposure.Finding, error) {
	if site != "" && inv.Site(site) == nil {
		return nil, usageErrorf("--site %q is not a site of the inventory", site)
	}
	facts, docs, err := a.factsAndDocuments(ctx)
	if err != nil {
		return nil, err
	}
	in := exposure.Input{Entries: entries, Documents: docs,
		Hosts: exposureHosts(inv, facts), Devices: exposureDevices(inv)}
	findings := []exposure.Finding{}
	for _, f := range exposure.Match(in) {
		if site == "" || f.Site == site {
			findings = append(findings, f)
		}
	}
	return findings, nil
}

// factsAndDocuments returns the last journaled facts of every host and
// the imported Microsoft documents.
func (a *app) factsAndDocuments(ctx context.Context) (map[string]event.HostFacts, []*msrc.Document, error) {
	store, err := a.openKEVJournal()
	if err != nil {
		return nil, nil, err
	}
	defer store.Close()
	facts, err := latestFacts(ctx, store)
	if err != nil {
		return nil, nil, withExit(ExitFailures, err)
	}
	docs, err := kev.LoadDocuments(store.Dir())
	if err != nil {
		return nil, nil, withExit(ExitFailures, err)
	}
	return facts, docs, nil
}

// filterStatuses keeps the findings whose status is one of statuses, or
// every finding when statuses is empty.
func filterStatuses(findings []exposure.Finding, statuses []string) ([]exposure.Finding, error) {
	if len(statuses) == 0 {
		return findings, nil
	}
	known := []exposure.Status{exposure.StatusExposed, exposure.StatusPossiblyExposed,
		exposure.StatusNotExposed, exposure.StatusExcepted, exposure.StatusDevice}
	for _, s := range statuses {
		if !slices.Contains(known, exposure.Status(s)) {
			return nil, usageErrorf("--status %q is not a finding status: use exposed, \"possibly exposed\", \"not exposed\", excepted or \"medical device\"", s)
		}
	}
	kept := []exposure.Finding{}
	for _, f := range findings {
		if slices.Contains(statuses, string(f.Status)) {
			kept = append(kept, f)
		}
	}
	return kept, nil
}

// printFindings writes the findings grouped by CVE, then a count per status.
func printFindings(w io.Writer, entries []kev.Entry, findings []exposure.Finding) {
	byCVE := map[string][]exposure.Finding{}
	counts := map[exposure.Status]int{}
	for _, f := range findings {
		byCVE[f.CVE] = append(byCVE[f.CVE], f)
		counts[f.Status]++
	}
	for _, e := range entries {
		list := byCVE[e.CVE]
		if len(list) == 0 {
			continue
		}
		fmt.Fprintf(w, "%s  %s %s (added %s, due %s)\n", e.CVE, e.Vendor, e.Product, e.Added, e.Due)
		for _, f := range list {
			fmt.Fprintf(w, "  %-16s  %-14s %-12s %s\n", f.Status, f.Host, f.Site, findingDetail(f))
		}
	}
	fmt.Fprintf(w, "%d findings: %s\n", len(findings), statusCounts(counts))
}

func findingDetail(f exposure.Finding) string {
	detail := f.Reason
	if len(f.Controls) > 0 {
		detail += "; controls: " + strings.Join(f.Controls, ", ")
	}
	return detail
}

func statusCounts(counts map[exposure.Status]int) string {
	var parts []string
	for status, n := range counts {
		parts = append(parts, fmt.Sprintf("%d %s", n, status))
	}
	sort.Strings(parts)
	if len(parts) == 0 {
		return "no host concerned"
	}
	return strings.Join(parts, ", ")
}

// exposureHosts turns inventory hosts and their latest journaled facts
// into the view that exposure matching reads.
func exposureHosts(inv *inventory.Inventory, facts map[string]event.HostFacts) []exposure.Host {
	var hosts []exposure.Host
	for _, h := range inv.Hosts {
		eh := exposure.Host{Name: h.Name, Site: h.Site, Platform: string(h.Platform),
			Build: facts[h.Name].Build, Installed: facts[h.Name].Installed}
		if ex := inv.ExceptionsFor(h.Name); len(ex) > 0 {
			eh.Exception = &exposure.Exception{ID: ex[0].ID, App: ex[0].App, Controls: ex[0].Controls}
		}
		hosts = append(hosts, eh)
	}
	return hosts
}

func exposureDevices(inv *inventory.Inventory) []exposure.Device {
	var devices []exposure.Device
	for _, d := range inv.Devices {
		devices = append(devices, exposure.Device{Name: d.Name, Site: d.Site, Vendor: d.Vendor,
			Model: d.Model, Firmware: d.Firmware, Controls: d.Controls})
	}
	return devices
}

// latestFacts returns the last journaled facts of every host. A snapshot
// without a build or software list keeps the earlier one.
func latestFacts(ctx context.Context, store *state.Store) (map[string]event.HostFacts, error) {
	facts := map[string]event.HostFacts{}
	err := store.Scan(ctx, state.Filter{Kinds: []event.Kind{event.KindHostFacts}}, func(r event.Record) error {
		var f event.HostFacts
		if err := json.Unmarshal(r.Payload, &f); err != nil {
			return fmt.Errorf("read facts of host %s (record %d): %w", r.Host, r.Seq, err)
		}
		previous := facts[r.Host]
		if f.Build == "" {
			f.Build = previous.Build
		}
		if f.Installed == nil {
			f.Installed = previous.Installed
		}
		facts[r.Host] = f
		return nil
	})
	return facts, err
}
