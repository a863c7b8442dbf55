// Package hoststate derives the state of hosts, runs, holds and emergencies
// from journal records. Its functions are pure, so the console, the status
// command and the reports compute the same results from the same records,
// and tests feed it synthetic records.
package hoststate

import (
	"sort"
	"time"

	"patchbay/state/event"
)

// State is the fleet as derived from the journal records applied so far.
type State struct {
	Hosts       map[string]*Host
	Runs        []*Run // in the order they started
	Holds       []Hold // holds the runner set that no later record cleared
	Emergencies []*Emergency
	LastSeq     int64 // seq of the last record applied

	runs        map[string]*Run
	emergencies map[string]*Emergency
}

// Host is the derived state of one host.
type Host struct {
	Name          string
	Build         string          // from the last facts snapshot
	Phase         event.HostPhase // last phase reported by a run
	Reason        string          // failure, miss or skip reason of the last phase
	LastRun       string
	LastHeard     time.Time // time of the last record about the host
	PendingReboot bool
	RebootReason  string
	// LastPatched maps a cycle id to the time the host last reached done
	// in a run of that cycle.
	LastPatched map[string]time.Time

	missed map[string]bool // cycles the host was missed in and not patched since
}

// MissedCycles returns the cycles in which the host was missed and not
// patched by a later run of the same cycle, sorted.
func (h *Host) MissedCycles() []string {
	var cycles []string
	for c := range h.missed {
		cycles = append(cycles, c)
	}
	sort.Strings(cycles)
	return cycles
}

// Run is the derived state of one run.
type Run struct {
	ID        string
	Start     event.RunStarted
	Started   time.Time
	LastHeard time.Time // time of the run's last record
	Finished  bool
	Result    event.RunFinished // valid when Finished
	EndedAt   time.Time
}

// Unfinished reports whether the run has no run-finished record. Such a run
// is either still running or was interrupted, and a held site lock shows which.
func (r *Run) Unfinished() bool { return !r.Finished }

// Resumable reports whether the run can be resumed: it was interrupted, or
// it ended aborted and marked resumable.
func (r *Run) Resumable() bool {
	return !r.Finished || (r.Result.Aborted && r.Result.Resumable)
}

// Hold is a hold the runner set.
type Hold struct {
	event.HoldSet
	Set time.Time
	Run string
}

// Emergency is the derived state of an emergency cycle.
type Emergency struct {
	event.Emergency
	Declared time.Time
	Patched  map[string]time.Time // host → time it was patched
	Closed   bool
	ClosedAt time.Time
}

// New returns an empty State.
func New() *State {
	return &State{
		Hosts:       map[string]*Host{},
		runs:        map[string]*Run{},
		emergencies: map[string]*Emergency{},
	}
}

// Derive applies recs, in seq order, to a new State.
func Derive(recs []event.Record) (*State, error) {
	s := New()
	for _, r := range recs {
		if err := s.Apply(r); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// Run returns the run with id, or nil.
func (s *State) Run(id string) *Run { return s.runs[id] }

// Unfinished returns the runs that have no run-finished record.
func (s *State) Unfinished() []*Run {
	var out []*Run
	for _, r := range s.Runs {
		if r.Unfinished() {
			out = append(out, r)
		}
	}
	return out
}
