package tui

import (
	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"

	"patchbay/state/event"
	"patchbay/state/hoststate"
)

// runKeys are the keys of the run screen.
var runKeys = struct {
	up, down, pageUp, pageDown, follow, prev, next key.Binding
	pause, abort, retry, resume, yes, no           key.Binding
}{
	up:       binding("focus the host above", "up", "k"),
	down:     binding("focus the host below", "down", "j"),
	pageUp:   binding("scroll the output up", "pgup", "b"),
	pageDown: binding("scroll the output down", "pgdown", "space"),
	follow:   binding("follow the output", "end", "G"),
	prev:     binding("previous run", "["),
	next:     binding("next run", "]"),
	pause:    binding("pause or resume starting hosts", "p"),
	abort:    binding("abort the run (asks first)", "x"),
	retry:    binding("retry the failed hosts", "f"),
	resume:   binding("finish an aborted run's hosts", "u"),
	yes:      binding("confirm", "y"),
	no:       binding("cancel", "n", "esc"),
}

// runStartedMsg carries a run the backend started, and the id of the run
// it resumes, if any.
type runStartedMsg struct {
	run     *Run
	resumes string
}

// runEventMsg carries one event of a run.
type runEventMsg struct {
	id string
	ev event.Event
}

// runClosedMsg reports that a run's event stream ended.
type runClosedMsg struct{ id string }

// runDoneMsg carries a run's result.
type runDoneMsg struct {
	id     string
	result RunResult
}

// runPausedMsg reports the pause state after a pause or resume.
type runPausedMsg struct {
	id     string
	paused bool
}

// waitEventCmd reads one event of r. The run screen calls it again for
// each event it receives, so exactly one read is pending per run.
func waitEventCmd(r *Run) tea.Cmd {
	return func() tea.Msg {
		e, ok := <-r.Events
		if !ok {
			return runClosedMsg{id: r.ID}
		}
		return runEventMsg{id: r.ID, ev: e}
	}
}

// waitDoneCmd reads the result of r.
func waitDoneCmd(r *Run) tea.Cmd {
	return func() tea.Msg {
		return runDoneMsg{id: r.ID, result: <-r.Done}
	}
}

// pauseCmd pauses or resumes r.
func pauseCmd(r *Run, pause bool) tea.Cmd {
	return func() tea.Msg {
		if pause {
			r.Control.Pause()
		} else {
			r.Control.Resume()
		}
		return runPausedMsg{id: r.ID, paused: r.Control.Paused()}
	}
}

// abortCmd aborts r. The run's events report the hosts that stop.
func abortCmd(r *Run) tea.Cmd {
	return func() tea.Msg {
		r.Control.Abort()
		return nil
	}
}

// runsScreen shows the runs started from this console, one at a time.
type runsScreen struct {
	c             *common
	width, height int
	runs          []*runView
	current       int
	confirmAbort  bool
	// earlier is the selected line of the journal's resumable runs,
	// listed while this console has started none.
	earlier int
}

// retryMsg requests a retry of a run: its failed hosts, or with
// unfinished set, the hosts an abort left unfinished.
type retryMsg struct {
	id         string
	unfinished bool
}

func newRunsScreen(c *common) *runsScreen { return &runsScreen{c: c} }

func (s *runsScreen) Init() tea.Cmd { return nil }

func (s *runsScreen) SetSize(width, height int) { s.width, s.height = width, height }

func (s *runsScreen) Capturing() bool { return s.confirmAbort }

func (s *runsScreen) KeyHelp() []key.Binding {
	k := runKeys
	switch {
	case s.confirmAbort:
		return []key.Binding{k.yes, k.no}
	case s.view() == nil:
		return []key.Binding{k.up, k.down, k.resume}
	}
	return []key.Binding{k.up, k.down, k.pageUp, k.pageDown, k.follow, k.prev, k.next,
		k.pause, k.abort, k.retry, k.resume}
}

// view returns the run on screen, or nil.
func (s *runsScreen) view() *runView {
	if s.current < len(s.runs) {
		return s.runs[s.current]
	}
	return nil
}

// find returns the view of run id, or nil.
func (s *runsScreen) find(id string) *runView {
	for _, v := range s.runs {
		if v.run.ID == id {
			return v
		}
	}
	return nil
}

// active reports whether a run has not ended yet.
func (s *runsScreen) active() bool {
	for _, v := range s.runs {
		if v.result == nil {
			return true
		}
	}
	return false
}

// abortAll aborts every run that has not ended.
func (s *runsScreen) abortAll() tea.Cmd {
	var cmds []tea.Cmd
	for _, v := range s.runs {
		if v.result == nil {
			cmds = append(cmds, abortCmd(v.run))
		}
	}
	return tea.Batch(cmds...)
}

