package cli

import (
	"context"
	"sort"
	"strings"
	"time"

	"patchbay/inventory"
	"patchbay/state"
	"patchbay/state/emergency"
	"patchbay/state/hoststate"
)

// UnfinishedRun is a run without a run-finished record: it is still
// running, or it was interrupted and can be resumed.
type UnfinishedRun struct {
	ID        string    `json:"id"`
	Playbook  string    `json:"playbook"`
	Sites     []string  `json:"sites,omitempty"`
	Started   time.Time `json:"started"`
	LastHeard time.Time `json:"last_heard"`
}

// journalHostState is the HostStateSource over the journal: host and run
// state derived by state/hoststate and emergencies replayed by
// state/emergency, both from one read of the records.
type journalHostState struct {
	state       *hoststate.State
	emergencies []*emergency.Emergency
}

// readHostState reads every record of the journal once and derives the
// state that status shows.
func readHostState(ctx context.Context, store *state.Store) (*journalHostState, error) {
	recs, err := store.Records(ctx, state.Filter{})
	if err != nil {
		return nil, err
	}
	st, err := hoststate.Derive(recs)
	if err != nil {
		return nil, err
	}
	list, err := emergency.Replay(recs)
	if err != nil {
		return nil, err
	}
	return &journalHostState{state: st, emergencies: list}, nil
}

// HostStates implements HostStateSource for the inventory's hosts.
func (j *journalHostState) HostStates(_ context.Context, inv *inventory.Inventory) (map[string]HostState, error) {
	out := map[string]HostState{}
	for _, h := range inv.Hosts {
		st, ok := j.state.Hosts[h.Name]
		if !ok {
			continue
		}
		out[h.Name] = HostState{State: string(st.Phase), Reason: st.Reason, Build: st.Build, LastRun: st.LastRun,
			RebootPending: st.PendingReboot, RebootReason: st.RebootReason, LastSeen: st.LastHeard}
	}
	return out, nil
}

// RunnerHolds implements HostStateSource: the holds the runner set on one
// host that no later record cleared.
func (j *journalHostState) RunnerHolds(context.Context) ([]RunnerHold, error) {
	var out []RunnerHold
	for _, h := range j.state.Holds {
		host, ok := strings.CutPrefix(h.Scope, "host:")
		if !ok {
			continue
		}
		out = append(out, RunnerHold{Host: host, Item: h.Update, Reason: h.Reason, Since: h.Set})
	}
	return out, nil
}

// UnfinishedRuns implements HostStateSource.
func (j *journalHostState) UnfinishedRuns(context.Context) ([]UnfinishedRun, error) {
	var out []UnfinishedRun
	for _, r := range j.state.Unfinished() {
		out = append(out, UnfinishedRun{ID: r.ID, Playbook: r.Start.Playbook, Sites: r.Start.Sites, Started: r.Started, LastHeard: r.LastHeard})
	}
	return out, nil
}

// OpenEmergencies implements HostStateSource.
func (j *journalHostState) OpenEmergencies(context.Context) ([]*emergency.Emergency, error) {
	var out []*emergency.Emergency
	for _, e := range j.emergencies {
		if e.Open() {
			out = append(out, e)
		}
	}
	sort.SliceStable(out, func(a, b int) bool { return out[a].Deadline.Before(out[b].Deadline) })
	return out, nil
}
