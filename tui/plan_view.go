package tui

import (
	"charm.land/lipgloss/v2"
	"fmt"
	"strings"
	"time"

	"patchbay/playbooks/plan"
)

// planFormLines is the height of the form above the plan.
const planFormLines = 6

func (s *planScreen) planHeight() int { return max(s.height-planFormLines-1, 1) }

func (s *planScreen) View() string {
	lines := s.formLines()
	lines = append(lines, s.planHeading())
	body := s.planLines()
	end := min(s.offset+s.planHeight(), len(body))
	lines = append(lines, body[min(s.offset, end):end]...)
	return fit(strings.Join(lines, "\n"), s.width, s.height)
}

func (s *planScreen) formLines() []string {
	choice := func(field int, all string) string {
		v := s.choiceValue(field)
		if v == "" {
			v = all
		}
		return "< " + v + " >"
	}
	lines := []string{
		s.label(fieldPlaybook, "Playbook") + s.playbookText(choice(fieldPlaybook, "(none found)")),
		s.label(fieldSite, "Site") + choice(fieldSite, "all sites"),
		s.label(fieldRing, "Ring") + choice(fieldRing, "all rings"),
		s.label(fieldHosts, "Hosts") + s.hosts.View(),
		s.label(fieldTag, "Tag") + s.tag.View(),
		s.overrideLine(),
	}
	return lines
}

// playbookText names the emergency and its playbook in emergency mode,
// or returns the playbook choice.
func (s *planScreen) playbookText(choice string) string {
	if s.emergency == "" {
		return choice
	}
	pb := s.emergencyPlaybook
	if pb == "" {
		pb = "no playbook yet"
	}
	return s.c.styles.bad.Render("emergency "+s.emergency+": "+pb) + s.c.styles.dim.Render("  (left/right: monthly playbooks)")
}

// label renders a field's name, marked when the field has the focus.
func (s *planScreen) label(field int, name string) string {
	text := fmt.Sprintf("  %-10s", name)
	if field == s.field {
		return s.c.styles.selected.Render(fmt.Sprintf("> %-10s", name))
	}
	return text
}

func (s *planScreen) overrideLine() string {
	st := s.c.styles
	if s.asking != "" {
		return st.warn.Render("Reason to override the "+s.asking+" (journaled; enter keeps, esc cancels): ") + s.reason.View()
	}
	text := "  Overrides  window: " + orNone(s.overrides.Window) + "  gate: " + orNone(s.overrides.Gate)
	if s.overrides.Window != "" || s.overrides.Gate != "" {
		return st.warn.Render(text)
	}
	return st.dim.Render(text)
}

func orNone(reason string) string {
	if reason == "" {
		return "none"
	}
	return "\"" + reason + "\""
}

// planHeading summarises the plan, or explains how to make one.
func (s *planScreen) planHeading() string {
	st := s.c.styles
	switch {
	case s.confirm:
		runnable, _ := s.plan.Counts()
		return st.warn.Render(fmt.Sprintf("Run %s on %d hosts now? y starts it, n cancels", s.plan.Playbook.Name, runnable))
	case s.planErr != nil:
		return st.bad.Render("Could not plan: " + s.planErr.Error())
	case s.plan == nil:
		return st.dim.Render("── no plan yet: press p (or enter) to see what a run would do")
	}
	runnable, skipped := s.plan.Counts()
	next := "s starts"
	if runnable == 0 {
		next = "nothing to start"
	}
	text := fmt.Sprintf("── plan: %d run, %d skipped, %d medical devices never contacted; %s",
		runnable, skipped, len(s.plan.Devices), next)
	return st.section.Render(text)
}

// planLines renders every planned host with its steps or skip reason.
func (s *planScreen) planLines() []string {
	if s.plan == nil {
		return nil
	}
	st := s.c.styles
	widths := planColumns(s.width)
	lines := []string{st.header.Render(row(widths, "HOST", "SITE", "RING", "WHAT"))}
	for _, h := range s.plan.Hosts {
		style := st.ok
		if h.Skip != nil {
			style = st.warn
		}
		lines = append(lines, wrapRow(widths, style.Render, h.Host.Name, h.Host.Site, h.Host.Ring, planWhat(h))...)
	}
	for _, d := range s.plan.Devices {
		what := "skipped: medical device (" + d.Vendor + " " + d.Model + "); never contacted"
		lines = append(lines, wrapRow(widths, st.dim.Render, d.Name, d.Site, "-", what)...)
	}
	return lines
}

// wrapRow renders a row whose last cell wraps onto continuation lines,
// so that no skip reason is cut.
func wrapRow(widths []int, style func(...string) string, cells ...string) []string {
	last := len(cells) - 1
	wrapped := strings.Split(lipgloss.Wrap(cells[last], widths[last], " "), "\n")
	lines := []string{row(widths, append(cells[:last:last], style(wrapped[0]))...)}
	blank := make([]string, last)
	for _, more := range wrapped[1:] {
		lines = append(lines, row(widths, append(blank, style(more))...))
	}
	return lines
}

func (s *planScreen) planLineCount() int { return len(s.planLines()) }

func planColumns(width int) []int {
	return []int{14, 8, 10, max(width-35, 10)}
}

// planWhat describes what the plan does on a host: its steps, or why
// it is skipped.
func planWhat(h *plan.Host) string {
	if h.Skip != nil {
		return "skipped: " + h.Skip.String()
	}
	names := make([]string, len(h.Steps))
	for i, step := range h.Steps {
		names[i] = step.Name
	}
	what := "run " + strings.Join(names, ", ")
	if h.ReadOnly {
		what += " (read-only: excepted host)"
	}
	if h.Expected > 0 {
		what += " ~" + span(h.Expected.Round(time.Minute))
	}
	return what
}
