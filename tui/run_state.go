package tui

import (
	"strings"
	"time"

	"patchbay/playbooks/plan"
	"patchbay/state/event"
)

// maxOutputLines is how many lines of a host's output the run screen
// keeps; the journal keeps the full output up to its own cap.
const maxOutputLines = 2000

// runHost is one host row of the run screen.
type runHost struct {
	name, site, ring string
	phase            event.HostPhase
	percent          int
	index, total     int
	step             string
	reason           string
	lastHeard        time.Time
	output           outputBuffer
	// planSkipped marks a host that the plan skipped, so the run never
	// contacts it and does not count it in its run.finished record.
	planSkipped bool
}

// runView is the console's picture of one run, built from its events.
type runView struct {
	run    *Run
	hosts  []*runHost
	byName map[string]*runHost
	focus  int
	// scroll is how many lines the output pane is scrolled up from the
	// end; 0 follows the stream.
	scroll   int
	paused   bool
	closed   bool // the event stream ended
	result   *RunResult
	decision string // the last run-wide decision, such as a gate
	resumed  bool   // a later run of this console finishes its hosts
}

func newRunView(r *Run) *runView {
	v := &runView{run: r, byName: map[string]*runHost{}}
	if r.Plan != nil {
		for _, h := range r.Plan.Hosts {
			v.add(h)
		}
	}
	for i, h := range v.hosts {
		if h.phase != event.PhaseSkipped {
			v.focus = i
			break
		}
	}
	return v
}

func (v *runView) add(h *plan.Host) {
	rh := &runHost{name: h.Host.Name, site: h.Host.Site, ring: h.Host.Ring}
	if h.Skip != nil {
		rh.phase, rh.reason, rh.planSkipped = event.PhaseSkipped, h.Skip.String(), true
	}
	v.hosts = append(v.hosts, rh)
	v.byName[rh.name] = rh
}

// host returns the row of name, adding one for a host the plan did not
// list.
func (v *runView) host(name string) *runHost {
	if h, ok := v.byName[name]; ok {
		return h
	}
	h := &runHost{name: name}
	v.hosts = append(v.hosts, h)
	v.byName[name] = h
	return h
}

// apply updates the view with one event of the run.
func (v *runView) apply(e event.Event) {
	if e.Host == "" {
		v.applyRunEvent(e)
		return
	}
	h := v.host(e.Host)
	h.lastHeard = e.Time
	switch p := e.Payload.(type) {
	case event.HostState:
		h.phase, h.reason = p.Phase, p.Reason
		h.percent, h.index, h.total = p.Percent, p.Index, p.Total
	case event.StepStarted:
		h.step = p.Step
	case event.StepFinished:
		if p.Error != "" {
			h.output.write("[" + p.Step + " failed: " + p.Error + "]\n")
		}
	case event.Output:
		h.output.write(p.Data)
	case event.Decision:
		h.output.write("[" + p.What + ": " + p.Reason + "]\n")
	case event.HoldSet:
		h.output.write("[hold set on " + p.Update + ": " + p.Reason + "]\n")
	}
}

func (v *runView) applyRunEvent(e event.Event) {
	switch p := e.Payload.(type) {
	case event.Decision:
		v.decision = strings.TrimSpace(p.Site+" "+p.Ring) + " " + p.What + ": " + p.Reason
	case event.RunFinished:
		v.closed = true
	}
}

// totals counts the hosts of the run in each phase, as its run.finished
// record does, and the hosts the plan skipped apart. It also returns the
// hosts of the run and how many of them reached a final state.
func (v *runView) totals() (counts map[event.HostPhase]int, planSkipped, runnable, finished int) {
	counts = map[event.HostPhase]int{}
	for _, h := range v.hosts {
		if h.planSkipped {
			planSkipped++
			continue
		}
		counts[h.phase]++
		runnable++
		if h.phase.Final() {
			finished++
		}
	}
	return counts, planSkipped, runnable, finished
}

// state returns the run's state in one word.
func (v *runView) state() string {
	switch {
	case v.result != nil && v.result.Err != nil:
		return "stopped"
	case v.result != nil && v.result.Summary != nil && v.result.Summary.Aborted:
		return "aborted"
	case v.result != nil || v.closed:
		return "finished"
	case v.paused:
		return "paused"
	}
	return "running"
}

// failedHosts returns the hosts that ended failed.
func (v *runView) failedHosts() int {
	n := 0
	for _, h := range v.hosts {
		if h.phase == event.PhaseFailed {
			n++
		}
	}
	return n
}

// outputBuffer keeps the last maxOutputLines lines of a host's output.
type outputBuffer struct {
	lines   []string
	partial string
}

func (b *outputBuffer) write(data string) {
	data = strings.ReplaceAll(b.partial+data, "\r\n", "\n")
	parts := strings.Split(data, "\n")
	b.partial = parts[len(parts)-1]
	b.lines = append(b.lines, parts[:len(parts)-1]...)
	if over := len(b.lines) - maxOutputLines; over > 0 {
		b.lines = append([]string(nil), b.lines[over:]...)
	}
}

// tail returns n lines ending scroll lines before the end, and the
// scroll clamped to what the buffer holds.
func (b *outputBuffer) tail(n, scroll int) ([]string, int) {
	all := b.lines
	if b.partial != "" {
		all = append(all[:len(all):len(all)], b.partial)
	}
	scroll = min(max(scroll, 0), max(len(all)-n, 0))
	end := len(all) - scroll
	return all[max(end-n, 0):end], scroll
}
