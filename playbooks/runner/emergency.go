package runner

import (
	"fmt"

	"patchbay/playbooks/plan"
	"patchbay/state/emergency"
	"patchbay/state/event"
)

// DecisionEmergencyWindows records that an emergency run may patch hosts
// outside their maintenance windows because its notices were journaled.
const DecisionEmergencyWindows = "emergency-windows"

// journalEmergencyWindows journals, before any host starts, that the
// emergency's notices allow deployment outside the maintenance windows.
func (r *Runner) journalEmergencyWindows() {
	e := r.plan.Emergency
	if e == nil || !e.BusinessHours || r.plan.Overrides.Window != "" {
		return
	}
	r.emit("", event.Decision{What: DecisionEmergencyWindows,
		Reason: fmt.Sprintf("emergency %s: the sites' contacts were given notice, so hosts may be patched outside their maintenance windows", e.ID)})
}

// markPatched journals that host h is patched for the plan's emergency.
// Only PhaseDone counts: a host with a restart pending still runs the
// vulnerable code until it restarts.
func (r *Runner) markPatched(h *plan.Host, state event.HostPhase) {
	if r.plan.Emergency == nil || state != event.PhaseDone || h.ReadOnly || r.plan.Playbook.ReadOnly() {
		return
	}
	r.publish(emergency.Patched(r.plan.Emergency.ID, h.Host.Name, r.opts.RunID, r.opts.Now()))
}
