package report

import (
	"sort"

	"patchbay/state/event"
	"patchbay/state/report/model"
)

// incidents lists the quarter's failed hosts, reboot loops, aborted runs,
// overrides and spent failure budgets, in time order.
func (b *builder) incidents() []model.Incident {
	var out []model.Incident
	out = append(out, b.failedHosts()...)
	out = append(out, b.rebootLoops()...)
	for _, run := range b.quarterRuns() {
		out = append(out, runIncidents(run, b.facts.runResults[run.id])...)
	}
	for _, d := range b.facts.budgets {
		if b.wantSite(d.site) && b.inQuarter(d.time, d.site) {
			out = append(out, model.Incident{Time: d.time, Kind: model.IncidentBudget, Run: d.run,
				Operator: b.operator(d.run), Reason: d.site + ": " + d.reason})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Time.Before(out[j].Time) })
	return out
}

// rebootLoops returns one incident per host and run in which the runner
// held updates because they were pending again after a reboot.
func (b *builder) rebootLoops() []model.Incident {
	var out []model.Incident
	index := map[loop]int{}
	for _, h := range b.facts.holds {
		for _, l := range h.loops {
			site := b.hostSite(l.host)
			if l.host == "" || !b.wantSite(site) || !b.inQuarter(l.time, site) {
				continue
			}
			key := loop{run: l.run, host: l.host}
			if i, ok := index[key]; ok {
				out[i].Reason += ", " + h.Update
				continue
			}
			index[key] = len(out)
			out = append(out, model.Incident{Time: l.time, Kind: model.IncidentRebootLoop, Run: l.run, Host: l.host,
				Operator: b.operator(l.run), Reason: "pending again after a reboot, held: " + h.Update})
		}
	}
	return out
}

func (b *builder) failedHosts() []model.Incident {
	var out []model.Incident
	for host, marks := range b.facts.marks {
		site := b.hostSite(host)
		if !b.wantSite(site) {
			continue
		}
		for _, m := range marks {
			if m.kind == markFailed && b.inQuarter(m.time, site) {
				out = append(out, model.Incident{Time: m.time, Kind: model.IncidentFailedHost, Run: m.run, Host: host,
					Operator: b.operator(m.run), Reason: m.reason})
			}
		}
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].Time.Equal(out[j].Time) {
			return out[i].Time.Before(out[j].Time)
		}
		return out[i].Host < out[j].Host
	})
	return out
}

func runIncidents(run *runInfo, results map[string]event.HostPhase) []model.Incident {
	var out []model.Incident
	for _, o := range run.start.Overrides {
		kind := model.IncidentGateOverride
		if o.What == "window" {
			kind = model.IncidentWindowOverride
		}
		out = append(out, model.Incident{Time: run.started, Kind: kind, Run: run.id, Operator: run.operator(), Reason: o.Reason})
	}
	if run.finished && run.result.Aborted {
		out = append(out, model.Incident{Time: run.ended, Kind: model.IncidentAbortedRun, Run: run.id, Operator: run.operator(),
			Reason: "aborted after " + runRow(run, results).Counts()})
	}
	return out
}

func (b *builder) operator(run string) string {
	if r := b.facts.runs[run]; r != nil {
		return r.operator()
	}
	return ""
}

// quarterRuns returns the runs that started in the quarter at a covered
// site, in start order.
func (b *builder) quarterRuns() []*runInfo {
	var out []*runInfo
	for _, run := range b.facts.runOrder {
		if !b.inQuarter(run.started, run.start.Sites...) {
			continue
		}
		if b.site != "" && !containsString(run.start.Sites, b.site) {
			continue
		}
		out = append(out, run)
	}
	return out
}

func containsString(list []string, s string) bool {
	for _, e := range list {
		if e == s {
			return true
		}
	}
	return false
}

// runs returns the appendix of the quarter's runs.
func (b *builder) runs() []model.Run {
	var out []model.Run
	for _, run := range b.quarterRuns() {
		out = append(out, runRow(run, b.facts.runResults[run.id]))
	}
	return out
}

// runRow returns a run's appendix row, with counts from the final states
// that the run journaled for its hosts. The run-finished record gives only
// whether the run finished and was aborted, because older records count
// reboot-pending hosts as done and count a resume's hosts together with
// those its parent run finished.
func runRow(run *runInfo, results map[string]event.HostPhase) model.Run {
	row := model.Run{
		ID: run.id, Started: run.started, Operator: run.operator(), Playbook: run.start.Playbook,
		Scope: run.start.Selection, Cycle: run.start.CycleID, Finished: run.finished,
	}
	if row.Scope == "" {
		row.Scope = "all"
	}
	for _, o := range run.start.Overrides {
		row.Overrides = append(row.Overrides, o.What+": "+o.Reason)
	}
	row.Aborted = run.finished && run.result.Aborted
	for _, phase := range results {
		switch phase {
		case event.PhaseDone:
			row.Done++
		case event.PhaseRebootPending:
			row.RebootPending++
		case event.PhaseFailed:
			row.Failed++
		case event.PhaseMissed:
			row.Missed++
		case event.PhaseSkipped:
			row.Skipped++
		}
	}
	return row
}
