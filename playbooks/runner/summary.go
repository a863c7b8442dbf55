package runner

import (
	"sort"

	"patchbay/state/event"
)

// Summary is the outcome of a run.
type Summary struct {
	Run string `json:"run"`
	// Hosts maps each host that reached a final state in this run to it.
	// Hosts that finished in the run this one resumes or retries are
	// left out and only counted in FinishedEarlier.
	Hosts map[string]event.HostPhase `json:"hosts"`
	// Resumes is the id of the run this one resumes or retries, if any.
	Resumes string `json:"resumes,omitempty"`
	// FinishedEarlier is the number of hosts that had reached a final
	// state in the run that Resumes names, and so did not run again.
	FinishedEarlier int `json:"finished_earlier,omitempty"`
	// Unfinished lists the runnable hosts that did not reach a final
	// state, because the run was aborted. A resume runs exactly these.
	Unfinished []string `json:"unfinished,omitempty"`
	// Staged lists the hosts that ran only their stage steps because
	// their window was closed. Their final state is skipped.
	Staged  []string `json:"staged,omitempty"`
	Aborted bool     `json:"aborted,omitempty"`
	// Error is the cause of an early stop, such as a journal failure.
	Error string `json:"error,omitempty"`
}

// Count returns the number of hosts in state s.
func (s *Summary) Count(state event.HostPhase) int {
	n := 0
	for _, st := range s.Hosts {
		if st == state {
			n++
		}
	}
	return n
}

// In returns the sorted names of the hosts in state s.
func (s *Summary) In(state event.HostPhase) []string {
	var names []string
	for h, st := range s.Hosts {
		if st == state {
			names = append(names, h)
		}
	}
	sort.Strings(names)
	return names
}

// record returns the run-finished journal record of the summary.
func (s *Summary) record() event.RunFinished {
	return event.RunFinished{
		Done:          s.Count(event.PhaseDone),
		RebootPending: s.Count(event.PhaseRebootPending),
		Failed:        s.Count(event.PhaseFailed),
		Missed:        s.Count(event.PhaseMissed),
		Skipped:       s.Count(event.PhaseSkipped),
		Aborted:       s.Aborted,
		Resumable:     len(s.Unfinished) > 0,
	}
}
