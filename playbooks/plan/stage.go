package plan

import "patchbay/playbooks/book"

// StageSteps returns the steps a host runs while its site's window is
// closed: the steps marked stage, such as downloads, and the read-only
// steps before the last of them, such as the facts a download depends
// on. It returns nil when no step is marked stage.
func StageSteps(steps []book.Step) []book.Step {
	last := -1
	for i, s := range steps {
		if s.Stage {
			last = i
		}
	}
	var out []book.Step
	for _, s := range steps[:last+1] {
		if s.Stage || !s.Changes {
			out = append(out, s)
		}
	}
	return out
}

// stageInsteadOfSkip lets a host that its closed or too short window
// would skip run its stage steps instead, when the playbook has any.
func stageInsteadOfSkip(pb *book.Playbook, ph *Host) {
	if ph.Skip == nil || (ph.Skip.Reason != ReasonWindowClosed && ph.Skip.Reason != ReasonWindowShort) {
		return
	}
	steps := StageSteps(stepsFor(pb, ph.ReadOnly))
	if len(steps) == 0 {
		return
	}
	ph.Staged, ph.Skip, ph.Steps = ph.Skip, nil, steps
}
