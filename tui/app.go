package tui

import (
	"context"
	"log/slog"
	"strings"
	"time"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// appKeys are the keys that work on every screen.
var appKeys = struct {
	screens        []key.Binding
	help, quit, ok key.Binding
	// quitYes confirms quitting while runs are active, as q again does.
	quitYes key.Binding
}{
	screens: []key.Binding{
		binding("fleet", "1"), binding("plan and launch", "2"), binding("runs", "3"),
		binding("emergencies", "4"), binding("exceptions", "5"), binding("journal", "6"),
	},
	help:    binding("show or hide this help", "?"),
	quit:    binding("quit (asks first while runs are active)", "q", "ctrl+c"),
	ok:      binding("dismiss the error", "esc"),
	quitYes: binding("abort the active runs and quit", "y"),
}

// screen ids, in tab order.
const (
	screenFleet = iota
	screenPlan
	screenRuns
	screenEmergency
	screenExceptions
	screenJournal
)

var screenNames = []string{"Fleet", "Plan", "Runs", "Emergency", "Exceptions", "Journal"}

// Model is the console: a tab bar, the screen in view, a message line and
// a status bar. It routes each message to the screen that owns it.
type Model struct {
	c             *common
	backend       Backend
	log           *slog.Logger
	ctx           context.Context
	width, height int
	active        int
	screens       []component
	fleet         *fleetScreen
	plan          *planScreen
	runs          *runsScreen
	journal       *journalScreen
	showHelp      bool
	failure       *errMsg
	quitting      bool // q was pressed while runs were active
	aborting      bool // runs are being aborted before the console quits
}

// errMsg reports a failed operation: what failed, the error and what the
// operator can do next.
type errMsg struct {
	op   string
	err  error
	hint string
}

// fleetLoadedMsg carries a freshly loaded fleet.
type fleetLoadedMsg struct{ fleet *Fleet }

// reloadMsg requests a new load of the fleet.
type reloadMsg struct{}

// tickMsg advances the console's clock.
type tickMsg time.Time

// loadFleetCmd loads the fleet through the backend.
func loadFleetCmd(ctx context.Context, b Backend) tea.Cmd {
	return func() tea.Msg {
		f, err := b.LoadFleet(ctx)
		if err != nil {
			return errMsg{op: "load the fleet", err: err, hint: "fix the inventory (patchbay check lists its problems), then press r on the fleet screen"}
		}
		return fleetLoadedMsg{fleet: f}
	}
}

// tickCmd ticks once a second, on the second.
func tickCmd() tea.Cmd {
	return tea.Every(time.Second, func(t time.Time) tea.Msg { return tickMsg(t) })
}

// Options configure the console.
type Options struct {
	Backend Backend
	// Logger receives the console's log; it must not write to the
	// terminal, which the console owns.
	Logger *slog.Logger
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// New returns the console model.
func New(ctx context.Context, opts Options) *Model {
	now := opts.Now
	if now == nil {
		now = time.Now
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	c := &common{ctx: ctx, backend: opts.Backend, styles: newStyles(), now: now, clock: now()}
	m := &Model{c: c, backend: opts.Backend, log: logger, ctx: ctx}
	m.fleet = newFleetScreen(c)
	m.plan = newPlanScreen(c)
	m.runs = newRunsScreen(c)
	m.journal = newJournalScreen(c)
	m.screens = []component{m.fleet, m.plan, m.runs, newEmergencyScreen(c), newExceptionsScreen(c), m.journal}
	return m
}

// Init loads the fleet and the playbook list and starts the clock.
func (m *Model) Init() tea.Cmd {
	return tea.Batch(loadFleetCmd(m.ctx, m.backend), playbooksCmd(m.backend), tickCmd())
}

// Update routes msg and returns the commands it causes.
func (m *Model) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		m.resize(msg.Width, msg.Height)
	case tea.KeyPressMsg:
		return m, m.updateKey(msg)
	case tickMsg:
		m.c.clock = m.c.now()
		if m.active == screenFleet {
			m.fleet.refresh()
		}
		return m, tickCmd()
	default:
		return m, m.route(msg)
	}
	return m, nil
}

// route hands a data message to the screen that owns it.
func (m *Model) route(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case errMsg:
		m.failure = &msg
		m.log.Error("console operation failed", "op", msg.op, "err", msg.err)
		return nil
	case fleetLoadedMsg:
		m.c.fleet = msg.fleet
		m.fleet.refresh()
		return m.plan.Update(msg)
	case reloadMsg:
		return loadFleetCmd(m.ctx, m.backend)
	case planSiteMsg, planEmergencyMsg:
		m.active = screenPlan
		return m.plan.Update(msg)
	case playbooksMsg, planMadeMsg:
		return m.plan.Update(msg)
	case startMsg:
		m.log.Info("run requested", "playbook", msg.req.Playbook, "selection", msg.req.Selection.String())
		return startCmd(m.ctx, m.backend, msg.req, msg.plan)
	case retryMsg:
		m.log.Info("retry requested", "run", msg.id, "unfinished", msg.unfinished)
		return retryCmd(m.ctx, m.backend, msg.id, msg.unfinished)
	case runStartedMsg:
		m.active = screenRuns
		m.log.Info("run started", "run", msg.run.ID, "playbook", msg.run.Playbook)
		return m.runs.Update(msg)
	case runDoneMsg:
		return m.runDone(msg)
	case runEventMsg, runClosedMsg, runPausedMsg:
		return m.runs.Update(msg)
	case journalLoadedMsg:
		return m.journal.Update(msg)
	}
	return nil
}

