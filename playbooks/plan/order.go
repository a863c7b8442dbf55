package plan

import (
	"errors"
	"fmt"
)

// ErrWrongOrder reports a plan whose hosts would not run in the site
// order: guests, ordinary hosts and hypervisors first, then the gateway,
// then the firewall and core switch, each of the last three alone.
var ErrWrongOrder = errors.New("hosts out of site order")

// CheckOrder returns an error wrapping ErrWrongOrder when a runnable host
// breaks the site order:
//   - its stage differs from the one its role gives,
//   - it is a gateway, firewall or core switch not marked to run alone,
//   - or its site lists it after a host of a later stage.
//
// Make builds plans that pass. The runner checks again, so a plan changed
// after Make cannot patch a site's path while other hosts of the site run.
func CheckOrder(p *Plan) error {
	last := map[string]*Host{} // the previous runnable host of each site
	for _, h := range p.Hosts {
		if !h.Runnable() {
			continue
		}
		if err := checkStage(h); err != nil {
			return err
		}
		if prev := last[h.Host.Site]; prev != nil && prev.Stage > h.Stage {
			return fmt.Errorf("%w: host %s (stage %d) comes after %s (stage %d) at site %s; build the plan again with plan.Make",
				ErrWrongOrder, h.Host.Name, h.Stage, prev.Host.Name, prev.Stage, h.Host.Site)
		}
		last[h.Host.Site] = h
	}
	return nil
}

// checkStage compares a host's stage and Alone mark with its role's.
func checkStage(h *Host) error {
	want := h.Host.Order()
	if h.Stage != want {
		return fmt.Errorf("%w: host %s (role %s) has stage %d, its role needs %d; build the plan again with plan.Make",
			ErrWrongOrder, h.Host.Name, h.Host.Role, h.Stage, want)
	}
	if alone := want >= 3; h.Alone != alone {
		return fmt.Errorf("%w: host %s (role %s) has Alone %v, its role needs %v, because the gateway, firewall and core switch carry the site's path",
			ErrWrongOrder, h.Host.Name, h.Host.Role, h.Alone, alone)
	}
	return nil
}
