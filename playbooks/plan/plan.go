// Package plan decides what a run will do: for a playbook and a selection
// of the inventory at an instant, every selected host with the steps it
// will run, or exactly why it is skipped, in the order the runner patches
// them.
//
// The plan is a value: the console renders it, `patchbay plan` prints it
// and the runner executes it. Planning reads the journal only through the
// History interface and does no network I/O.
package plan

import (
	"fmt"
	"time"

	"patchbay/inventory"
	"patchbay/playbooks/book"
)

// Plan is the list of what a run will do on each host.
type Plan struct {
	Playbook  *book.Playbook
	Selection Selection
	At        time.Time
	Cycle     string
	Overrides Overrides
	// Emergency is the emergency cycle of the plan, nil for a monthly one.
	Emergency *Emergency
	// Hosts are every selected host, runnable or skipped, in run order:
	// by site in inventory order, then by stage, then by name.
	Hosts []*Host
	// Devices are the medical devices of the selected sites. They are
	// never contacted and appear only so the plan shows them.
	Devices []*inventory.Device
	// GateFailures lists, by ring, why a ring's gate did not pass.
	GateFailures map[string]string
}

// Host is one selected host in a plan.
type Host struct {
	Host *inventory.Host
	// Steps are the steps the host will run, empty when Skip is set.
	Steps []book.Step
	Skip  *Skip
	// Stage is the host's place in its site's order: guests, then ordinary
	// hosts, then hypervisors, gateway, firewall and core switch.
	Stage int
	// Alone means nothing else at the site runs while this host does,
	// because the gateway, firewall or core switch carries the site's path.
	Alone bool
	// ReadOnly is true for an excepted host that runs a read-only
	// playbook.
	ReadOnly bool
	// Expected is the time the host is expected to take, from its history
	// or the platform's default.
	Expected time.Duration
	// WindowCloses is when the site's window closes, zero when overridden.
	WindowCloses time.Time
	// Staged is why the host runs only its stage steps: its window is
	// closed or too short. It is nil when the host runs every step.
	Staged *Skip
}

// Runnable reports whether the host will run.
func (h *Host) Runnable() bool { return h.Skip == nil }

// Reason is why a host is skipped.
type Reason string

// Skip reasons.
const (
	ReasonException    Reason = "exception"
	ReasonDevice       Reason = "medical-device"
	ReasonPlatform     Reason = "platform-not-covered"
	ReasonHeld         Reason = "held-update"
	ReasonWindowClosed Reason = "window-closed"
	ReasonWindowShort  Reason = "window-too-short"
	ReasonGate         Reason = "gate-not-passed"
	ReasonCredential   Reason = "missing-credential"
	ReasonSiteLocked   Reason = "site-locked"
	ReasonNoWindow     Reason = "no-window"
	// ReasonNoKB skips an emergency's Windows host for which no imported
	// Microsoft document names a KB.
	ReasonNoKB Reason = "no-kb"
)

// Skip is the reason a host is not run.
type Skip struct {
	Reason Reason
	Detail string
	// Exception is the exception id for ReasonException.
	Exception string
	// Opens is when the window next opens, for the window reasons.
	Opens time.Time
}

func (s *Skip) String() string { return fmt.Sprintf("%s: %s", s.Reason, s.Detail) }

// Overrides are the operator's written reasons to pass a closed window or
// a gate that did not pass. An empty reason means no override.
type Overrides struct {
	Window string
	Gate   string
}

// Counts returns the number of runnable and skipped hosts.
func (p *Plan) Counts() (runnable, skipped int) {
	for _, h := range p.Hosts {
		if h.Runnable() {
			runnable++
		} else {
			skipped++
		}
	}
	return runnable, skipped
}

// Sites returns the site ids of the plan's hosts in run order.
func (p *Plan) Sites() []string {
	var ids []string
	seen := map[string]bool{}
	for _, h := range p.Hosts {
		if !seen[h.Host.Site] {
			seen[h.Host.Site] = true
			ids = append(ids, h.Host.Site)
		}
	}
	return ids
}

// Find returns the plan entry of the host called name, or nil.
func (p *Plan) Find(name string) *Host {
	for _, h := range p.Hosts {
		if h.Host.Name == name {
			return h
		}
	}
	return nil
}
