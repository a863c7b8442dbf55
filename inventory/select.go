package inventory

import (
	"errors"
	"fmt"
	"path/filepath"
	"strings"
)

// Selector picks hosts by site, ring, name and tag. Within one field the
// values are alternatives; across fields all must match. An empty field
// matches every host.
type Selector struct {
	Sites []string
	Rings []string
	// Hosts are host names or shell-style globs such as "ent-*".
	Hosts []string
	Tags  []string
}

// IsEmpty reports whether the selector matches every host.
func (s Selector) IsEmpty() bool {
	return len(s.Sites) == 0 && len(s.Rings) == 0 && len(s.Hosts) == 0 && len(s.Tags) == 0
}

// Match reports whether the selector picks h.
func (s Selector) Match(h *Host) bool {
	return matchAny(s.Sites, h.Site) && matchAny(s.Rings, h.Ring) &&
		matchGlob(s.Hosts, h.Name) && matchTags(s.Tags, h.Tags)
}

func matchAny(values []string, v string) bool {
	if len(values) == 0 {
		return true
	}
	for _, want := range values {
		if want == v {
			return true
		}
	}
	return false
}

func matchGlob(patterns []string, name string) bool {
	if len(patterns) == 0 {
		return true
	}
	for _, p := range patterns {
		if ok, _ := filepath.Match(p, name); ok {
			return true
		}
	}
	return false
}

func matchTags(want, tags []string) bool {
	if len(want) == 0 {
		return true
	}
	for _, t := range tags {
		if matchAny(want, t) {
			return true
		}
	}
	return false
}

// Select returns the hosts the selector picks, in inventory order. It
// returns an error naming every site, ring or tag value that matches
// nothing in the inventory and every malformed glob, because a typo
// there would otherwise select no host silently.
func (inv *Inventory) Select(s Selector) ([]*Host, error) {
	if err := inv.checkSelector(s); err != nil {
		return nil, err
	}
	var out []*Host
	for _, h := range inv.Hosts {
		if s.Match(h) {
			out = append(out, h)
		}
	}
	return out, nil
}

// ErrSelector is wrapped by Select's error for a selector that names an
// unknown site, ring or tag, or has a malformed glob.
var ErrSelector = errors.New("invalid host selection")

func (inv *Inventory) checkSelector(s Selector) error {
	var problems []string
	for _, id := range s.Sites {
		if inv.Site(id) == nil {
			problems = append(problems, fmt.Sprintf("unknown site %q", id))
		}
	}
	for _, name := range s.Rings {
		if inv.Ring(name) == nil {
			problems = append(problems, fmt.Sprintf("unknown ring %q", name))
		}
	}
	for _, p := range s.Hosts {
		if _, err := filepath.Match(p, ""); err != nil {
			problems = append(problems, fmt.Sprintf("malformed host pattern %q", p))
		}
	}
	for _, tag := range s.Tags {
		if !inv.tagKnown(tag) {
			problems = append(problems, fmt.Sprintf("no host has tag %q", tag))
		}
	}
	if len(problems) > 0 {
		return fmt.Errorf("%w: %s; see 'patchbay status' for the sites, rings and tags", ErrSelector, strings.Join(problems, ", "))
	}
	return nil
}

func (inv *Inventory) tagKnown(tag string) bool {
	for _, h := range inv.Hosts {
		if matchAny(h.Tags, tag) {
			return true
		}
	}
	return false
}
