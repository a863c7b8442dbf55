package report

import (
	"strings"
	"time"

	"patchbay/inventory"
	"patchbay/state/report/model"
)

// holds lists the inventory's holds and the runner's holds that were in
// force at some point of the quarter.
func (b *builder) holds() []model.Hold {
	out := b.inventoryHolds()
	for _, h := range b.facts.holds {
		if h.set.After(b.bounds.end) || (!h.cleared.IsZero() && h.cleared.Before(b.bounds.start)) {
			continue
		}
		deferred := b.deferredByScope(h.Scope)
		if b.site != "" && len(deferred) == 0 {
			continue
		}
		out = append(out, model.Hold{Update: h.Update, Origin: "runner", Reason: h.Reason, Scope: h.Scope,
			Since: h.set, Cleared: h.cleared, Deferred: deferred})
	}
	return out
}

// inventoryHolds follows each inventory hold through the snapshots: it
// starts at the first snapshot that lists it and is cleared by the first
// later one that does not.
func (b *builder) inventoryHolds() []model.Hold {
	type span struct {
		hold          *inventory.Hold
		inv           *inventory.Inventory
		since, closed time.Time
	}
	var order []string
	spans := map[string]*span{}
	for _, s := range b.facts.snapshots {
		if s.time.After(b.bounds.end) {
			break
		}
		present := map[string]bool{}
		for _, h := range s.inv.Holds {
			present[h.ID] = true
			sp := spans[h.ID]
			if sp == nil || !sp.closed.IsZero() {
				if sp == nil {
					order = append(order, h.ID)
				}
				sp = &span{since: s.time}
				spans[h.ID] = sp
			}
			sp.hold, sp.inv = h, s.inv
		}
		for id, sp := range spans {
			if !present[id] && sp.closed.IsZero() {
				sp.closed = s.time
			}
		}
	}
	var out []model.Hold
	for _, id := range order {
		sp := spans[id]
		if !sp.closed.IsZero() && sp.closed.Before(b.bounds.start) {
			continue
		}
		deferred := b.deferredByHold(sp.inv, sp.hold)
		if b.site != "" && len(deferred) == 0 {
			continue
		}
		h := sp.hold
		out = append(out, model.Hold{Update: holdItem(h), Origin: "inventory", Reason: h.Reason, Source: h.Source,
			Scope: scopeString(h.Scope), Since: sp.since, Cleared: sp.closed, Deferred: deferred})
	}
	return out
}

func holdItem(h *inventory.Hold) string {
	item := h.Item
	if h.Version != "" {
		item += " " + h.Version
	}
	return item
}

func scopeString(s inventory.Scope) string {
	if s.Kind == inventory.ScopeAll {
		return "all"
	}
	return string(s.Kind) + ":" + s.Value
}

// deferredByHold returns the patchable hosts of the covered sites in inv
// that are in the inventory hold's scope and on which it can keep its item
// back (see holdDefers).
func (b *builder) deferredByHold(inv *inventory.Inventory, hold *inventory.Hold) []string {
	var names []string
	for _, h := range b.patchable(inv) {
		if hold.Scope.Covers(h) && b.holdDefers(hold, h) {
			names = append(names, h.Name)
		}
	}
	return names
}

// holdDefers reports whether hold can keep its item back on host h. The
// actions check a KB hold only on Windows, a package hold only with apt and
// dnf, and a firmware hold in the ESXi image profile update and the Cisco
// and FortiOS firmware actions. A host on which the journal shows the hold
// keeping an update back also counts, such as a macOS host whose update
// label a package or firmware hold names.
func (b *builder) holdDefers(hold *inventory.Hold, h *inventory.Host) bool {
	if b.facts.heldBy[hold.ID][h.Name] {
		return true
	}
	switch hold.Kind {
	case inventory.HoldKB:
		return h.Platform.IsWindows()
	case inventory.HoldPackage:
		// NOTE: the journal stores no list of a Linux host's installed
		// packages, so a package hold counts every Linux host in its
		// scope, whether the package is installed there or not.
		return h.Platform == inventory.PlatformLinuxApt || h.Platform == inventory.PlatformLinuxDnf
	case inventory.HoldFirmware:
		// Network gear counts only where the journal shows the hold
		// rejecting an image, because whether the hold applies depends on
		// the image and version of a run, which the inventory does not
		// record. Ubiquiti gear has no firmware action yet.
		return h.Platform == inventory.PlatformESXi
	}
	return false
}

// deferredByScope returns the patchable hosts at quarter end in a runner
// hold's scope: "all", "site:ID", "ring:NAME" or "host:NAME".
func (b *builder) deferredByScope(scope string) []string {
	kind, value, _ := strings.Cut(scope, ":")
	var names []string
	for _, h := range b.patchable(b.endInv) {
		match := kind == "all" ||
			(kind == "site" && h.Site == value) ||
			(kind == "ring" && h.Ring == value) ||
			(kind == "host" && h.Name == value)
		if match {
			names = append(names, h.Name)
		}
	}
	return names
}
