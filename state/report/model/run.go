package model

import "strconv"

// RunHost is one host's part of a run.
type RunHost struct {
	Host    string   `json:"host"`
	Phase   string   `json:"phase"` // final phase, or the last one of an unfinished host
	Reason  string   `json:"reason,omitempty"`
	Updates []string `json:"updates,omitempty"` // "UPDATE: RESULT" per update result
}

// Decision is a choice journaled during a run, such as a skip or an
// override.
type Decision struct {
	Time   string `json:"time"`
	Host   string `json:"host,omitempty"`
	What   string `json:"what"`
	Reason string `json:"reason"`
}

// RunReport is the report of one run.
type RunReport struct {
	Head      Head       `json:"head"`
	Run       Run        `json:"run"`
	Cycle     string     `json:"cycle_kind,omitempty"`
	Hosts     []RunHost  `json:"hosts"`
	Decisions []Decision `json:"decisions"`
}

// Tables returns the run report's sections as tables.
func (r *RunReport) Tables() []Table {
	run := r.Run
	summary := Table{Name: "run", Title: "Run", Columns: []string{"item", "value"}, Rows: [][]string{
		{"run", run.ID}, {"journal head", r.Head.String()}, {"started", FormatTime(run.Started)},
		{"operator", run.Operator}, {"playbook", run.Playbook}, {"scope", run.Scope},
		{"cycle", run.Cycle}, {"cycle kind", r.Cycle}, {"outcome", run.Outcome()},
		{"done", strconv.Itoa(run.Done)}, {"reboot pending", strconv.Itoa(run.RebootPending)}, {"failed", strconv.Itoa(run.Failed)},
		{"missed", strconv.Itoa(run.Missed)}, {"skipped", strconv.Itoa(run.Skipped)},
		{"overrides", list(run.Overrides)},
	}}
	hosts := Table{Name: "hosts", Title: "Hosts", Columns: []string{"host", "phase", "reason", "updates"}}
	for _, h := range r.Hosts {
		hosts.Rows = append(hosts.Rows, []string{h.Host, h.Phase, h.Reason, list(h.Updates)})
	}
	decisions := Table{Name: "decisions", Title: "Decisions", Columns: []string{"time", "host", "what", "reason"}}
	for _, d := range r.Decisions {
		decisions.Rows = append(decisions.Rows, []string{d.Time, d.Host, d.What, d.Reason})
	}
	return []Table{summary, hosts, decisions}
}
