// Package report builds patchbay's compliance reports from the journal
// alone: the inventory snapshots, runs, host states, holds and emergencies
// it records. The live inventory file is never read, so a report about a
// past quarter shows the fleet as it was then.
//
// The figures are plain values in the model sub-package; the html, md,
// csv and json sub-packages write them. Building reads only the record
// kinds the figures need (never step output), reads the frequent host
// records only from the day before the quarter on, and finds a host
// state's phase by a substring search. BenchmarkQuarterlyReport1M
// measures a journal of a million records.
package report

import (
	"context"
	"fmt"
	"strings"
	"time"

	"patchbay/inventory"
	"patchbay/state"
	"patchbay/state/emergency"
	"patchbay/state/report/model"
)

// Options select a quarterly report.
type Options struct {
	Quarter Quarter
	// Site limits the report to one site ID; empty means every site.
	Site string
	// Now marks monthly measurements after it as pending; the zero value
	// means time.Now.
	Now time.Time
}

// builder computes one quarterly report from the journal's facts.
type builder struct {
	facts   *facts
	quarter Quarter
	site    string
	now     time.Time
	endInv  *inventory.Inventory // in effect at the report's quarter end
	sites   map[string]bounds    // the quarter in each site's time zone
	bounds  bounds               // in the report's time zone
	// declared are the emergencies rebuilt from the journal.
	declared []*emergency.Emergency
}

// BuildQuarterly reads the journal of store and builds the quarterly
// report that opts select.
func BuildQuarterly(ctx context.Context, store *state.Store, opts Options) (*model.Quarterly, error) {
	f, err := collect(ctx, store, opts.Quarter)
	if err != nil {
		return nil, err
	}
	return buildQuarterly(f, opts)
}

func buildQuarterly(f *facts, opts Options) (*model.Quarterly, error) {
	b := &builder{facts: f, quarter: opts.Quarter, site: opts.Site, now: opts.Now, sites: map[string]bounds{}}
	if b.now.IsZero() {
		b.now = time.Now()
	}
	if err := b.locate(); err != nil {
		return nil, err
	}
	declared, err := emergency.Replay(f.emergency)
	if err != nil {
		return nil, err
	}
	b.declared = declared
	q := &model.Quarterly{
		Quarter: b.quarter.String(), Site: b.site, Start: b.bounds.start, End: b.bounds.end,
		Head: model.Head{Seq: f.head.Seq, Hash: f.head.Hash}, Definitions: Definitions(),
	}
	q.Months = b.months()
	q.Coverage, q.Hosts = b.coverage(q.Months)
	q.Excluded = b.excluded()
	q.Vulnerabilities = b.vulnerabilities()
	q.Exceptions = b.exceptions()
	q.Holds = b.holds()
	q.Emergencies = b.emergencies()
	q.Incidents = b.incidents()
	q.Runs = b.runs()
	return q, nil
}

// locate finds the inventory in effect at quarter end and the quarter's
// bounds in each site's time zone.
func (b *builder) locate() error {
	_, utcEnd := b.quarter.Bounds(time.UTC)
	// Zones run up to 14 hours ahead of UTC, so the snapshot in effect at
	// UTC end plus 14 hours lists every site whose quarter has ended.
	b.endInv = b.facts.snapshotAt(utcEnd.Add(14 * time.Hour))
	if b.endInv == nil {
		return fmt.Errorf("the journal contains no inventory snapshot before the end of %s, so the fleet of the quarter is unknown: "+
			"patchbay run journals the inventory when a run starts, so report a quarter from the first run on", b.quarter)
	}
	for _, s := range b.endInv.Sites {
		start, end := b.quarter.Bounds(s.TimeZone)
		b.sites[s.ID] = bounds{start, end}
	}
	if b.site != "" && b.endInv.Site(b.site) == nil {
		return fmt.Errorf("site %q is not in the inventory snapshot of %s: use one of %s", b.site, b.quarter, siteIDs(b.endInv))
	}
	zone := time.UTC
	if b.site != "" {
		zone = b.endInv.Site(b.site).TimeZone
	} else if len(b.endInv.Sites) > 0 {
		zone = b.endInv.Sites[0].TimeZone
	}
	start, end := b.quarter.Bounds(zone)
	b.bounds = bounds{start, end}
	return nil
}

func siteIDs(inv *inventory.Inventory) string {
	var ids []string
	for _, s := range inv.Sites {
		ids = append(ids, s.ID)
	}
	return strings.Join(ids, ", ")
}

// wantSite reports whether the report covers the site.
func (b *builder) wantSite(id string) bool { return b.site == "" || b.site == id }

// reportSites returns the IDs of the sites the report covers, in
// inventory order.
func (b *builder) reportSites() []string {
	var ids []string
	for _, s := range b.endInv.Sites {
		if b.wantSite(s.ID) {
			ids = append(ids, s.ID)
		}
	}
	return ids
}

// inQuarter reports whether t falls in the quarter of one of the sites,
// or of the report's time zone when sites is empty or names no known site.
func (b *builder) inQuarter(t time.Time, sites ...string) bool {
	known := false
	for _, id := range sites {
		if bs, ok := b.sites[id]; ok {
			known = true
			if bs.contains(t) {
				return true
			}
		}
	}
	return !known && b.bounds.contains(t)
}

// siteEnd returns the end of the quarter in the site's time zone.
func (b *builder) siteEnd(id string) time.Time {
	if bs, ok := b.sites[id]; ok {
		return bs.end
	}
	return b.bounds.end
}

// Definitions returns the terms the quarterly report states with its
// figures.
func Definitions() []model.Definition {
	return []model.Definition{
		{Term: "Patchable host", Text: "A host in the inventory snapshot in effect at the instant measured, not named by an exception. Medical devices are never hosts and are listed on their own."},
		{Term: "Current at instant T", Text: "The host's last successful patch run (a run that changed it and ended done) finished after the latest monthly release whose production phase had ended by T, no run or update failed on it since, and no reboot was pending at T."},
		{Term: "Production phase end", Text: "The end of the last ring's deployment time in the ring schedule, counted from the monthly release (second Tuesday, 10:00 America/Los_Angeles)."},
		{Term: "Monthly coverage", Text: "Current patchable hosts divided by patchable hosts at the end of each month's production phase."},
		{Term: "Quarterly coverage", Text: "Coverage at quarter end, measured for each site at the end of the quarter in the site's time zone."},
		{Term: "Quarter", Text: "Calendar quarter in each site's time zone. Runs, incidents and emergencies count in the quarter of the sites they touch."},
		{Term: "Outstanding vulnerability", Text: "A CVE of a declared emergency whose affected host, still in the inventory at quarter end, had no emergency patch and no successful patch run after the declaration by quarter end. Age counts whole days from the catalogue's dateAdded to quarter end."},
		{Term: "Emergency targets", Text: "Met when every affected host was patched within 24 h or 72 h, counted from the declaration and from the catalogue's dateAdded (midnight UTC)."},
		{Term: "Exception review", Text: "Overdue when the review date is before the first day after the quarter."},
		{Term: "Hold since", Text: "For an inventory hold, the time of the first journaled inventory snapshot that lists it; a hold removed and listed again starts anew. For a hold the runner set, the time it first set it."},
		{Term: "Deferred hosts", Text: "The patchable hosts in an inventory hold's scope on which the runner checks that kind of hold: Windows hosts for a KB, Linux hosts for a package, ESXi hosts for a firmware image, and any host on which the journal shows the hold keeping an update back. A hold the runner set defers the host it was set on."},
	}
}