// runDone records a run's end, reloads the fleet and finishes quitting
// when the console waits for aborted runs.
func (m *Model) runDone(msg runDoneMsg) tea.Cmd {
	cmd := m.runs.Update(msg)
	if msg.result.Err != nil {
		m.log.Error("run stopped", "run", msg.id, "err", msg.result.Err)
	} else {
		m.log.Info("run ended", "run", msg.id)
	}
	if m.aborting && !m.runs.active() {
		return tea.Quit
	}
	return tea.Batch(cmd, loadFleetCmd(m.ctx, m.backend))
}

func (m *Model) resize(width, height int) {
	m.width, m.height = width, height
	for _, s := range m.screens {
		s.SetSize(width, m.screenHeight())
	}
}

// screenHeight leaves room for the tab bar, the message line and the
// status bar.
func (m *Model) screenHeight() int { return max(m.height-3, 1) }

func (m *Model) updateKey(msg tea.KeyPressMsg) tea.Cmd {
	screen := m.screens[m.active]
	if screen.Capturing() {
		return screen.Update(msg)
	}
	if m.showHelp {
		m.showHelp = false
		return nil
	}
	if cmd, handled := m.globalKey(msg); handled {
		return cmd
	}
	m.quitting = false
	return screen.Update(msg)
}

// globalKey handles the keys that work on every screen.
func (m *Model) globalKey(msg tea.KeyPressMsg) (tea.Cmd, bool) {
	switch {
	case matches(msg, appKeys.quit), m.quitting && matches(msg, appKeys.quitYes):
		return m.quit(), true
	case matches(msg, appKeys.help):
		m.showHelp = true
		return nil, true
	case matches(msg, appKeys.ok) && m.failure != nil:
		m.failure = nil
		return nil, true
	}
	for i, b := range appKeys.screens {
		if matches(msg, b) {
			return m.switchTo(i), true
		}
	}
	return nil, false
}

// switchTo shows screen i and loads what it needs.
func (m *Model) switchTo(i int) tea.Cmd {
	m.active = i
	switch i {
	case screenJournal:
		return journalCmd(m.ctx, m.backend)
	case screenFleet:
		m.fleet.refresh()
	}
	return nil
}

// quit leaves at once when no run is active. Otherwise the first q warns,
// and the second aborts the runs and leaves once they have stopped, so
// each run is journaled as aborted and can be resumed.
func (m *Model) quit() tea.Cmd {
	if !m.runs.active() {
		return tea.Quit
	}
	if !m.quitting {
		m.quitting = true
		return nil
	}
	m.aborting = true
	m.log.Info("aborting active runs before quitting")
	return m.runs.abortAll()
}

// View renders the console.
func (m *Model) View() tea.View {
	v := tea.NewView(m.render())
	v.AltScreen = true
	v.WindowTitle = "patchbay"
	return v
}

func (m *Model) render() string {
	if m.width == 0 {
		return ""
	}
	body := m.screens[m.active].View()
	if m.showHelp {
		body = m.helpView()
	}
	lines := []string{m.tabBar(), fit(body, m.width, m.screenHeight()), m.messageLine(), m.statusBar()}
	return strings.Join(lines, "\n")
}
