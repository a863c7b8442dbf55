package lab

import (
	"fmt"
	"net/netip"
	"slices"
	"strings"

	"patchbay/inventory"
)

// extraPlatforms are the platforms the extra hosts of Options.ExtraHosts
// take in turn.
var extraPlatforms = []string{"linux-apt", "linux-dnf"}

// planHosts lists the fleet's hosts: the inventory's, then the extra ones,
// each with the next free address of the block.
func planHosts(inv *inventory.Inventory, opts Options) ([]*fleetHost, error) {
	var plan []*fleetHost
	for i, h := range inv.Hosts {
		host := newHost(h.Name, string(h.Platform), personalityFor(string(h.Platform)), i, opts.Clock, opts.Timing)
		if len(h.Guests) > 0 {
			// A hypervisor's personality emulates its inventory guests as VMs.
			host.state.Facts[factGuests] = strings.Join(h.Guests, ",")
		}
		for _, e := range inv.ExceptionsFor(h.Name) {
			pinWindowsBuild(host, e.PinnedVersion)
		}
		for _, app := range h.Apps {
			if !slices.Contains(host.state.Apps, app) {
				host.state.Apps = append(host.state.Apps, app)
			}
		}
		plan = append(plan, &fleetHost{
			site: h.Site, platform: string(h.Platform), kind: string(h.Transport.Kind),
			user: orDefault(h.Transport.User, "patchbay"), legacy: h.Transport.LegacyAlgorithms,
			host: host, healthPorts: healthPorts(inv, h),
		})
	}
	if len(inv.Sites) == 0 && opts.ExtraHosts > 0 {
		return nil, fmt.Errorf("start lab: the inventory has no site to add %d extra hosts to", opts.ExtraHosts)
	}
	for i := range opts.ExtraHosts {
		site := inv.Sites[i%len(inv.Sites)].ID
		platform := extraPlatforms[i%len(extraPlatforms)]
		name := fmt.Sprintf("%s-lab-%03d", site, i+1)
		plan = append(plan, &fleetHost{site: site, platform: platform, kind: "ssh", user: "patchbay",
			host: newHost(name, platform, personalityFor(platform), len(inv.Hosts)+i, opts.Clock, opts.Timing)})
	}
	return plan, assignAddresses(plan, opts.AddressBase)
}

// healthPorts returns the TCP ports that the inventory's health checks
// expect h to accept connections on.
func healthPorts(inv *inventory.Inventory, h *inventory.Host) []int {
	var ports []int
	for _, c := range inv.HealthChecks {
		if c.Kind != inventory.CheckTCP || c.Site != "" && c.Site != h.Site || c.App != "" && !slices.Contains(h.Apps, c.App) {
			continue
		}
		if !slices.Contains(ports, c.Port) {
			ports = append(ports, c.Port)
		}
	}
	return ports
}

// assignAddresses gives each host the next address after base, skipping
// those that end in .0 or .255, and fails before leaving 127.0.0.0/8.
func assignAddresses(plan []*fleetHost, base string) error {
	addr := netip.MustParseAddr(base)
	for _, fh := range plan {
		for {
			addr = addr.Next()
			last := addr.As4()[3]
			if last != 0 && last != 255 {
				break
			}
		}
		if !addr.IsLoopback() {
			return fmt.Errorf("start lab: %d hosts do not fit in 127.0.0.0/8 after %s; use a lower address base", len(plan), base)
		}
		fh.address = addr.String()
	}
	return nil
}

func orDefault(s, fallback string) string {
	if s == "" {
		return fallback
	}
	return s
}
