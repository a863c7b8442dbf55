package cli

import (
	"context"
	"fmt"
	"sort"

	"patchbay/playbooks/plan"
	"patchbay/state"
	"patchbay/state/event"
)

// priorRunInfo is the part of an earlier run that a resume or retry
// reuses.
type priorRunInfo struct {
	id        string
	playbook  string
	emergency string                     // the emergency ID when the run was an emergency run
	finished  map[string]event.HostPhase // hosts the new run does not run again
	rebooting map[string]bool            // unfinished hosts the earlier run left in a reboot
}

// continuation is the way a new run continues an earlier one: the flag
// that names the earlier run, and the outcome of the hosts it runs again.
type continuation struct {
	flag   string
	target event.HostPhase // "" selects the hosts left unfinished
}

// continuation returns the earlier run that f names and how the new run
// continues it, or "" when f names none.
func (f *runFlags) continuation() (string, continuation) {
	switch {
	case f.resume != "":
		return f.resume, continuation{flag: "--resume"}
	case f.retryFailed != "":
		return f.retryFailed, continuation{flag: "--retry-failed", target: event.PhaseFailed}
	case f.retryMissed != "":
		return f.retryMissed, continuation{flag: "--retry-missed", target: event.PhaseMissed}
	}
	return "", continuation{}
}

// nothingToRun returns the error for a continuation that selects no host.
func (c continuation) nothingToRun(id string) error {
	if c.target == "" {
		return fmt.Errorf("nothing to resume: every host of run %s reached a final state, in that run or in one that resumes or retries it", id)
	}
	return fmt.Errorf("nothing to retry: no host of run %s ended %s, in that run or in one that resumes or retries it", id, c.target)
}

// priorRun reads the run that --resume, --retry-failed or --retry-missed
// names, together with the runs that already resume or retry it, and
// narrows the selection to their hosts. The new run runs the hosts whose
// outcome (see chainOutcomes) is the continuation's target. The other
// finished hosts stay in the selection as finished, so that gates and
// budgets count them. Unfinished hosts are left out unless the new run
// resumes.
func (a *app) priorRun(ctx context.Context, store *state.Store, f *runFlags) (priorRunInfo, error) {
	id, how := f.continuation()
	if id == "" {
		return priorRunInfo{}, nil
	}
	chain, err := readChain(ctx, store, id)
	if err != nil {
		return priorRunInfo{}, err
	}

	root := chain[0].start
	info := priorRunInfo{id: id, playbook: root.Playbook, finished: map[string]event.HostPhase{}, rebooting: map[string]bool{}}
	if root.CycleKind == event.CycleEmergency {
		info.emergency = root.CycleID
	}

	var hosts []string
	runs := 0
	rebooting := leftRebooting(chain)
	for host, outcome := range chainOutcomes(chain) {
		switch outcome {
		case how.target:
			runs++
			if how.target == "" && rebooting[host] {
				info.rebooting[host] = true
			}
		case "":
			continue
		default:
			info.finished[host] = outcome
		}
		hosts = append(hosts, host)
	}
	if runs == 0 {
		return priorRunInfo{}, withExit(ExitPolicy, how.nothingToRun(id))
	}
	sort.Strings(hosts)
	f.sel = plan.Selection{Hosts: hosts}
	return info, nil
}

// chainRun is one run of a chain: the run an id names, or a run that
// resumes or retries a run of the chain.
type chainRun struct {
	id     string
	start  event.RunStarted
	finals map[string]event.HostPhase // final state by host
	last   map[string]event.HostPhase // last journaled state by host
}

// readChain returns run id and every later run that continues it, in
// journal order, with the final states of their hosts.
func readChain(ctx context.Context, store *state.Store, id string) ([]chainRun, error) {
	starts, err := store.Records(ctx, state.Filter{Kinds: []event.Kind{event.KindRunStarted}})
	if err != nil {
		return nil, withExit(ExitFailures, err)
	}
	chain, err := chainOf(starts, id)
	if err != nil {
		return nil, withExit(ExitFailures, err)
	}
	if len(chain) == 0 {
		return nil, usageErrorf("no run %q in the journal; patchbay journal show lists runs", id)
	}
	for i := range chain {
		recs, err := store.Records(ctx, state.Filter{Run: chain[i].id, Kinds: []event.Kind{event.KindHostState}})
		if err != nil {
			return nil, withExit(ExitFailures, err)
		}
		if chain[i].finals, _, err = plan.FinalStates(recs, chain[i].id); err != nil {
			return nil, withExit(ExitFailures, err)
		}
		chain[i].last = lastPhases(recs)
	}
	return chain, nil
}

// chainOf picks from the run-started records starts the run id and the
// runs that continue it. A run continues the chain when its ResumeOf
// names a run already in it. Journal order puts every run after the run
// it continues, so one pass finds them all.
func chainOf(starts []event.Record, id string) ([]chainRun, error) {
	member := map[string]bool{}
	var chain []chainRun
	for _, rec := range starts {
		p, err := rec.Decode()
		if err != nil {
			return nil, err
		}
		start, ok := p.(event.RunStarted)
		if !ok || member[rec.Run] {
			continue
		}
		if rec.Run == id || (start.ResumeOf != "" && member[start.ResumeOf]) {
			member[rec.Run] = true
			chain = append(chain, chainRun{id: rec.Run, start: start})
		}
	}
	return chain, nil
}

// chainOutcomes returns each host's outcome after the chain: its final
// state in the latest run that selected it, or "" when that run left it
// unfinished. A host that failed and then ended done in a retry is done;
// a host whose retry was aborted before it finished is unfinished.
func chainOutcomes(chain []chainRun) map[string]event.HostPhase {
	out := map[string]event.HostPhase{}
	for _, run := range chain {
		for _, host := range run.start.Hosts {
			out[host] = run.finals[host]
		}
	}
	return out
}

// lastPhases returns the last state each host reached in recs, which are
// one run's host-state records in journal order.
func lastPhases(recs []event.Record) map[string]event.HostPhase {
	out := map[string]event.HostPhase{}
	for _, rec := range recs {
		if p, err := rec.Decode(); err == nil {
			if st, ok := p.(event.HostState); ok {
				out[rec.Host] = st.Phase
			}
		}
	}
	return out
}

// leftRebooting returns the hosts that the latest run selecting them left
// in a reboot: rebooting, offline or settling when the run stopped.
func leftRebooting(chain []chainRun) map[string]bool {
	out := map[string]bool{}
	for _, run := range chain {
		for _, host := range run.start.Hosts {
			switch run.last[host] {
			case event.PhaseRebooting, event.PhaseOffline, event.PhaseSettling:
				out[host] = run.finals[host] == ""
			default:
				out[host] = false
			}
		}
	}
	return out
}
