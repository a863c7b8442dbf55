package plan

import (
	"fmt"
	"path"
	"strings"

	"patchbay/inventory"
)

// Selection is the part of the fleet a plan covers. Empty fields select
// everything; a host must match every non-empty field.
type Selection struct {
	Sites []string // site ids
	Rings []string // ring names
	Hosts []string // host names or globs such as "ent-ws-*"
	Tags  []string // a host needs at least one of the tags
}

// String formats the selection as the flags that give it.
func (s Selection) String() string {
	var parts []string
	add := func(flag string, values []string) {
		if len(values) > 0 {
			parts = append(parts, fmt.Sprintf("--%s %s", flag, strings.Join(values, ",")))
		}
	}
	add("site", s.Sites)
	add("ring", s.Rings)
	add("hosts", s.Hosts)
	add("tag", s.Tags)
	if len(parts) == 0 {
		return "all hosts"
	}
	return strings.Join(parts, " ")
}

// Check returns an error naming the first site or ring the inventory does
// not have, or the first invalid glob.
func (s Selection) Check(inv *inventory.Inventory) error {
	for _, id := range s.Sites {
		if inv.Site(id) == nil {
			return fmt.Errorf("unknown site %q in --site; see patchbay status for the site ids", id)
		}
	}
	for _, r := range s.Rings {
		if inv.Ring(r) == nil {
			return fmt.Errorf("unknown ring %q in --ring; the inventory's rings are %s", r, ringNames(inv))
		}
	}
	for _, g := range s.Hosts {
		if _, err := path.Match(g, ""); err != nil {
			return fmt.Errorf("invalid host pattern %q in --hosts: %w", g, err)
		}
	}
	return nil
}

// Matches reports whether the host is selected.
func (s Selection) Matches(h *inventory.Host) bool {
	return matchAny(s.Sites, h.Site, false) && matchAny(s.Rings, h.Ring, false) &&
		matchAny(s.Hosts, h.Name, true) && anyTag(s.Tags, h.Tags)
}

// MatchesSite reports whether the site is selected.
func (s Selection) MatchesSite(id string) bool { return matchAny(s.Sites, id, false) }

func matchAny(patterns []string, value string, glob bool) bool {
	if len(patterns) == 0 {
		return true
	}
	for _, p := range patterns {
		if p == value {
			return true
		}
		if ok, _ := path.Match(p, value); glob && ok {
			return true
		}
	}
	return false
}

func anyTag(wanted, tags []string) bool {
	if len(wanted) == 0 {
		return true
	}
	for _, w := range wanted {
		for _, t := range tags {
			if w == t {
				return true
			}
		}
	}
	return false
}

func ringNames(inv *inventory.Inventory) string {
	names := make([]string, len(inv.Rings))
	for i, r := range inv.Rings {
		names[i] = r.Name
	}
	return strings.Join(names, ", ")
}
