package plan

import (
	"time"

	"patchbay/inventory"
)

// Emergency is the emergency cycle a plan belongs to. An emergency plan
// keeps the rings in order, but gates use each ring's emergency soak, and
// once the notice to the sites' contacts is journaled hosts may be
// patched outside their maintenance windows.
type Emergency struct {
	ID       string
	Deadline time.Time
	// BusinessHours allows deployment outside the maintenance windows,
	// because the notice to each affected site's contacts was journaled.
	BusinessHours bool
	// MissingKB maps each Windows host for which no imported Microsoft
	// document names a KB to the reason. Those hosts are skipped, because
	// the emergency playbook would have nothing to install on them.
	MissingKB map[string]string
}

// missingKBSkip skips a host of the emergency that has no KB to install.
func missingKBSkip(e *Emergency, h *inventory.Host) *Skip {
	if e == nil {
		return nil
	}
	if reason, ok := e.MissingKB[h.Name]; ok {
		return &Skip{Reason: ReasonNoKB, Detail: reason}
	}
	return nil
}

// IgnoresWindows reports whether hosts may start while their site's window
// is closed: the operator overrode the windows, or an emergency's notices
// went out.
func (p *Plan) IgnoresWindows() bool {
	return p.Overrides.Window != "" || p.Emergency.allowsBusinessHours()
}

func (e *Emergency) allowsBusinessHours() bool { return e != nil && e.BusinessHours }

// Soak returns the validation time after ring's deployment: its emergency
// soak in an emergency cycle, its monthly soak otherwise.
func Soak(ring *inventory.Ring, emergency bool) time.Duration {
	if emergency {
		return ring.EmergencySoak
	}
	return ring.Soak
}
