package tui

import (
	"strings"

	tea "charm.land/bubbletea/v2"
)

func (s *planScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case playbooksMsg:
		return s.setPlaybooks(msg)
	case planSiteMsg:
		s.selectSite(msg.site)
		s.hosts.SetValue(msg.host)
	case planEmergencyMsg:
		s.planEmergency(msg)
	case fleetLoadedMsg:
		return s.replan()
	case planMadeMsg:
		s.plan, s.planErr, s.req, s.offset = msg.plan, msg.err, msg.req, 0
	case tea.KeyPressMsg:
		return s.updateKey(msg)
	}
	return nil
}

// replan makes the shown plan again after the fleet was reloaded, for
// example when a run ended, because its gates and skips may have
// changed. A plan waiting for confirmation is left alone.
func (s *planScreen) replan() tea.Cmd {
	if s.plan == nil || s.confirm {
		return nil
	}
	return planCmd(s.c.ctx, s.c.backend, s.req)
}

func (s *planScreen) setPlaybooks(msg playbooksMsg) tea.Cmd {
	if msg.err != nil {
		return func() tea.Msg {
			return errMsg{op: "list the playbooks", err: msg.err, hint: "fix the playbook folder, then restart the console"}
		}
	}
	s.playbooks = msg.names
	s.choice[fieldPlaybook] = defaultPlaybook(msg.names)
	return nil
}

// defaultPlaybook returns the index of the monthly Windows playbook, else
// of the first monthly one, else 0: most runs are the monthly cycle, and
// most hosts run Windows.
func defaultPlaybook(names []string) int {
	first := -1
	for i, name := range names {
		if name == "windows-monthly" {
			return i
		}
		if first < 0 && strings.HasSuffix(name, "-monthly") {
			first = i
		}
	}
	return max(first, 0)
}

func (s *planScreen) updateKey(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case s.confirm:
		return s.updateConfirm(msg)
	case s.asking != "":
		return s.updateReason(msg)
	case s.editing:
		return s.updateText(msg)
	}
	switch {
	case matches(msg, planKeys.up):
		s.field = max(s.field-1, 0)
	case matches(msg, planKeys.down):
		s.field = min(s.field+1, fieldCount-1)
	case matches(msg, planKeys.left):
		s.cycle(-1)
	case matches(msg, planKeys.right):
		s.cycle(1)
	case matches(msg, planKeys.edit) && s.field >= fieldHosts:
		s.editing = true
		return s.textField().Focus()
	case matches(msg, planKeys.edit), matches(msg, planKeys.makePlan):
		return s.makePlan()
	default:
		return s.updateAction(msg)
	}
	return nil
}

// updateAction handles overrides, starting and scrolling.
func (s *planScreen) updateAction(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case matches(msg, planKeys.window):
		return s.toggleOverride("window", &s.overrides.Window)
	case matches(msg, planKeys.gate):
		return s.toggleOverride("gate", &s.overrides.Gate)
	case matches(msg, planKeys.start) && s.plan != nil:
		if runnable, _ := s.plan.Counts(); runnable > 0 {
			s.confirm = true
		}
	case matches(msg, planKeys.pageUp):
		s.offset = max(s.offset-s.planHeight(), 0)
	case matches(msg, planKeys.pageDown):
		s.offset = min(s.offset+s.planHeight(), max(s.planLineCount()-s.planHeight(), 0))
	}
	return nil
}

func (s *planScreen) makePlan() tea.Cmd {
	req := s.request()
	if req.Playbook == "" && req.Emergency == "" {
		return nil
	}
	return planCmd(s.c.ctx, s.c.backend, req)
}

// cycle moves the choice of the focused field.
func (s *planScreen) cycle(delta int) {
	n := len(s.options(s.field))
	if s.field > fieldRing || n == 0 {
		return
	}
	if s.field == fieldPlaybook && s.emergency != "" {
		// Choosing a playbook leaves the emergency for the monthly cycle.
		s.emergency, s.emergencyPlaybook = "", ""
		s.invalidate()
		return
	}
	s.choice[s.field] = (s.choice[s.field] + delta + n) % n
	s.invalidate()
}

func (s *planScreen) textField() *lineInput {
	if s.field == fieldHosts {
		return &s.hosts
	}
	return &s.tag
}

// updateText edits the hosts or tag field until enter or esc.
func (s *planScreen) updateText(msg tea.KeyPressMsg) tea.Cmd {
	ti := s.textField()
	if msg.String() == "enter" || msg.String() == "esc" {
		s.editing = false
		ti.Blur()
		s.invalidate()
		return nil
	}
	ti.Update(msg)
	return nil
}

// toggleOverride turns an override off, or prompts for the reason that
// turns it on, because an override without a written reason is not
// accepted.
func (s *planScreen) toggleOverride(name string, reason *string) tea.Cmd {
	s.invalidate()
	if *reason != "" {
		*reason = ""
		return nil
	}
	s.asking = name
	s.reason.SetValue("")
	return s.reason.Focus()
}

func (s *planScreen) updateReason(msg tea.KeyPressMsg) tea.Cmd {
	switch msg.String() {
	case "esc":
		s.asking = ""
		s.reason.Blur()
		return nil
	case "enter":
		text := strings.TrimSpace(s.reason.Value())
		if text == "" {
			return nil
		}
		if s.asking == "window" {
			s.overrides.Window = text
		} else {
			s.overrides.Gate = text
		}
		s.asking = ""
		s.reason.Blur()
		return nil
	}
	s.reason.Update(msg)
	return nil
}

func (s *planScreen) updateConfirm(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case matches(msg, planKeys.yes):
		s.confirm = false
		req, p := s.req, s.plan
		s.invalidate()
		return func() tea.Msg { return startMsg{req: req, plan: p} }
	case matches(msg, planKeys.no):
		s.confirm = false
	}
	return nil
}