func (s *runsScreen) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case runStartedMsg:
		if v := s.find(msg.resumes); v != nil {
			v.resumed = true
		}
		s.runs = append(s.runs, newRunView(msg.run))
		s.current = len(s.runs) - 1
		return waitEventCmd(msg.run)
	case runEventMsg:
		if v := s.find(msg.id); v != nil {
			v.apply(msg.ev)
			return waitEventCmd(v.run)
		}
	case runClosedMsg:
		if v := s.find(msg.id); v != nil {
			v.closed = true
			return waitDoneCmd(v.run)
		}
	case runDoneMsg:
		if v := s.find(msg.id); v != nil {
			v.result = &msg.result
		}
	case runPausedMsg:
		if v := s.find(msg.id); v != nil {
			v.paused = msg.paused
		}
	case tea.KeyPressMsg:
		return s.updateKey(msg)
	}
	return nil
}

func (s *runsScreen) updateKey(msg tea.KeyPressMsg) tea.Cmd {
	v := s.view()
	if v == nil {
		return s.updateEarlier(msg)
	}
	if s.confirmAbort {
		return s.updateConfirm(msg, v)
	}
	switch {
	case matches(msg, runKeys.up):
		v.focus, v.scroll = max(v.focus-1, 0), 0
	case matches(msg, runKeys.down):
		v.focus, v.scroll = min(v.focus+1, max(len(v.hosts)-1, 0)), 0
	case matches(msg, runKeys.pageUp):
		v.scroll += s.outputHeight()
	case matches(msg, runKeys.pageDown):
		v.scroll = max(v.scroll-s.outputHeight(), 0)
	case matches(msg, runKeys.follow):
		v.scroll = 0
	case matches(msg, runKeys.prev):
		s.current = max(s.current-1, 0)
	case matches(msg, runKeys.next):
		s.current = min(s.current+1, len(s.runs)-1)
	default:
		return s.updateControl(msg, v)
	}
	s.clampScroll(v)
	return nil
}

// clampScroll keeps the output pane's scroll within the focused host's
// output.
func (s *runsScreen) clampScroll(v *runView) {
	if len(v.hosts) == 0 {
		v.scroll = 0
		return
	}
	_, v.scroll = v.hosts[v.focus].output.tail(s.outputHeight(), v.scroll)
}

// updateControl handles the keys that change the run itself.
func (s *runsScreen) updateControl(msg tea.KeyPressMsg, v *runView) tea.Cmd {
	ended := v.result != nil
	switch {
	case matches(msg, runKeys.pause) && !ended:
		return pauseCmd(v.run, !v.paused)
	case matches(msg, runKeys.abort) && !ended:
		s.confirmAbort = true
	case matches(msg, runKeys.retry) && ended && v.failedHosts() > 0:
		return func() tea.Msg { return retryMsg{id: v.run.ID} }
	case matches(msg, runKeys.resume) && ended && (len(v.unfinished()) > 0 || v.result.Err != nil):
		return func() tea.Msg { return retryMsg{id: v.run.ID, unfinished: true} }
	}
	return nil
}

func (s *runsScreen) updateConfirm(msg tea.KeyPressMsg, v *runView) tea.Cmd {
	switch {
	case matches(msg, runKeys.yes):
		s.confirmAbort = false
		if v.result == nil {
			return abortCmd(v.run)
		}
	case matches(msg, runKeys.no):
		s.confirmAbort = false
	}
	return nil
}

// unfinished returns the hosts of the run's summary that an abort left
// before a final state.
func (v *runView) unfinished() []string {
	if v.result == nil || v.result.Summary == nil {
		return nil
	}
	return v.result.Summary.Unfinished
}

// resumable returns the journal's runs that can be resumed, newest
// first: interrupted ones and those aborted as resumable.
func (s *runsScreen) resumable() []*hoststate.Run {
	f := s.c.fleet
	if f == nil || f.State == nil {
		return nil
	}
	var out []*hoststate.Run
	for i := len(f.State.Runs) - 1; i >= 0; i-- {
		if r := f.State.Runs[i]; r.Resumable() {
			out = append(out, r)
		}
	}
	return out
}

// updateEarlier moves through the resumable runs and resumes one with u.
func (s *runsScreen) updateEarlier(msg tea.KeyPressMsg) tea.Cmd {
	runs := s.resumable()
	switch {
	case matches(msg, runKeys.up):
		s.earlier = max(s.earlier-1, 0)
	case matches(msg, runKeys.down):
		s.earlier = min(s.earlier+1, max(len(runs)-1, 0))
	case matches(msg, runKeys.resume) && s.earlier < len(runs):
		id := runs[s.earlier].ID
		return func() tea.Msg { return retryMsg{id: id, unfinished: true} }
	}
	return nil
}
