package kev

import (
	"slices"
	"sort"
)

// Diff lists the entries that differ between two catalogue versions.
type Diff struct {
	From, To string   // catalogue versions
	Added    []string // CVE IDs only in the newer version
	Removed  []string // CVE IDs that disappeared from the newer version
	Changed  []string // CVE IDs whose entry differs
}

// Compare returns the difference from old to new. A nil old means no
// earlier catalogue, so every entry of new is added.
func Compare(old, new *Catalog) Diff {
	d := Diff{To: new.Version}
	before := map[string]Entry{}
	if old != nil {
		d.From = old.Version
		for _, e := range old.Entries {
			before[e.CVE] = e
		}
	}
	after := make(map[string]bool, len(new.Entries))
	for _, e := range new.Entries {
		after[e.CVE] = true
		prev, ok := before[e.CVE]
		switch {
		case !ok:
			d.Added = append(d.Added, e.CVE)
		case !sameEntry(prev, e):
			d.Changed = append(d.Changed, e.CVE)
		}
	}
	for cve := range before {
		if !after[cve] {
			d.Removed = append(d.Removed, cve)
		}
	}
	sort.Strings(d.Added)
	sort.Strings(d.Removed)
	sort.Strings(d.Changed)
	return d
}

func sameEntry(a, b Entry) bool {
	return a.Vendor == b.Vendor && a.Product == b.Product && a.Name == b.Name &&
		a.Description == b.Description && a.RequiredAction == b.RequiredAction &&
		a.Ransomware == b.Ransomware && a.Notes == b.Notes &&
		a.Added.Equal(b.Added.Time) && a.Due.Equal(b.Due.Time) &&
		slices.Equal(a.CWEs, b.CWEs)
}
