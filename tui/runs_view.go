package tui

import (
	"charm.land/lipgloss/v2"
	"fmt"
	"strings"
	"time"

	"patchbay/state/event"
)

// Hosts that send nothing for quietAfter get an amber "last heard", and
// after silentAfter a red one. A Windows update can stay silent for
// minutes while it installs, so amber is a hint and red a likely hang.
const (
	quietAfter  = 2 * time.Minute
	silentAfter = 10 * time.Minute
)

// runHeaderLines is the number of lines above the host table.
const runHeaderLines = 3

func (s *runsScreen) View() string {
	v := s.view()
	if v == nil {
		return fit(strings.Join(s.earlierLines(), "\n"), s.width, s.height)
	}
	lines := s.headerLines(v)
	lines = append(lines, s.hostLines(v, s.hostsHeight())...)
	lines = append(lines, s.outputLines(v)...)
	return fit(strings.Join(lines, "\n"), s.width, s.height)
}

// hostsHeight is the number of lines of the host table with its heading.
func (s *runsScreen) hostsHeight() int {
	return max((s.height-runHeaderLines)*3/5, 3)
}

// outputHeight is the number of output lines shown.
func (s *runsScreen) outputHeight() int {
	return max(s.height-runHeaderLines-s.hostsHeight()-1, 1)
}

func (s *runsScreen) headerLines(v *runView) []string {
	st := s.c.styles
	title := fmt.Sprintf("Run %d/%d  %s  %s", s.current+1, len(s.runs), v.run.ID, v.run.Playbook)
	if v.run.Plan != nil {
		title += " over " + v.run.Plan.Selection.String()
	}
	state := v.state()
	stateText := "[" + state + "]"
	switch state {
	case "paused", "aborted":
		stateText = st.warn.Render(stateText)
	case "stopped":
		stateText = st.bad.Render(stateText)
	}
	counts, planSkipped, runnable, finished := v.totals()
	frac := 0.0
	if runnable > 0 {
		frac = float64(finished) / float64(runnable)
	}
	progress := fmt.Sprintf("%s %d/%d finished  %s", bar(min(20, s.width/4), frac), finished, runnable, countsText(counts, planSkipped))
	return []string{st.title.Render(title) + "  " + stateText, progress, s.noticeLine(v)}
}

// noticeLine shows the abort question, the run's error or its last
// run-wide decision.
func (s *runsScreen) noticeLine(v *runView) string {
	st := s.c.styles
	switch {
	case s.confirmAbort:
		return st.bad.Render("Abort this run? Running steps are cancelled; finish the hosts later with u. y/n")
	case v.result != nil && v.result.Err != nil:
		return st.bad.Render("Run stopped: " + v.result.Err.Error() + ". Check the state directory's disk and permissions, then press u to finish it.")
	case v.result != nil && len(v.unfinished()) > 0:
		return st.warn.Render(fmt.Sprintf("%s unfinished: press u to finish them", hostCount(len(v.unfinished()))))
	case v.result != nil && v.failedHosts() > 0:
		return st.warn.Render(fmt.Sprintf("%s failed: press f to retry them", hostCount(v.failedHosts())))
	case v.decision != "":
		return st.dim.Render(v.decision)
	}
	return ""
}

// countsText lists the final phases of the run's hosts, whose skipped
// count is the one the run.finished record gives, then the hosts the plan
// skipped.
func countsText(counts map[event.HostPhase]int, planSkipped int) string {
	var parts []string
	for _, p := range []event.HostPhase{event.PhaseDone, event.PhaseRebootPending, event.PhaseFailed, event.PhaseMissed} {
		if counts[p] > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", counts[p], p))
		}
	}
	if n := counts[event.PhaseSkipped]; n > 0 {
		parts = append(parts, fmt.Sprintf("%d skipped in the run", n))
	}
	if planSkipped > 0 {
		parts = append(parts, fmt.Sprintf("%d skipped by the plan", planSkipped))
	}
	return strings.Join(parts, " · ")
}

// runColumns returns the widths of host, state, progress, step and last
// heard.
func runColumns(width int) []int {
	heard := 9
	host := min(18, max(width/5, 10))
	state := 20
	progress := 12
	step := max(width-host-state-progress-heard-4, 0)
	if step < 8 {
		step, progress = 0, max(width-host-state-heard-3, 0)
	}
	return []int{host, state, progress, step, heard}
}

func (s *runsScreen) hostLines(v *runView, height int) []string {
	st := s.c.styles
	widths := runColumns(s.width)
	lines := []string{st.header.Render(row(widths, "HOST", "STATE", "PROGRESS", "STEP", "HEARD/END"))}
	rows := height - 1
	start := scrollStart(v.focus, len(v.hosts), rows)
	for i := start; i < min(start+rows, len(v.hosts)); i++ {
		h := v.hosts[i]
		line := row(widths, h.name, s.phaseText(h), hostBar(h, widths[2]), h.step, s.heardText(h))
		if i == v.focus {
			line = st.selected.Render(cell(line, s.width))
		}
		lines = append(lines, line)
	}
	for len(lines) < height {
		lines = append(lines, "")
	}
	return lines
}

