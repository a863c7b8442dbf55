package inventory

import (
	"slices"

	"patchbay/inventory/schedule"
	"patchbay/remote"
)

// Access returns what policy allows on the host named hostName: nothing for
// a name that is not an inventory host (medical devices included), read-only
// for a host named in any exception, and full access otherwise. The runner
// wraps every session in remote.Guard with this value.
func (inv *Inventory) Access(hostName string) remote.Access {
	if inv.Host(hostName) == nil {
		return remote.AccessNone
	}
	if len(inv.ExceptionsFor(hostName)) > 0 {
		return remote.AccessReadOnly
	}
	return remote.AccessFull
}

// Host returns the host named name, or nil.
func (inv *Inventory) Host(name string) *Host {
	for _, h := range inv.Hosts {
		if h.Name == name {
			return h
		}
	}
	return nil
}

// Site returns the site with the given ID, or nil.
func (inv *Inventory) Site(id string) *Site {
	for _, s := range inv.Sites {
		if s.ID == id {
			return s
		}
	}
	return nil
}

// Ring returns the ring named name, or nil.
func (inv *Inventory) Ring(name string) *Ring {
	for _, r := range inv.Rings {
		if r.Name == name {
			return r
		}
	}
	return nil
}

// Credential returns the credential named name, or nil.
func (inv *Inventory) Credential(name string) *Credential {
	for _, c := range inv.Credentials {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// ExceptionsFor returns the exceptions that name the host.
func (inv *Inventory) ExceptionsFor(hostName string) []*Exception {
	var out []*Exception
	for _, e := range inv.Exceptions {
		for _, h := range e.Hosts {
			if h == hostName {
				out = append(out, e)
				break
			}
		}
	}
	return out
}

// HostsOf returns the hosts of the site with the given ID, in inventory
// order.
func (inv *Inventory) HostsOf(siteID string) []*Host {
	var out []*Host
	for _, h := range inv.Hosts {
		if h.Site == siteID {
			out = append(out, h)
		}
	}
	return out
}

// DevicesOf returns the medical devices of the site with the given ID.
func (inv *Inventory) DevicesOf(siteID string) []*Device {
	var out []*Device
	for _, d := range inv.Devices {
		if d.Site == siteID {
			out = append(out, d)
		}
	}
	return out
}

// HoldsFor returns the holds that apply to the host: those scoped to all
// hosts, to its site, to its ring or to one of its applications.
func (inv *Inventory) HoldsFor(h *Host) []*Hold {
	var out []*Hold
	for _, hold := range inv.Holds {
		if hold.Scope.Covers(h) {
			out = append(out, hold)
		}
	}
	return out
}

// Covers reports whether the scope includes the host.
func (s Scope) Covers(h *Host) bool {
	switch s.Kind {
	case ScopeAll:
		return true
	case ScopeSite:
		return h.Site == s.Value
	case ScopeRing:
		return h.Ring == s.Value
	case ScopeApp:
		return slices.Contains(h.Apps, s.Value)
	}
	return false
}

// RebootPolicyFor returns the reboot policy of the host: the first policy
// naming the host, else the first policy matching one of its tags, else
// DefaultRebootPolicy.
func (inv *Inventory) RebootPolicyFor(h *Host) *RebootPolicy {
	for _, p := range inv.RebootPolicies {
		if slices.Contains(p.Hosts, h.Name) {
			return p
		}
	}
	for _, p := range inv.RebootPolicies {
		for _, tag := range h.Tags {
			if slices.Contains(p.Tags, tag) {
				return p
			}
		}
	}
	return DefaultRebootPolicy
}

// DefaultRebootPolicy applies to hosts no policy matches: reboot when
// needed, but not while a user is logged on, because a practice's
// workstations may be in use at any hour.
var DefaultRebootPolicy = &RebootPolicy{Name: "default", Mode: RebootDefer, DeferUserLoggedOn: true}

// HealthChecksFor returns the health checks that apply to the host.
func (inv *Inventory) HealthChecksFor(h *Host) []*HealthCheck {
	var out []*HealthCheck
	for _, c := range inv.HealthChecks {
		if c.Site != "" && c.Site != h.Site {
			continue
		}
		if c.App != "" && !slices.Contains(h.Apps, c.App) {
			continue
		}
		out = append(out, c)
	}
	return out
}

// RingTimings returns the schedule part of the rings, in order, for the
// schedule package.
func (inv *Inventory) RingTimings() []schedule.RingTiming {
	out := make([]schedule.RingTiming, 0, len(inv.Rings))
	for _, r := range inv.Rings {
		out = append(out, schedule.RingTiming{Name: r.Name, Delay: r.Delay, Deploy: r.Deploy, Soak: r.Soak, EmergencySoak: r.EmergencySoak})
	}
	return out
}
