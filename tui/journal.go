package tui

import (
	"context"
	"fmt"
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
	"charm.land/lipgloss/v2"

	"patchbay/state/event"
)

// journalLimit is how many recent records the journal screen reads.
const journalLimit = 1000

// journalKeys are the keys of the journal screen.
var journalKeys = struct {
	up, down, filter, clear, reload key.Binding
}{
	up:     binding("older record", "up", "k"),
	down:   binding("newer record", "down", "j"),
	filter: binding("filter by run, host, kind or text", "/"),
	clear:  binding("clear the filter", "esc"),
	reload: binding("read the journal again", "r"),
}

// journalLoadedMsg carries the tail of the journal.
type journalLoadedMsg struct {
	view *JournalView
	err  error
}

func journalCmd(ctx context.Context, b Backend) tea.Cmd {
	return func() tea.Msg {
		v, err := b.Journal(ctx, journalLimit)
		return journalLoadedMsg{view: v, err: err}
	}
}

// journalScreen lists recent journal records, newest first, with the
// result of the integrity check.
type journalScreen struct {
	c             *common
	width, height int
	view          *JournalView
	err           error
	lines         []journalLine // newest first, after the filter
	cursor        int
	filter        lineInput
	filtering     bool
}

// journalLine is one record as the screen shows it.
type journalLine struct {
	seq                        int64
	time, kind, run, host, txt string
}

func newJournalScreen(c *common) *journalScreen {
	return &journalScreen{c: c, filter: lineInput{prompt: "/", placeholder: "run id, host, kind or text"}}
}

func (s *journalScreen) Init() tea.Cmd { return nil }

func (s *journalScreen) SetSize(width, height int) {
	s.width, s.height = width, height
}

func (s *journalScreen) Capturing() bool { return s.filtering }

func (s *journalScreen) KeyHelp() []key.Binding {
	k := journalKeys
	return []key.Binding{k.up, k.down, k.filter, k.clear, k.reload}
}

func (s *journalScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case journalLoadedMsg:
		s.view, s.err = msg.view, msg.err
		s.refresh()
	case tea.KeyPressMsg:
		if s.filtering {
			return s.updateFilter(msg)
		}
		return s.updateKey(msg)
	}
	return nil
}

func (s *journalScreen) updateKey(msg tea.KeyPressMsg) tea.Cmd {
	switch {
	case matches(msg, journalKeys.up):
		s.cursor = min(s.cursor+1, max(len(s.lines)-1, 0))
	case matches(msg, journalKeys.down):
		s.cursor = max(s.cursor-1, 0)
	case matches(msg, journalKeys.filter):
		s.filtering = true
		return s.filter.Focus()
	case matches(msg, journalKeys.clear):
		s.filter.SetValue("")
		s.refresh()
	case matches(msg, journalKeys.reload):
		return journalCmd(s.c.ctx, s.c.backend)
	}
	return nil
}

func (s *journalScreen) updateFilter(msg tea.KeyPressMsg) tea.Cmd {
	if s.filter.Edit(msg) {
		s.filtering = false
	}
	s.refresh()
	return nil
}

// refresh rebuilds the lines from the records and the filter.
func (s *journalScreen) refresh() {
	s.lines = nil
	if s.view == nil {
		return
	}
	filter := strings.ToLower(strings.TrimSpace(s.filter.Value()))
	recs := s.view.Records
	for i := len(recs) - 1; i >= 0; i-- {
		l := newJournalLine(recs[i])
		text := strings.ToLower(strings.Join([]string{l.kind, l.run, l.host, l.txt}, " "))
		if filter == "" || strings.Contains(text, filter) {
			s.lines = append(s.lines, l)
		}
	}
	s.cursor = min(s.cursor, max(len(s.lines)-1, 0))
}

func newJournalLine(r event.Record) journalLine {
	return journalLine{seq: r.Seq, time: r.Time.UTC().Format("01-02 15:04:05"), kind: string(r.Kind),
		run: r.Run, host: r.Host, txt: recordText(r)}
}