func (s *runsScreen) phaseText(h *runHost) string {
	st := s.c.styles
	text := string(h.phase)
	switch {
	case h.phase == "":
		return st.dim.Render("waiting")
	case h.phase == event.PhaseDownloading:
		text = fmt.Sprintf("downloading %d %%", h.percent)
	case h.phase == event.PhaseInstalling && h.total > 0:
		text = fmt.Sprintf("installing %d/%d", h.index, h.total)
	case h.reason != "":
		text += ": " + h.reason
	}
	switch h.phase {
	case event.PhaseFailed, event.PhaseMissed:
		return st.bad.Render(text)
	case event.PhaseDone:
		return st.ok.Render(text)
	case event.PhaseRebootPending, event.PhaseSkipped:
		return st.warn.Render(text)
	}
	return text
}

// hostBar draws the host's own progress: the download percentage, the
// installed share of its updates, or a full bar once it finished.
func hostBar(h *runHost, width int) string {
	switch {
	case h.phase == event.PhaseDownloading:
		return bar(width, float64(h.percent)/100)
	case h.phase == event.PhaseInstalling && h.total > 0:
		return bar(width, float64(h.index)/float64(h.total))
	case h.phase == event.PhaseDone || h.phase == event.PhaseRebootPending:
		return bar(width, 1)
	}
	return ""
}

// heardText is, while the host runs, the time since its last event, amber
// with one "!" after quietAfter and red with "!!" after silentAfter. Once
// the host finished, it is the site-local time of its last event.
func (s *runsScreen) heardText(h *runHost) string {
	if h.lastHeard.IsZero() {
		return "-"
	}
	if h.phase.Final() {
		return s.c.styles.dim.Render(s.siteTime(h).Format("15:04 MST"))
	}
	ago := s.c.clock.Sub(h.lastHeard)
	text := span(max(ago, 0))
	switch {
	case ago >= silentAfter:
		return s.c.styles.bad.Render(text + " !!")
	case ago >= quietAfter:
		return s.c.styles.warn.Render(text + " !")
	}
	return text
}

// siteTime returns the host's last event in its site's time zone, or as
// recorded when the inventory does not list the site.
func (s *runsScreen) siteTime(h *runHost) time.Time {
	if f := s.c.fleet; f != nil && f.Inventory != nil {
		if site := f.Inventory.Site(h.site); site != nil && site.TimeZone != nil {
			return h.lastHeard.In(site.TimeZone)
		}
	}
	return h.lastHeard
}

// outputLines renders the focused host's output with a heading.
func (s *runsScreen) outputLines(v *runView) []string {
	st := s.c.styles
	n := s.outputHeight()
	if len(v.hosts) == 0 {
		return []string{st.section.Render("── output")}
	}
	h := v.hosts[min(v.focus, len(v.hosts)-1)]
	lines, scroll := h.output.tail(n, v.scroll)
	heading := "── output of " + h.name
	if scroll > 0 {
		heading += fmt.Sprintf(" (%d lines up; end follows)", scroll)
	}
	out := []string{st.section.Render(heading)}
	if h.reason != "" {
		reason := s.reasonLines(h)
		out = append(out, reason...)
		if over := len(lines) + len(reason) - n; over > 0 {
			lines = lines[min(over, len(lines)):]
		}
	}
	for _, l := range lines {
		out = append(out, cell(l, s.width))
	}
	if len(lines) == 0 {
		out = append(out, st.dim.Render("no output yet"))
	}
	return out
}

// reasonLines give the focused host's failure, miss or skip reason in
// full, at most two lines, above its output.
func (s *runsScreen) reasonLines(h *runHost) []string {
	text := lipgloss.Wrap(string(h.phase)+": "+h.reason, max(s.width, 20), " ")
	lines := strings.Split(text, "\n")
	lines = lines[:min(len(lines), 2)]
	for i, l := range lines {
		lines[i] = s.c.styles.warn.Render(l)
	}
	return lines
}

// earlierLines invite a plan while no run was started here, and list the
// journal's runs that can be resumed.
func (s *runsScreen) earlierLines() []string {
	st := s.c.styles
	wrap := func(text string) []string { return strings.Split(lipgloss.Wrap(text, max(s.width, 20), " "), "\n") }
	lines := wrap("No run started in this console. Press 2 to plan one: pick a playbook and a scope, check the plan, confirm.")
	runs := s.resumable()
	if len(runs) == 0 {
		return lines
	}
	lines = append(lines, "", st.section.Render("── Runs in the journal that did not finish: u resumes the selected one"))
	for _, l := range wrap("A run still going in another patchbay holds its sites' locks, so resuming it fails.") {
		lines = append(lines, st.dim.Render(l))
	}
	widths := []int{24, 18, max(s.width-60, 10), 15}
	lines = append(lines, st.header.Render(row(widths, "RUN", "PLAYBOOK", "SELECTION", "LAST HEARD UTC")))
	for i, r := range runs {
		line := row(widths, r.ID, r.Start.Playbook, r.Start.Selection, r.LastHeard.UTC().Format("01-02 15:04"))
		if i == s.earlier {
			line = st.selected.Render(cell(line, s.width))
		}
		lines = append(lines, line)
	}
	return lines
}
