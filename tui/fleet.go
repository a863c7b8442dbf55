package tui

import (
	"fmt"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// fleetKeys are the keys of the fleet screen.
var fleetKeys = struct {
	up, down, pane, filter, clear, plan, reload key.Binding
}{
	up:     binding("move up", "up", "k"),
	down:   binding("move down", "down", "j"),
	pane:   binding("switch between sites and hosts", "tab"),
	filter: binding("filter hosts", "/"),
	clear:  binding("clear the filter", "esc"),
	plan:   binding("plan a run on the selected site or host", "enter"),
	reload: binding("reload inventory and journal", "r"),
}

// fleetScreen shows the sites on the left and the selected site's hosts
// on the right.
type fleetScreen struct {
	c             *common
	width, height int
	sites         []siteSummary
	site          int // selected site
	hosts         []hostRow
	host          int  // selected host row
	onHosts       bool // the host pane has the focus
	filter        lineInput
	filtering     bool
}

// planSiteMsg requests the plan screen on a site, or on one host of it.
type planSiteMsg struct{ site, host string }

func newFleetScreen(c *common) *fleetScreen {
	return &fleetScreen{c: c, filter: lineInput{prompt: "/", placeholder: "name, platform, ring or state"}}
}

func (s *fleetScreen) Init() tea.Cmd { return nil }

// refresh recomputes the rows from the fleet in common.
func (s *fleetScreen) refresh() {
	if s.c.fleet == nil {
		return
	}
	s.sites = summarizeSites(s.c.fleet, s.c.clock)
	s.site = min(s.site, max(len(s.sites)-1, 0))
	s.refreshHosts()
}

func (s *fleetScreen) refreshHosts() {
	s.hosts = nil
	if id := s.selectedSite(); id != "" {
		s.hosts = siteHosts(s.c.fleet, id, s.filter.Value())
	}
	s.host = min(s.host, max(len(s.hosts)-1, 0))
}

// selectedSite returns the id of the selected site, or "".
func (s *fleetScreen) selectedSite() string {
	if s.site < len(s.sites) {
		return s.sites[s.site].site.ID
	}
	return ""
}

func (s *fleetScreen) Update(msg tea.Msg) tea.Cmd {
	key, ok := msg.(tea.KeyPressMsg)
	if !ok {
		return nil
	}
	if s.filtering {
		return s.updateFilter(key)
	}
	switch {
	case matches(key, fleetKeys.up):
		s.move(-1)
	case matches(key, fleetKeys.down):
		s.move(1)
	case matches(key, fleetKeys.pane):
		s.onHosts = !s.onHosts
	case matches(key, fleetKeys.filter):
		s.filtering = true
		return s.filter.Focus()
	case matches(key, fleetKeys.clear):
		s.filter.SetValue("")
		s.refreshHosts()
	case matches(key, fleetKeys.plan):
		return s.planCmd()
	case matches(key, fleetKeys.reload):
		return func() tea.Msg { return reloadMsg{} }
	}
	return nil
}

// planCmd requests a plan of the selected site, or of the selected host
// when the host pane has the focus. Medical devices are never planned.
func (s *fleetScreen) planCmd() tea.Cmd {
	msg := planSiteMsg{site: s.selectedSite()}
	if msg.site == "" {
		return nil
	}
	if s.onHosts && s.host < len(s.hosts) && !s.hosts[s.host].device {
		msg.host = s.hosts[s.host].name
	}
	return func() tea.Msg { return msg }
}

func (s *fleetScreen) move(delta int) {
	if s.onHosts {
		s.host = min(max(s.host+delta, 0), max(len(s.hosts)-1, 0))
		return
	}
	s.site = min(max(s.site+delta, 0), max(len(s.sites)-1, 0))
	s.host = 0
	s.refreshHosts()
}

// updateFilter edits the filter. Enter keeps it and esc clears it.
func (s *fleetScreen) updateFilter(msg tea.KeyPressMsg) tea.Cmd {
	if s.filter.Edit(msg) {
		s.filtering = false
	}
	s.refreshHosts()
	return nil
}

func (s *fleetScreen) SetSize(width, height int) {
	s.width, s.height = width, height
}

func (s *fleetScreen) Capturing() bool { return s.filtering }

func (s *fleetScreen) KeyHelp() []key.Binding {
	k := fleetKeys
	// The footer shows the first five, so enter comes before the rarer keys.
	return []key.Binding{k.up, k.down, k.plan, k.pane, k.filter, k.clear, k.reload}
}

func (s *fleetScreen) View() string {
	if s.c.fleet == nil {
		return "Loading the inventory and the journal…"
	}
	left := min(36, s.width*2/5)
	right := s.width - left - 1
	sep := strings.TrimRight(strings.Repeat("│\n", s.height), "\n")
	return joinColumns(fit(s.sitesView(left), left, s.height), sep, fit(s.hostsView(right), right, s.height))
}

// joinColumns places blocks of equal height side by side.
func joinColumns(blocks ...string) string {
	split := make([][]string, len(blocks))
	for i, b := range blocks {
		split[i] = strings.Split(b, "\n")
	}
	var out []string
	for line := range split[0] {
		var b strings.Builder
		for _, lines := range split {
			if line < len(lines) {
				b.WriteString(lines[line])
			}
		}
		out = append(out, b.String())
	}
	return strings.Join(out, "\n")
}

// sitesView renders each site in four lines: id and name, coverage and
// cycle phase, window, and the counts that need attention.
func (s *fleetScreen) sitesView(width int) string {
	st := s.c.styles
	var body []string
	for i, site := range s.sites {
		name := site.site.ID + "  " + site.site.Name
		marker := "  "
		if i == s.site {
			marker = "> "
			if !s.onHosts {
				name = st.selected.Render(cell(name, width-2))
			}
		}
		body = append(body, cell(marker+name, width),
			"  "+s.coverageText(site)+" · "+site.phase,
			"  "+s.windowStyled(site),
			"  "+s.attention(site))
	}
	visible := max(s.height-1, 4)
	start := scrollStart(s.site*siteLines, len(body), visible)
	start -= start % siteLines
	lines := []string{st.header.Render(fmt.Sprintf("Sites (%d)", len(s.sites)))}
	return strings.Join(append(lines, body[start:min(start+visible, len(body))]...), "\n")
}

// siteLines is the number of lines per site in the site list.
const siteLines = 4

func (s *fleetScreen) coverageText(site siteSummary) string {
	c := site.coverage()
	if c < 0 {
		return "cov -"
	}
	text := fmt.Sprintf("cov %d%%", c)
	if c < 100 {
		return s.c.styles.warn.Render(text)
	}
	return s.c.styles.ok.Render(text)
}

func (s *fleetScreen) windowStyled(site siteSummary) string {
	if site.windowOpen {
		return s.c.styles.ok.Render(site.window)
	}
	return s.c.styles.dim.Render(site.window)
}

// attention lists the non-zero counts: failed hosts, pending reboots,
// overdue exception reviews and hosts exposed to known-exploited CVEs.
func (s *fleetScreen) attention(site siteSummary) string {
	st := s.c.styles
	var parts []string
	add := func(n int, label string, style func(...string) string) {
		if n > 0 {
			parts = append(parts, style(fmt.Sprintf("%d %s", n, label)))
		}
	}
	add(site.failed, "failed", st.bad.Render)
	add(site.reboots, "reboot", st.warn.Render)
	add(site.overdueReviews, "overdue review", st.warn.Render)
	add(site.exposedHosts, "KEV-exposed", st.bad.Render)
	if len(parts) == 0 {
		return st.dim.Render("nothing due")
	}
	return strings.Join(parts, " ")
}

// hostColumns returns the widths of name, state, platform, reboot, KEV,
// build and last run, dropping the last columns first when the pane is
// narrow.
func hostColumns(width int) []int {
	widths := []int{14, 14, 10, 2, 3, 16, 11}
	total := -1
	for i, w := range widths {
		if total+1+w > width {
			for j := i; j < len(widths); j++ {
				widths[j] = 0
			}
			break
		}
		total += 1 + w
	}
	return widths
}

func (s *fleetScreen) hostsView(width int) string {
	st := s.c.styles
	widths := hostColumns(width)
	lines := []string{st.header.Render(row(widths, "HOST", "STATE", "PLATFORM", "RB", "KEV", "BUILD", "LAST RUN"))}
	if s.filtering || s.filter.Value() != "" {
		lines = append(lines, s.filter.View())
	}
	items := s.hostItems()
	visible := max(s.height-len(lines), 1)
	start := scrollStart(s.selectedItem(items), len(items), visible)
	for _, it := range items[start:min(start+visible, len(items))] {
		lines = append(lines, s.itemLine(it, widths))
	}
	if len(s.hosts) == 0 {
		lines = append(lines, st.dim.Render("no host matches"))
	}
	return strings.Join(lines, "\n")
}

// hostItem is one line of the host pane: a group heading, or the host
// row with index row when heading is empty.
type hostItem struct {
	heading string
	row     int
}

// hostItems lists the host pane's lines, a heading before each group.
// Only the visible ones are rendered, because a site may have thousands
// of hosts.
func (s *fleetScreen) hostItems() []hostItem {
	items := make([]hostItem, 0, len(s.hosts)+4)
	group := "\x00"
	for i, r := range s.hosts {
		if r.group != group {
			group = r.group
			items = append(items, hostItem{heading: groupTitle(group)})
		}
		items = append(items, hostItem{row: i})
	}
	return items
}

// selectedItem returns the line of the selected host in items.
func (s *fleetScreen) selectedItem(items []hostItem) int {
	for i, it := range items {
		if it.heading == "" && it.row == s.host {
			return i
		}
	}
	return 0
}

func (s *fleetScreen) itemLine(it hostItem, widths []int) string {
	st := s.c.styles
	if it.heading != "" {
		return st.section.Render("── " + it.heading)
	}
	r := s.hosts[it.row]
	line := row(widths, r.name, s.stateText(r), r.platform, rebootMark(r.reboot), kevText(r.exposure), r.build, runTime(r.lastRun))
	if it.row == s.host && s.onHosts {
		line = st.selected.Render(cell(line, sum(widths)))
	}
	return line
}

func sum(widths []int) int {
	total := 0
	for _, w := range widths {
		if w > 0 {
			total += w + 1
		}
	}
	return max(total-1, 0)
}

func groupTitle(group string) string {
	switch group {
	case "exception zone", "medical devices":
		return group
	case "":
		return "no ring"
	}
	return "ring " + group
}

func (s *fleetScreen) stateText(r hostRow) string {
	st := s.c.styles
	switch r.state {
	case "failed", "missed":
		return st.bad.Render(r.state)
	case "done":
		return st.ok.Render(r.state)
	case "reboot-pending":
		return st.warn.Render(r.state)
	}
	return r.state
}

func rebootMark(pending bool) string {
	if pending {
		return "R"
	}
	return "-"
}

func kevText(n int) string {
	if n == 0 {
		return "-"
	}
	return fmt.Sprint(n)
}

// runTime turns a run id such as "20261204T221500-9f2c01ab" into its UTC
// start, "12-04 22:15", or returns the id when it has another form.
func runTime(id string) string {
	if id == "" {
		return "-"
	}
	stamp, _, _ := strings.Cut(id, "-")
	t, err := time.Parse("20060102T150405", stamp)
	if err != nil {
		return id
	}
	return t.Format("01-02 15:04")
}