// recordText summarises a record's payload in one line.
func recordText(r event.Record) string {
	p, err := r.Decode()
	if err != nil {
		return "unreadable payload: " + err.Error()
	}
	switch p := p.(type) {
	case event.RunStarted:
		return fmt.Sprintf("%s over %s, %d hosts, by %s", p.Playbook, p.Selection, len(p.Hosts), p.Operator)
	case event.RunFinished:
		return fmt.Sprintf("%d done, %d reboot pending, %d failed, %d missed, %d skipped", p.Done, p.RebootPending, p.Failed, p.Missed, p.Skipped)
	case event.HostState:
		return strings.TrimSuffix(string(p.Phase)+": "+p.Reason, ": ")
	case event.StepStarted:
		return p.Step
	case event.StepFinished:
		return fmt.Sprintf("%s exit %d %s", p.Step, p.ExitCode, p.Error)
	case event.Output:
		first, _, _ := strings.Cut(strings.TrimSpace(p.Data), "\n")
		return p.Step + ": " + first
	case event.Decision:
		return p.What + ": " + p.Reason
	case event.Notice:
		return p.Level + ": " + p.Message
	case event.UpdateResult:
		return p.Update + " " + p.ResultCode
	}
	return ""
}

func (s *journalScreen) View() string {
	st := s.c.styles
	lines := []string{s.verifyLine()}
	if s.filtering || s.filter.Value() != "" {
		lines = append(lines, s.filter.View())
	}
	widths := []int{6, 14, 13, 8, 14, max(s.width-60, 10)}
	lines = append(lines, st.header.Render(row(widths, "SEQ", "TIME (UTC)", "KIND", "RUN", "HOST", "WHAT")))
	detail := s.detail()
	rows := max(s.height-len(lines)-len(detail), 1)
	start := scrollStart(s.cursor, len(s.lines), rows)
	for i := start; i < min(start+rows, len(s.lines)); i++ {
		l := s.lines[i]
		line := row(widths, fmt.Sprint(l.seq), l.time, l.kind, runSuffix(l.run), l.host, l.txt)
		if i == s.cursor {
			line = st.selected.Render(cell(line, s.width))
		}
		lines = append(lines, line)
	}
	for len(lines) < s.height-len(detail) {
		lines = append(lines, "")
	}
	return fit(strings.Join(append(lines, detail...), "\n"), s.width, s.height)
}

// detail shows the selected record in full, wrapped to two lines.
func (s *journalScreen) detail() []string {
	if len(s.lines) == 0 {
		return nil
	}
	l := s.lines[s.cursor]
	text := fmt.Sprintf("#%d %s run %s host %s: %s", l.seq, l.kind, l.run, l.host, l.txt)
	wrapped := strings.Split(lipgloss.Wrap(text, max(s.width, 20), " "), "\n")
	return append([]string{s.c.styles.section.Render("── selected record")}, wrapped[:min(len(wrapped), 2)]...)
}

// verifyLine reports the integrity check of the whole chain.
func (s *journalScreen) verifyLine() string {
	st := s.c.styles
	switch {
	case s.err != nil:
		return st.bad.Render("Could not read the journal: " + s.err.Error() + ". Check --state and the directory's permissions, then press r.")
	case s.view == nil:
		return st.dim.Render("Reading the journal…")
	}
	v := s.view.Verification
	if v.Break != nil {
		return st.bad.Render(fmt.Sprintf("Integrity check FAILED at seq %d (%s): %s. Keep the file for the audit; patchbay journal verify prints the details.",
			v.Break.Seq, v.Break.Kind, v.Break.Reason))
	}
	return st.ok.Render(fmt.Sprintf("Integrity check passed: %d records, head %s", v.Records, shortHead(v.Head.String())))
}

// runSuffix returns the random part of a run id, which distinguishes
// runs of the same minute. The filter still matches the whole id.
func runSuffix(id string) string {
	if _, suffix, ok := strings.Cut(id, "-"); ok {
		return suffix
	}
	return id
}

// shortHead cuts the hash of SEQ:HASH to 12 hex digits.
func shortHead(head string) string {
	seq, hash, ok := strings.Cut(head, ":")
	if !ok || len(hash) <= 12 {
		return head
	}
	return seq + ":" + hash[:12] + "…"
}
