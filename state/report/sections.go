package report

import (
	"slices"
	"sort"
	"time"

	"patchbay/inventory"
	"patchbay/state/emergency"
	"patchbay/state/report/model"
)

// hostSite returns the site of a host in the inventory at quarter end, or
// "" when the host is not in it.
func (b *builder) hostSite(name string) string {
	if h := b.endInv.Host(name); h != nil {
		return h.Site
	}
	return ""
}

// patchedAfter reports whether a successful patch run on host finished in
// (from, to].
func (b *builder) patchedAfter(host string, from, to time.Time) bool {
	for _, m := range b.facts.marks[host] {
		if m.kind == markPatched && m.time.After(from) && !m.time.After(to) {
			return true
		}
	}
	return false
}

// vulnerabilities lists each emergency CVE with the hosts that still
// matched it at quarter end.
func (b *builder) vulnerabilities() []model.Vulnerability {
	var out []model.Vulnerability
	for _, e := range b.declared {
		if e.Declared.After(b.bounds.end) {
			continue
		}
		var hosts []string
		for _, h := range e.Hosts {
			site := b.hostSite(h)
			if site == "" || !b.wantSite(site) {
				continue
			}
			end := b.siteEnd(site)
			if p, ok := e.Patched[h]; ok && !p.After(end) {
				continue
			}
			if !b.patchedAfter(h, e.Declared, end) {
				hosts = append(hosts, h)
			}
		}
		if len(hosts) == 0 {
			continue
		}
		sort.Strings(hosts)
		for _, cve := range e.CVEs {
			v := model.Vulnerability{CVE: cve, Emergency: e.ID, KEVAdded: e.KEVAdded, AgeDays: -1, Hosts: hosts}
			if !e.KEVAdded.IsZero() {
				v.AgeDays = int(b.bounds.end.Sub(e.KEVAdded) / (24 * time.Hour))
			}
			out = append(out, v)
		}
	}
	return out
}

// exceptions lists the exceptions at quarter end, flagged against those
// at quarter start, and the ones removed during the quarter.
func (b *builder) exceptions() []model.Exception {
	before := map[string]*inventory.Exception{}
	if inv := b.facts.snapshotAt(b.bounds.start); inv != nil {
		for _, e := range inv.Exceptions {
			before[e.ID] = e
		}
	}
	endDate := inventory.DateOf(b.bounds.end)
	var out []model.Exception
	for _, e := range b.endInv.Exceptions {
		if !b.coversAny(b.endInv, e.Hosts) {
			continue
		}
		row := exceptionRow(e, endDate)
		old, ok := before[e.ID]
		switch {
		case !ok:
			row.Change = "added"
		case !sameException(old, e):
			row.Change = "changed"
		}
		delete(before, e.ID)
		out = append(out, row)
	}
	start := b.facts.snapshotAt(b.bounds.start)
	if start == nil {
		return out
	}
	for _, e := range start.Exceptions {
		if _, removed := before[e.ID]; removed && b.coversAny(start, e.Hosts) {
			row := exceptionRow(e, endDate)
			row.Change, row.Overdue = "removed", false
			out = append(out, row)
		}
	}
	return out
}

func exceptionRow(e *inventory.Exception, endDate inventory.Date) model.Exception {
	return model.Exception{
		ID: e.ID, Hosts: e.Hosts, App: e.App, Reason: e.Reason, Controls: e.Controls,
		Owner: e.Owner, ReviewBy: e.ReviewBy.String(), Overdue: e.ReviewBy.Before(endDate),
	}
}

func sameException(a, b *inventory.Exception) bool {
	return slices.Equal(a.Hosts, b.Hosts) && a.App == b.App && a.Reason == b.Reason &&
		a.PinnedVersion == b.PinnedVersion && slices.Equal(a.Controls, b.Controls) &&
		a.Owner == b.Owner && a.Approved == b.Approved && a.ReviewBy == b.ReviewBy
}

// coversAny reports whether one of the named hosts is at a covered site.
func (b *builder) coversAny(inv *inventory.Inventory, hosts []string) bool {
	for _, name := range hosts {
		if h := inv.Host(name); h != nil && b.wantSite(h.Site) {
			return true
		}
	}
	return false
}

// emergencies returns the response history of the emergencies declared in
// the quarter.
func (b *builder) emergencies() []model.Emergency {
	var out []model.Emergency
	for _, e := range b.declared {
		if !b.inQuarter(e.Declared, e.Sites...) || !b.touchesSite(e) {
			continue
		}
		out = append(out, emergencyRow(b.scopeEmergency(e)))
	}
	return out
}

// scopeEmergency returns e with only the hosts of the report's site, so
// that a site's report counts and times its own hosts. Hosts no longer in
// the quarter-end inventory stay in a report of all sites only.
func (b *builder) scopeEmergency(e *emergency.Emergency) *emergency.Emergency {
	if b.site == "" {
		return e
	}
	scoped := *e
	scoped.Hosts, scoped.Patched = nil, map[string]time.Time{}
	for _, name := range e.Hosts {
		if h := b.endInv.Host(name); h == nil || h.Site != b.site {
			continue
		}
		scoped.Hosts = append(scoped.Hosts, name)
		if when, ok := e.Patched[name]; ok {
			scoped.Patched[name] = when
		}
	}
	return &scoped
}

func (b *builder) touchesSite(e *emergency.Emergency) bool {
	if b.site == "" {
		return true
	}
	return slices.Contains(e.Sites, b.site) || b.coversAny(b.endInv, e.Hosts)
}

func emergencyRow(e *emergency.Emergency) model.Emergency {
	row := model.Emergency{
		ID: e.ID, CVEs: e.CVEs, KEVAdded: e.KEVAdded, Declared: e.Declared,
		Hosts: len(e.Hosts), Patched: len(e.Hosts) - len(e.Remaining()),
		FirstPatched: e.FirstPatched(), LastPatched: e.LastPatched(),
	}
	done := row.Patched == row.Hosts && row.Hosts > 0
	row.FromDeclared = target(e.Declared, row.LastPatched, done)
	if !e.KEVAdded.IsZero() {
		t := target(e.KEVAdded, row.LastPatched, done)
		row.FromCatalogue = &t
	}
	return row
}

// target measures from start to the last host patched. Targets count as
// missed while any affected host is unpatched.
func target(start, last time.Time, done bool) model.Target {
	if !done {
		return model.Target{Hours: -1}
	}
	hours := last.Sub(start).Hours()
	return model.Target{Hours: hours, Met24: hours <= 24, Met72: hours <= 72}
}
