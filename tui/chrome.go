package tui

import (
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
)

// tabBar lists the screens with their number keys.
func (m *Model) tabBar() string {
	st := m.c.styles
	parts := make([]string, len(screenNames))
	for i, name := range screenNames {
		label := fmt.Sprintf("%d %s", i+1, name)
		if i == m.active {
			parts[i] = st.activeTab.Render(label)
		} else {
			parts[i] = st.tab.Render(label)
		}
	}
	return cell(strings.Join(parts, "  "), m.width)
}

// messageLine shows the last error with its remedy, the quit question,
// or the keys of the screen in view.
func (m *Model) messageLine() string {
	st := m.c.styles
	switch {
	case m.aborting:
		return st.warn.Render(cell("Aborting the active runs before quitting…", m.width))
	case m.quitting:
		return st.warn.Render(cell("Runs are active: press y or q again to abort them and quit, any other key to stay.", m.width))
	case m.failure != nil:
		f := m.failure
		return st.errorBar.Render(cell(fmt.Sprintf("Could not %s: %v. %s (esc dismisses)", f.op, f.err, f.hint), m.width))
	}
	return st.dim.Render(cell(shortHelp(m.screens[m.active].KeyHelp())+"  ? help  q quit", m.width))
}

func shortHelp(bindings []key.Binding) string {
	var parts []string
	for _, b := range bindings {
		if len(parts) == 5 {
			break
		}
		h := b.Help()
		parts = append(parts, h.Key+" "+firstWord(h.Desc))
	}
	return strings.Join(parts, "  ")
}

func firstWord(s string) string {
	word, _, _ := strings.Cut(s, " ")
	return word
}

// statusBar shows the inventory, the state directory and the time in the
// selected site's time zone.
func (m *Model) statusBar() string {
	inv, dir, clock := "-", "-", m.c.clock.Format("15:04 MST")
	if f := m.c.fleet; f != nil {
		inv, dir = f.InventoryPath, f.StateDir
		if site := f.Inventory.Site(m.fleet.selectedSite()); site != nil {
			clock = site.ID + " " + m.c.clock.In(site.TimeZone).Format("15:04 MST")
		}
	}
	text := fmt.Sprintf(" inventory %s │ state %s │ %s ", inv, dir, clock)
	return m.c.styles.statusBar.Render(cell(text, m.width))
}

// helpView lists the keys of the screen in view and the global keys. It
// has no blank lines, so that the longest list fits in 80×24.
func (m *Model) helpView() string {
	st := m.c.styles
	lines := []string{st.title.Render("Keys of the "+screenNames[m.active]+" screen") + st.dim.Render(" (any key closes this help)")}
	for _, b := range m.screens[m.active].KeyHelp() {
		lines = append(lines, helpLine(b))
	}
	var screens []string
	for _, b := range appKeys.screens {
		screens = append(screens, b.Help().Key+" "+b.Help().Desc)
	}
	lines = append(lines, st.title.Render("Everywhere"),
		strings.Join(screens[:3], " · "), strings.Join(screens[3:], " · "),
		"? show or hide this help · q quit (asks first while runs are active)")
	return st.overlay.Render(strings.Join(lines, "\n"))
}

func helpLine(b key.Binding) string {
	h := b.Help()
	keys := strings.Join(b.Keys(), "/")
	return fmt.Sprintf("%-12s %s", keys, h.Desc)
}
