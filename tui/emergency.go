package tui

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"patchbay/state/emergency"
	"patchbay/state/exposure"
)

// emergencyKeys are the keys of the emergency screen.
var emergencyKeys = struct{ up, down, pageUp, pageDown, plan key.Binding }{
	up:       binding("previous open emergency", "up", "k"),
	down:     binding("next open emergency", "down", "j"),
	pageUp:   binding("scroll up", "pgup"),
	pageDown: binding("scroll down", "pgdown"),
	plan:     binding("plan a run of the selected emergency", "enter"),
}

// planEmergencyMsg requests the plan screen on an emergency.
type planEmergencyMsg struct {
	id, playbook string
}

// emergencyScreen shows declared emergencies with a deadline clock per
// site, then the known-exploited CVEs that match the fleet.
type emergencyScreen struct {
	c             *common
	width, height int
	offset        int
	selected      int // index among the open emergencies
}

func newEmergencyScreen(c *common) *emergencyScreen { return &emergencyScreen{c: c} }

func (s *emergencyScreen) Init() tea.Cmd { return nil }

func (s *emergencyScreen) SetSize(width, height int) { s.width, s.height = width, height }

func (s *emergencyScreen) Capturing() bool { return false }

func (s *emergencyScreen) KeyHelp() []key.Binding {
	k := emergencyKeys
	return []key.Binding{k.up, k.down, k.pageUp, k.pageDown, k.plan}
}

// openEmergencies returns the emergencies not closed, in journal order.
func (s *emergencyScreen) openEmergencies() []*emergency.Emergency {
	if s.c.fleet == nil {
		return nil
	}
	var open []*emergency.Emergency
	for _, e := range s.c.fleet.Emergencies {
		if e.Closed.IsZero() {
			open = append(open, e)
		}
	}
	return open
}

func (s *emergencyScreen) Update(msg tea.Msg) tea.Cmd {
	key, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	open := s.openEmergencies()
	switch {
	case matches(key, emergencyKeys.up):
		s.selected = max(s.selected-1, 0)
	case matches(key, emergencyKeys.down):
		s.selected = min(s.selected+1, max(len(open)-1, 0))
	case matches(key, emergencyKeys.pageUp):
		s.offset = max(s.offset-s.height, 0)
	case matches(key, emergencyKeys.pageDown):
		s.offset = min(s.offset+s.height, max(len(s.lines())-s.height, 0))
	case matches(key, emergencyKeys.plan) && s.selected < len(open):
		e := open[s.selected]
		return func() tea.Msg { return planEmergencyMsg{id: e.ID, playbook: e.Playbook} }
	}
	return nil
}

func (s *emergencyScreen) View() string {
	lines := s.lines()
	start := min(s.offset, len(lines))
	return fit(strings.Join(lines[start:], "\n"), s.width, s.height)
}

func (s *emergencyScreen) lines() []string {
	f := s.c.fleet
	if f == nil {
		return []string{"Loading…"}
	}
	lines := []string{s.c.styles.section.Render("── Declared emergencies")}
	lines = append(lines, s.emergencyLines(f.Emergencies)...)
	lines = append(lines, "", s.c.styles.section.Render("── Known-exploited CVEs matching the fleet"))
	return append(lines, s.findingLines(f.Findings)...)
}

// emergencyLines lists open emergencies, then closed ones, each with its
// deadline and progress per site in the site's time zone.
func (s *emergencyScreen) emergencyLines(list []*emergency.Emergency) []string {
	if len(list) == 0 {
		return []string{s.c.styles.dim.Render("none declared (patchbay emergency declare CVE…)")}
	}
	open := slices.Clone(list)
	slices.SortStableFunc(open, func(a, b *emergency.Emergency) int {
		return boolRank(!a.Closed.IsZero()) - boolRank(!b.Closed.IsZero())
	})
	var lines []string
	n := 0
	for _, e := range open {
		marker := "  "
		if e.Closed.IsZero() {
			if n == s.selected {
				marker = "> "
			}
			n++
		}
		lines = append(lines, marker+s.emergencyTitle(e))
		if e.Closed.IsZero() {
			lines = append(lines, s.siteClocks(e)...)
		}
	}
	return lines
}

func boolRank(b bool) int {
	if b {
		return 1
	}
	return 0
}

func (s *emergencyScreen) emergencyTitle(e *emergency.Emergency) string {
	st := s.c.styles
	title := fmt.Sprintf("%s  %s  %d/%d hosts patched", e.ID, strings.Join(e.CVEs, ", "), len(e.Patched), len(e.Hosts))
	if !e.Closed.IsZero() {
		return st.dim.Render(title + "  closed " + e.Closed.UTC().Format("2006-01-02"))
	}
	left := e.Deadline.Sub(s.c.clock)
	if left <= 0 {
		return st.bad.Render(title + "  deadline passed " + span(-left) + " ago")
	}
	text := title + "  " + span(left) + " left"
	if left < 12*time.Hour {
		return st.warn.Render(text)
	}
	return st.title.Render(text)
}

// siteClocks gives one line per site of the emergency: the deadline in
// site-local time and the site's patched hosts.
func (s *emergencyScreen) siteClocks(e *emergency.Emergency) []string {
	inv := s.c.fleet.Inventory
	var lines []string
	for _, site := range inv.Sites {
		total, patched := 0, 0
		for _, name := range e.Hosts {
			if h := inv.Host(name); h != nil && h.Site == site.ID {
				total++
				if _, ok := e.Patched[name]; ok {
					patched++
				}
			}
		}
		if total == 0 {
			continue
		}
		lines = append(lines, fmt.Sprintf("   %-12s deadline %s  %s  %d/%d patched", site.ID,
			e.Deadline.In(site.TimeZone).Format("Mon 01-02 15:04 MST"), bar(10, float64(patched)/float64(total)), patched, total))
	}
	return lines
}

// findingLines groups the findings by CVE with a count per status and
// the exposed hosts.
func (s *emergencyScreen) findingLines(findings []exposure.Finding) []string {
	st := s.c.styles
	if findings == nil {
		return []string{st.dim.Render("no catalogue imported (patchbay kev import)")}
	}
	var order []string
	byCVE := map[string][]exposure.Finding{}
	for _, f := range findings {
		if _, ok := byCVE[f.CVE]; !ok {
			order = append(order, f.CVE)
		}
		byCVE[f.CVE] = append(byCVE[f.CVE], f)
	}
	var lines []string
	for _, cve := range order {
		counts := map[exposure.Status]int{}
		var hosts []string
		for _, f := range byCVE[cve] {
			counts[f.Status]++
			if f.Status == exposure.StatusExposed || f.Status == exposure.StatusPossiblyExposed {
				hosts = append(hosts, f.Host)
			}
		}
		text := fmt.Sprintf("%-16s %d exposed, %d possibly, %d excepted, %d devices", cve,
			counts[exposure.StatusExposed], counts[exposure.StatusPossiblyExposed],
			counts[exposure.StatusExcepted], counts[exposure.StatusDevice])
		if counts[exposure.StatusExposed] > 0 {
			text = st.bad.Render(text)
		}
		lines = append(lines, text)
		if len(hosts) > 0 {
			wrapped := lipgloss.Wrap("hosts: "+strings.Join(hosts, " "), max(s.width-3, 20), " ")
			for _, l := range strings.Split(wrapped, "\n") {
				lines = append(lines, "   "+l)
			}
		}
	}
	if len(lines) == 0 {
		lines = append(lines, st.ok.Render("no entry of the catalogue concerns the fleet"))
	}
	return lines
}
