package runner

import (
	"fmt"

	"patchbay/playbooks/plan"
	"patchbay/state/event"
)

// DecisionStaged records that a host ran only its stage steps, such as
// downloads, because its window was closed; installs wait for the window.
const DecisionStaged = "staged"

// stagedHost returns a copy of h that runs only its stage steps, for a
// host whose window check failed with reason, or nil when the playbook
// has no stage step.
func stagedHost(h *plan.Host, reason plan.Reason, detail string) *plan.Host {
	steps := plan.StageSteps(h.Steps)
	if len(steps) == 0 {
		return nil
	}
	staged := *h
	staged.Steps = steps
	staged.Staged = &plan.Skip{Reason: reason, Detail: detail}
	return &staged
}

// finishStaged records a host whose stage steps succeeded. Its final state
// is skipped, because nothing was installed, and the run lists it as
// staged.
func (r *Runner) finishStaged(h *plan.Host) {
	reason := fmt.Sprintf("stage steps done; the other steps wait for the window (%s)", h.Staged)
	r.decide(h, DecisionStaged, reason)
	r.mu.Lock()
	r.staged = append(r.staged, h.Host.Name)
	r.mu.Unlock()
	r.emit(h.Host.Name, event.HostState{Phase: event.PhaseSkipped, Reason: "staged: " + reason})
	r.mu.Lock()
	r.results[h.Host.Name] = event.PhaseSkipped
	r.mu.Unlock()
}
