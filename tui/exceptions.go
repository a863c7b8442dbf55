package tui

import (
	"fmt"
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"patchbay/inventory"
)

// exceptionKeys are the keys of the exceptions screen.
var exceptionKeys = struct{ up, down key.Binding }{
	up:   binding("previous exception", "up", "k"),
	down: binding("next exception", "down", "j"),
}

// exceptionsScreen lists the exception register, overdue reviews first,
// with the selected exception's reason and compensating controls.
type exceptionsScreen struct {
	c             *common
	width, height int
	cursor        int
}

func newExceptionsScreen(c *common) *exceptionsScreen { return &exceptionsScreen{c: c} }

func (s *exceptionsScreen) Init() tea.Cmd { return nil }

func (s *exceptionsScreen) SetSize(width, height int) { s.width, s.height = width, height }

func (s *exceptionsScreen) Capturing() bool { return false }

func (s *exceptionsScreen) KeyHelp() []key.Binding {
	return []key.Binding{exceptionKeys.up, exceptionKeys.down}
}

func (s *exceptionsScreen) Update(msg tea.Msg) tea.Cmd {
	key, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	n := len(s.register())
	switch {
	case matches(key, exceptionKeys.up):
		s.cursor = max(s.cursor-1, 0)
	case matches(key, exceptionKeys.down):
		s.cursor = min(s.cursor+1, max(n-1, 0))
	}
	return nil
}

// register returns the exceptions, overdue reviews first, then by review
// date.
func (s *exceptionsScreen) register() []*inventory.Exception {
	if s.c.fleet == nil {
		return nil
	}
	list := slices.Clone(s.c.fleet.Inventory.Exceptions)
	today := inventory.DateOf(s.c.clock)
	slices.SortStableFunc(list, func(a, b *inventory.Exception) int {
		ao, bo := a.ReviewBy.Before(today), b.ReviewBy.Before(today)
		switch {
		case ao != bo && ao:
			return -1
		case ao != bo:
			return 1
		case a.ReviewBy.Before(b.ReviewBy):
			return -1
		case b.ReviewBy.Before(a.ReviewBy):
			return 1
		}
		return 0
	})
	return list
}

func (s *exceptionsScreen) View() string {
	st := s.c.styles
	list := s.register()
	if len(list) == 0 {
		return "No exceptions in the inventory: every host is patched."
	}
	today := inventory.DateOf(s.c.clock)
	widths := []int{22, 12, 12, 16, max(s.width-66, 10)}
	lines := []string{st.header.Render(row(widths, "EXCEPTION", "REVIEW BY", "STATUS", "APPLICATION", "HOSTS"))}
	listHeight := max(s.height-8, 3)
	start := scrollStart(s.cursor, len(list), listHeight)
	for i := start; i < min(start+listHeight, len(list)); i++ {
		e := list[i]
		status := st.ok.Render("current")
		if e.ReviewBy.Before(today) {
			status = st.bad.Render("overdue")
		}
		line := row(widths, e.ID, e.ReviewBy.String(), status, e.App, strings.Join(e.Hosts, ", "))
		if i == s.cursor {
			line = st.selected.Render(cell(line, s.width))
		}
		lines = append(lines, line)
	}
	lines = append(lines, "")
	lines = append(lines, s.detail(list[min(s.cursor, len(list)-1)])...)
	return fit(strings.Join(lines, "\n"), s.width, s.height)
}

// detail describes one exception: reason, pin, controls, owner and
// approval.
func (s *exceptionsScreen) detail(e *inventory.Exception) []string {
	st := s.c.styles
	wrap := func(text string) []string {
		return strings.Split(lipgloss.Wrap(text, max(s.width, 20), " "), "\n")
	}
	lines := []string{st.section.Render("── " + e.ID)}
	lines = append(lines, wrap("Reason: "+e.Reason)...)
	if e.PinnedVersion != "" {
		lines = append(lines, "Held at build "+e.PinnedVersion)
	}
	lines = append(lines, wrap("Controls: "+strings.Join(e.Controls, "; "))...)
	return append(lines, fmt.Sprintf("Owner: %s, approved %s, review by %s", e.Owner, e.Approved, e.ReviewBy))
}
