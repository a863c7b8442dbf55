package report

import (
	"sort"
	"time"

	"patchbay/inventory"
	"patchbay/state/report/model"
)

// hostStatus returns whether the host was current at t, when it was last
// patched, and why it was not current.
func (b *builder) hostStatus(host string, t time.Time) (bool, time.Time, string) {
	release, _ := b.measuredRelease(t)
	var patched time.Time
	var failure *mark
	pending := false
	marks := b.facts.marks[host]
	for i := range marks {
		m := &marks[i]
		if m.time.After(t) {
			break
		}
		switch m.kind {
		case markPatched:
			patched, failure, pending = m.time, nil, false
		case markFailed, markUpdateFailed:
			failure = m
		case markRebootPending:
			pending = true
		case markRebootClear:
			pending = false
		}
	}
	switch {
	case release.IsZero():
		return false, patched, "no monthly release had ended its production phase"
	case patched.IsZero() || !patched.After(release):
		return false, patched, "not patched since the release of " + release.UTC().Format(time.DateOnly)
	case failure != nil:
		return false, patched, failure.reason + " at " + model.FormatTime(failure.time)
	case pending:
		return false, patched, "reboot pending"
	}
	return true, patched, ""
}

// patchable returns the report's patchable hosts in inv: those of the
// covered sites that no exception names.
func (b *builder) patchable(inv *inventory.Inventory) []*inventory.Host {
	var out []*inventory.Host
	for _, h := range inv.Hosts {
		if b.wantSite(h.Site) && len(inv.ExceptionsFor(h.Name)) == 0 {
			out = append(out, h)
		}
	}
	return out
}

// tally counts coverage by dimension and key for one instant.
type tally map[[2]string]*model.Ratio

func (t tally) add(h *inventory.Host, current bool) {
	for _, k := range [][2]string{{"all", "all"}, {"site", h.Site}, {"ring", h.Ring}, {"platform", string(h.Platform)}} {
		r := t[k]
		if r == nil {
			r = &model.Ratio{}
			t[k] = r
		}
		r.Patchable++
		if current {
			r.Current++
		}
	}
}

// coverage returns the coverage rows and the status of each patchable
// host at quarter end. Each site is measured at its own quarter end with
// the inventory then in effect; each month at its production phase end.
func (b *builder) coverage(months []model.Month) ([]model.Coverage, []model.HostStatus) {
	end := tally{}
	var hosts []model.HostStatus
	for _, site := range b.reportSites() {
		at := b.siteEnd(site)
		inv := b.facts.snapshotAt(at)
		if inv == nil {
			continue
		}
		for _, h := range b.patchable(inv) {
			if h.Site != site {
				continue
			}
			current, patched, reason := b.hostStatus(h.Name, at)
			end.add(h, current)
			hosts = append(hosts, model.HostStatus{Host: h.Name, Site: h.Site, Ring: h.Ring,
				Platform: string(h.Platform), Current: current, Patched: patched, Reason: reason})
		}
	}
	monthly := make([]tally, len(months))
	for i, m := range months {
		monthly[i] = tally{}
		if inv := b.facts.snapshotAt(m.Measured); inv != nil {
			for _, h := range b.patchable(inv) {
				current, _, _ := b.hostStatus(h.Name, m.Measured)
				monthly[i].add(h, current)
			}
		}
	}
	return b.coverageRows(end, monthly), hosts
}

func (b *builder) coverageRows(end tally, monthly []tally) []model.Coverage {
	var rows []model.Coverage
	for _, key := range b.coverageKeys(append([]tally{end}, monthly...)) {
		row := model.Coverage{Dimension: key[0], Key: key[1], QuarterEnd: ratio(end[key])}
		for _, m := range monthly {
			row.Months = append(row.Months, ratio(m[key]))
		}
		rows = append(rows, row)
	}
	return rows
}

func ratio(r *model.Ratio) model.Ratio {
	if r == nil {
		return model.Ratio{}
	}
	return *r
}

// coverageKeys orders the rows: the total, then sites and rings in
// inventory order, then platforms by name. Keys found only in older
// snapshots follow their dimension's known keys, by name.
func (b *builder) coverageKeys(tallies []tally) [][2]string {
	seen := map[[2]string]bool{}
	for _, t := range tallies {
		for k := range t {
			seen[k] = true
		}
	}
	order := [][2]string{{"all", "all"}}
	for _, s := range b.endInv.Sites {
		order = append(order, [2]string{"site", s.ID})
	}
	for _, r := range b.endInv.Rings {
		order = append(order, [2]string{"ring", r.Name})
	}
	rank := map[[2]string]int{}
	for i, k := range order {
		rank[k] = i
	}
	dims := map[string]int{"all": 0, "site": 1, "ring": 2, "platform": 3}
	var keys [][2]string
	for k := range seen {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		a, c := keys[i], keys[j]
		if dims[a[0]] != dims[c[0]] {
			return dims[a[0]] < dims[c[0]]
		}
		ra, okA := rank[a]
		rc, okC := rank[c]
		if okA != okC {
			return okA
		}
		if okA {
			return ra < rc
		}
		return a[1] < c[1]
	})
	return keys
}

// excluded lists the excepted hosts and medical devices at quarter end.
func (b *builder) excluded() []model.Excluded {
	var out []model.Excluded
	for _, site := range b.reportSites() {
		inv := b.facts.snapshotAt(b.siteEnd(site))
		if inv == nil {
			continue
		}
		for _, h := range inv.HostsOf(site) {
			for _, e := range inv.ExceptionsFor(h.Name) {
				out = append(out, model.Excluded{Name: h.Name, Site: site, Kind: "exception", Detail: e.ID + " (" + e.App + ")"})
			}
		}
		for _, d := range inv.DevicesOf(site) {
			out = append(out, model.Excluded{Name: d.Name, Site: site, Kind: "medical device",
				Detail: d.Model + " firmware " + d.Firmware + ", " + d.Vendor})
		}
	}
	return out
}
