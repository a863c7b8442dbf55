package cli

import (
	"path"

	"patchbay/inventory"
)

// checkHostPatterns rejects a --hosts entry that matches no host and no
// medical device of the inventory, so that a typo stops with its name
// instead of planning an empty run. Invalid globs are left to plan.Make,
// which names them.
func checkHostPatterns(inv *inventory.Inventory, patterns []string) error {
	for _, pattern := range patterns {
		if _, err := path.Match(pattern, ""); err != nil {
			continue
		}
		if !matchesFleet(inv, pattern) {
			return usageErrorf("no host or medical device matches %q in --hosts; patchbay status lists the hosts of each site", pattern)
		}
	}
	return nil
}

func matchesFleet(inv *inventory.Inventory, pattern string) bool {
	var names []string
	for _, h := range inv.Hosts {
		names = append(names, h.Name)
	}
	for _, d := range inv.Devices {
		names = append(names, d.Name)
	}
	for _, name := range names {
		if ok, _ := path.Match(pattern, name); ok || name == pattern {
			return true
		}
	}
	return false
}
