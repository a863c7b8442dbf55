package plan

import (
	"fmt"

	"patchbay/inventory"
)

// ReasonGuestOrder skips a hypervisor whose guest would be patched after
// it.
const ReasonGuestOrder Reason = "guest-order"

// skipHypervisorsBeforeGuests skips every runnable hypervisor that has a
// runnable guest in a later ring of the plan. Within a ring the stages put
// guests first. But the runner finishes one ring before it starts the
// next, so such a guest would be patched after its hypervisor.
func skipHypervisorsBeforeGuests(inv *inventory.Inventory, p *Plan) {
	rank := ringRanks(inv)
	for _, hv := range p.Hosts {
		if !hv.Runnable() || len(hv.Host.Guests) == 0 {
			continue
		}
		for _, name := range hv.Host.Guests {
			g := p.Find(name)
			if g == nil || !g.Runnable() || rank[g.Host.Ring] <= rank[hv.Host.Ring] {
				continue
			}
			hv.Skip = &Skip{Reason: ReasonGuestOrder, Detail: fmt.Sprintf(
				"guest %s is in ring %s, which runs after ring %s of hypervisor %s; patch guests first by moving %s to ring %s or earlier",
				g.Host.Name, g.Host.Ring, hv.Host.Ring, hv.Host.Name, g.Host.Name, hv.Host.Ring)}
			hv.Steps = nil
			break
		}
	}
}

// ringRanks returns each ring's place in the deployment order.
func ringRanks(inv *inventory.Inventory) map[string]int {
	rank := map[string]int{}
	for i, r := range inv.Rings {
		rank[r.Name] = i
	}
	return rank
}

// GuestOrderError returns an error naming the first runnable guest that
// runs after its runnable hypervisor in p, or nil when every guest comes
// first. Runs go ring by ring in the inventory's order, and by plan order
// within a ring.
func GuestOrderError(inv *inventory.Inventory, p *Plan) error {
	rank := ringRanks(inv)
	position := map[string]int{}
	for i, h := range p.Hosts {
		position[h.Host.Name] = rank[h.Host.Ring]*len(p.Hosts) + i
	}
	for _, hv := range p.Hosts {
		for _, name := range hv.Host.Guests {
			g := p.Find(name)
			if !hv.Runnable() || g == nil || !g.Runnable() {
				continue
			}
			if position[g.Host.Name] > position[hv.Host.Name] {
				return fmt.Errorf("plan patches hypervisor %s before its guest %s; guests must come first", hv.Host.Name, g.Host.Name)
			}
		}
	}
	return nil
}
