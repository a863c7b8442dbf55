package tui

import (
	"bytes"

	"context"
	"github.com/charmbracelet/colorprofile"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"

	"patchbay/state/event"
)

// newTestModel returns a sized console with the test fleet loaded,
// without running a program: tests call Update directly.
func newTestModel(t *testing.T, b *fakeBackend) *Model {
	t.Helper()
	if b.fleet == nil {
		b.fleet = loadTestFleet(t)
	}
	m := New(context.Background(), Options{Backend: b, Now: fixedNow})
	m.Update(tea.WindowSizeMsg{Width: 100, Height: 30})
	m.Update(fleetLoadedMsg{fleet: b.fleet})
	return m
}

func press(m *Model, names ...string) tea.Cmd {
	var cmd tea.Cmd
	for _, name := range names {
		_, cmd = m.Update(keyPress(name))
	}
	return cmd
}

// startTestRun routes a started run to the console as the program would.
func startTestRun(t *testing.T, m *Model, b *fakeBackend) *Run {
	t.Helper()
	r, err := b.Start(context.Background(), PlanRequest{Playbook: "windows-monthly"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	m.Update(runStartedMsg{run: r})
	return r
}

func TestNumberKeysSwitchScreens(t *testing.T) {
	m := newTestModel(t, &fakeBackend{})
	for i, name := range []string{"Fleet", "Plan", "Runs", "Emergency", "Exceptions", "Journal"} {
		press(m, string(rune('1'+i)))
		if m.active != i {
			t.Errorf("key %d: active screen %d, want %d (%s)", i+1, m.active, i, name)
		}
	}
}

func TestJournalKeyLoadsJournal(t *testing.T) {
	m := newTestModel(t, &fakeBackend{})
	cmd := press(m, "6")
	if cmd == nil {
		t.Fatal("switching to the journal returned no command to read it")
	}
	msg, ok := cmd().(journalLoadedMsg)
	if !ok {
		t.Fatalf("journal command returned %T, want journalLoadedMsg", cmd())
	}
	if msg.err == nil || !strings.Contains(msg.err.Error(), "permission denied") {
		t.Errorf("journal error = %v, want the backend's error", msg.err)
	}
}

func TestFleetDownSelectsNextSite(t *testing.T) {
	m := newTestModel(t, &fakeBackend{})
	press(m, "down")
	if got := m.fleet.selectedSite(); got != "imaging" {
		t.Errorf("selected site after down = %q, want imaging", got)
	}
	if len(m.fleet.hosts) == 0 || !strings.HasPrefix(m.fleet.hosts[0].name, "img-") {
		t.Errorf("host pane does not show the imaging hosts: %+v", m.fleet.hosts)
	}
}

func TestFleetFilterCapturesDigits(t *testing.T) {
	m := newTestModel(t, &fakeBackend{})
	press(m, "/", "0", "1")
	if m.active != screenFleet {
		t.Fatalf("typing a digit in the filter switched to screen %d", m.active)
	}
	if got := m.fleet.filter.Value(); got != "01" {
		t.Errorf("filter = %q, want 01", got)
	}
	for _, h := range m.fleet.hosts {
		if !strings.Contains(h.name, "01") {
			t.Errorf("filter 01 kept host %s", h.name)
		}
	}
}

func TestFleetGroupsExceptedAndDevicesLast(t *testing.T) {
	m := newTestModel(t, &fakeBackend{})
	rows := m.fleet.hosts
	last := rows[len(rows)-1]
	if !last.device {
		t.Errorf("last row %s is not a medical device", last.name)
	}
	seenExcepted := false
	for _, r := range rows {
		if r.excepted {
			seenExcepted = true
		}
		if seenExcepted && !r.excepted && !r.device {
			t.Errorf("ring host %s comes after the exception zone", r.name)
		}
	}
	if !seenExcepted {
		t.Error("ent-audio-01 is not in the exception zone")
	}
}

func TestSiteSummaryCounts(t *testing.T) {
	f := loadTestFleet(t)
	f.Findings = testFindings()
	sites := summarizeSites(f, testNow)
	ent := sites[0]
	if ent.site.ID != "ent" {
		t.Fatalf("first site = %s, want ent", ent.site.ID)
	}
	if ent.failed != 1 {
		t.Errorf("ent failed = %d, want 1 (ent-ehr-01)", ent.failed)
	}
	if ent.reboots != 1 {
		t.Errorf("ent reboots = %d, want 1 (ent-fd-01)", ent.reboots)
	}
	if ent.exposedHosts != 2 {
		t.Errorf("ent exposed hosts = %d, want 2 (exposed and possibly exposed)", ent.exposedHosts)
	}
	if !ent.windowOpen || ent.window != "open, closes 05:00" {
		t.Errorf("ent window = %q open=%v, want open until 05:00 New York time", ent.window, ent.windowOpen)
	}
}

func TestWindowTextOpensIn(t *testing.T) {
	f := loadTestFleet(t)
	site := f.Inventory.Site("ent")
	at := time.Date(2026, 12, 9, 22, 40, 0, 0, time.UTC) // 17:40 in New York
	text, open := windowText(site, at)
	if open || text != "opens in 4 h 20 m" {
		t.Errorf("window at 17:40 = %q open=%v, want opens in 4 h 20 m", text, open)
	}
}

func TestRunEventsRearmReader(t *testing.T) {
	b := &fakeBackend{events: testRunEvents(), running: true, cleanup: t.Cleanup}
	m := newTestModel(t, b)
	r := startTestRun(t, m, b)
	if m.active != screenRuns {
		t.Errorf("a started run did not open the run screen")
	}
	cmd := waitEventCmd(r)
	for range testRunEvents() {
		msg := cmd()
		if _, ok := msg.(runEventMsg); !ok {
			t.Fatalf("reader returned %T, want runEventMsg", msg)
		}
		_, cmd = m.Update(msg)
		if cmd == nil {
			t.Fatal("an event did not re-arm the reader")
		}
	}
	h := m.runs.view().byName["ent-fd-01"]
	if h.phase != event.PhaseInstalling || h.index != 3 || h.total != 7 {
		t.Errorf("ent-fd-01 = %s %d/%d, want installing 3/7", h.phase, h.index, h.total)
	}
	if h.step != "install-updates" {
		t.Errorf("ent-fd-01 step = %q", h.step)
	}
}

func TestRunClosedReadsResult(t *testing.T) {
	b := &fakeBackend{result: finishedResult()}
	m := newTestModel(t, b)
	r := startTestRun(t, m, b)
	_, cmd := m.Update(runClosedMsg{id: r.ID})
	if cmd == nil {
		t.Fatal("a closed stream did not read the result")
	}
	done, ok := cmd().(runDoneMsg)
	if !ok {
		t.Fatalf("result reader returned %T", cmd())
	}
	m.Update(done)
	if m.runs.active() {
		t.Error("run still active after its result")
	}
}

func TestEventForUnknownRunIgnored(t *testing.T) {
	m := newTestModel(t, &fakeBackend{})
	_, cmd := m.Update(runEventMsg{id: "no-such-run", ev: event.Event{Host: "x", Payload: event.HostState{Phase: event.PhaseDone}}})
	if cmd != nil {
		t.Error("an event of an unknown run re-armed a reader")
	}
}

func TestAbortAsksFirst(t *testing.T) {
	b := &fakeBackend{running: true, cleanup: t.Cleanup}
	m := newTestModel(t, b)
	startTestRun(t, m, b)
	if cmd := press(m, "x"); cmd != nil {
		t.Fatal("x aborted without asking")
	}
	if !m.runs.confirmAbort {
		t.Fatal("x did not ask for confirmation")
	}
	press(m, "n")
	if m.runs.confirmAbort || b.control.aborted {
		t.Fatal("n did not cancel the abort")
	}
	press(m, "x")
	cmd := press(m, "y")
	if cmd == nil {
		t.Fatal("y returned no abort command")
	}
	cmd()
	if !b.control.aborted {
		t.Error("confirmed abort did not reach the run")
	}
}

func TestPauseTogglesThroughCommand(t *testing.T) {
	b := &fakeBackend{running: true, cleanup: t.Cleanup}
	m := newTestModel(t, b)
	startTestRun(t, m, b)
	cmd := press(m, "p")
	if b.control.paused {
		t.Fatal("Update paused the run itself instead of returning a command")
	}
	m.Update(cmd())
	if !b.control.paused || !m.runs.view().paused {
		t.Errorf("run paused=%v, view paused=%v after p", b.control.paused, m.runs.view().paused)
	}
	m.Update(press(m, "p")())
	if b.control.paused {
		t.Error("second p did not resume the run")
	}
}

func TestRetryOnlyAfterFailures(t *testing.T) {
	b := &fakeBackend{result: finishedResult()}
	m := newTestModel(t, b)
	r := startTestRun(t, m, b)
	if cmd := press(m, "f"); cmd != nil {
		t.Error("f retried a run that has not ended")
	}
	for _, e := range finishedRunEvents() {
		m.Update(runEventMsg{id: r.ID, ev: e})
	}
	m.Update(runDoneMsg{id: r.ID, result: finishedResult()})
	cmd := press(m, "f")
	if cmd == nil {
		t.Fatal("f did not retry a run with a failed host")
	}
	if msg, ok := cmd().(retryMsg); !ok || msg.id != r.ID || msg.unfinished {
		t.Errorf("f returned %+v, want a retry of the failed hosts of %s", cmd(), r.ID)
	}
}

func TestQuitAsksWhileRunActive(t *testing.T) {
	b := &fakeBackend{running: true, cleanup: t.Cleanup}
	m := newTestModel(t, b)
	startTestRun(t, m, b)
	if cmd := press(m, "q"); cmd != nil {
		t.Fatal("q quit while a run was active")
	}
	if !m.quitting {
		t.Fatal("q did not ask")
	}
	cmd := press(m, "q")
	if cmd == nil || !m.aborting {
		t.Fatal("second q did not abort the runs")
	}
}

func TestQuitWithoutRuns(t *testing.T) {
	m := newTestModel(t, &fakeBackend{})
	cmd := press(m, "q")
	if cmd == nil {
		t.Fatal("q returned no command")
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Errorf("q returned %T, want tea.QuitMsg", cmd())
	}
}

func TestOverrideNeedsReason(t *testing.T) {
	m := newTestModel(t, &fakeBackend{})
	press(m, "2", "w", "enter")
	if m.plan.overrides.Window != "" {
		t.Fatal("an empty reason turned the window override on")
	}
	press(m, "v", "e", "n", "d", "o", "r", "space", "f", "i", "x", "enter")
	if got := m.plan.overrides.Window; got != "vendor fix" {
		t.Errorf("window override reason = %q, want vendor fix", got)
	}
	if req := m.plan.request(); req.Overrides.Window != "vendor fix" {
		t.Errorf("request overrides = %+v", req.Overrides)
	}
	press(m, "w")
	if m.plan.overrides.Window != "" {
		t.Error("w did not turn the override off")
	}
}

func TestPlanScopeFromFleet(t *testing.T) {
	b := &fakeBackend{}
	m := newTestModel(t, b)
	m.Update(playbooksMsg{names: []string{"facts", "windows-monthly"}})
	press(m, "down") // imaging
	_, cmd := m.Update(keyPress("enter"))
	m.Update(cmd())
	if m.active != screenPlan {
		t.Fatalf("enter on a site opened screen %d, want the plan screen", m.active)
	}
	press(m, "down", "down", "right") // ring: test
	req := m.plan.request()
	if req.Playbook != "windows-monthly" {
		t.Errorf("playbook = %q, want windows-monthly chosen by default", req.Playbook)
	}
	if got := req.Selection.String(); !strings.Contains(got, "imaging") || !strings.Contains(got, "test") {
		t.Errorf("selection = %q, want site imaging and ring test", got)
	}
}

func TestStartNeedsConfirmation(t *testing.T) {
	b := &fakeBackend{}
	m := newTestModel(t, b)
	m.Update(playbooksMsg{names: []string{"facts"}})
	press(m, "2")
	cmd := press(m, "p")
	m.Update(cmd())
	if m.plan.plan == nil {
		t.Fatalf("no plan after p: %v", m.plan.planErr)
	}
	if cmd := press(m, "s"); cmd != nil {
		t.Fatal("s started without asking")
	}
	cmd = press(m, "y")
	if cmd == nil {
		t.Fatal("y did not start")
	}
	start, ok := cmd().(startMsg)
	if !ok || start.plan == nil || start.req.Playbook != "facts" {
		t.Fatalf("y returned %+v, want a startMsg with the plan", cmd())
	}
	_, cmd = m.Update(start)
	if _, ok := cmd().(runStartedMsg); !ok {
		t.Error("the start command did not start a run")
	}
	if len(b.started) != 1 {
		t.Errorf("backend started %d runs, want 1", len(b.started))
	}
}

func TestErrorShownAndDismissed(t *testing.T) {
	m := newTestModel(t, &fakeBackend{})
	m.Update(errMsg{op: "start the run", err: context.DeadlineExceeded, hint: "try again"})
	if line := m.messageLine(); !strings.Contains(line, "Could not start the run") || !strings.Contains(line, "try again") {
		t.Errorf("message line = %q", line)
	}
	press(m, "esc")
	if m.failure != nil {
		t.Error("esc did not dismiss the error")
	}
}

func TestHeardTurnsRedWhenSilent(t *testing.T) {
	m := newTestModel(t, &fakeBackend{})
	h := &runHost{phase: event.PhaseInstalling, lastHeard: testNow.Add(-silentAfter)}
	if got := m.runs.heardText(h); !strings.Contains(got, "!!") {
		t.Errorf("heard after %v = %q, want the red mark", silentAfter, got)
	}
	h.lastHeard = testNow.Add(-quietAfter)
	if got := m.runs.heardText(h); !strings.Contains(got, "!") || strings.Contains(got, "!!") {
		t.Errorf("heard after %v = %q, want the amber mark", quietAfter, got)
	}
	h.phase = event.PhaseDone
	h.lastHeard = testNow.Add(-time.Hour)
	if got := m.runs.heardText(h); strings.Contains(got, "!") {
		t.Errorf("finished host marked quiet: %q", got)
	}
}

func TestOutputBufferKeepsTail(t *testing.T) {
	var b outputBuffer
	b.write("one\ntw")
	b.write("o\nthree")
	lines, scroll := b.tail(2, 0)
	if strings.Join(lines, "|") != "two|three" || scroll != 0 {
		t.Errorf("tail = %q scroll %d, want two|three", lines, scroll)
	}
	lines, scroll = b.tail(2, 5)
	if strings.Join(lines, "|") != "one|two" || scroll != 1 {
		t.Errorf("scrolled tail = %q scroll %d, want one|two clamped to 1", lines, scroll)
	}
	for range maxOutputLines + 10 {
		b.write("x\n")
	}
	if len(b.lines) != maxOutputLines {
		t.Errorf("buffer holds %d lines, want %d", len(b.lines), maxOutputLines)
	}
}

func TestViewFitsSmallTerminal(t *testing.T) {
	b := &fakeBackend{events: testRunEvents(), running: true, cleanup: t.Cleanup}
	m := newTestModel(t, b)
	startTestRun(t, m, b)
	m.Update(tea.WindowSizeMsg{Width: 80, Height: 24})
	for i := range screenNames {
		m.active = i
		lines := strings.Split(m.render(), "\n")
		if len(lines) != 24 {
			t.Errorf("screen %s renders %d lines at 80×24", screenNames[i], len(lines))
		}
		for n, l := range lines {
			if w := len([]rune(stripANSI(l))); w > 80 {
				t.Errorf("screen %s line %d is %d columns wide", screenNames[i], n, w)
			}
		}
	}
}

func TestRunsOfferInterruptedRun(t *testing.T) {
	f := loadTestFleet(t)
	f.State = interruptedState(t)
	m := newTestModel(t, &fakeBackend{fleet: f})
	press(m, "3")
	if screen := m.render(); !strings.Contains(screen, "20261209T035000-feedf00d") {
		t.Fatalf("the run screen does not list the interrupted run:\n%s", screen)
	}
	cmd := press(m, "u")
	if cmd == nil {
		t.Fatal("u returned no command")
	}
	msg, ok := cmd().(retryMsg)
	if !ok || msg.id != "20261209T035000-feedf00d" || !msg.unfinished {
		t.Errorf("u returned %+v, want a resume of the interrupted run", cmd())
	}
}

func TestNoColorKeepsMarks(t *testing.T) {
	b := &fakeBackend{events: testRunEvents(), running: true, cleanup: t.Cleanup}
	m := newTestModel(t, b)
	r := startTestRun(t, m, b)
	for _, e := range testRunEvents() {
		m.Update(runEventMsg{id: r.ID, ev: e})
	}
	var out bytes.Buffer
	w := &colorprofile.Writer{Forward: &out, Profile: colorprofile.Ascii}
	if _, err := w.WriteString(m.render()); err != nil {
		t.Fatal(err)
	}
	screen := out.String()
	if strings.Contains(screen, "\x1b[3") || strings.Contains(screen, "\x1b[9") {
		t.Errorf("the Ascii profile, which NO_COLOR selects, still has colours:\n%q", screen)
	}
	if !strings.Contains(screen, "18 m !!") {
		t.Errorf("the silent host lost its mark without colour:\n%s", screen)
	}
	if !strings.Contains(screen, "installing 3/7") {
		t.Errorf("the run screen lost the host state without colour:\n%s", screen)
	}
}

func TestFleetReloadReplans(t *testing.T) {
	b := &fakeBackend{}
	m := newTestModel(t, b)
	m.Update(playbooksMsg{names: []string{"facts"}})
	press(m, "2")
	m.Update(press(m, "p")())
	if m.plan.plan == nil {
		t.Fatalf("no plan after p: %v", m.plan.planErr)
	}
	_, cmd := m.Update(fleetLoadedMsg{fleet: b.fleet})
	if cmd == nil {
		t.Fatal("a reloaded fleet did not plan again")
	}
	if msg, ok := cmd().(planMadeMsg); !ok || msg.req.Playbook != "facts" {
		t.Errorf("reload returned %+v, want a new plan of facts", cmd())
	}
}

func TestBracketsSwitchRuns(t *testing.T) {
	b := &fakeBackend{running: true, cleanup: t.Cleanup}
	m := newTestModel(t, b)
	first := startTestRun(t, m, b)
	second := b.newRun("20261209T041000-0000beef", "facts", nil)
	m.Update(runStartedMsg{run: second})
	if got := m.runs.view().run.ID; got != second.ID {
		t.Fatalf("a new run shows %s, want the new run %s", got, second.ID)
	}
	press(m, "[")
	if got := m.runs.view().run.ID; got != first.ID {
		t.Errorf("[ shows %s, want %s", got, first.ID)
	}
	press(m, "]")
	if got := m.runs.view().run.ID; got != second.ID {
		t.Errorf("] shows %s, want %s", got, second.ID)
	}
	if screen := m.render(); !strings.Contains(screen, "Run 2/2") {
		t.Errorf("the header does not count the runs:\n%s", screen)
	}
}

func TestTinyTerminalRenders(t *testing.T) {
	b := &fakeBackend{events: finishedRunEvents(), running: true, cleanup: t.Cleanup}
	m := newTestModel(t, b)
	r := startTestRun(t, m, b)
	for _, e := range finishedRunEvents() {
		m.Update(runEventMsg{id: r.ID, ev: e})
	}
	for _, size := range [][2]int{{1, 1}, {20, 5}, {40, 10}, {80, 24}, {300, 100}} {
		m.Update(tea.WindowSizeMsg{Width: size[0], Height: size[1]})
		for i := range screenNames {
			m.active = i
			for _, help := range []bool{false, true} {
				m.showHelp = help
				if lines := strings.Count(m.render(), "\n") + 1; lines != max(size[1], 4) {
					t.Errorf("%s at %dx%d (help %v) renders %d lines", screenNames[i], size[0], size[1], help, lines)
				}
			}
		}
	}
}

func TestDefaultPlaybookIsMonthly(t *testing.T) {
	cases := []struct {
		names []string
		want  int
	}{
		{[]string{"cisco-ios-firmware", "linux-apt-monthly", "windows-monthly"}, 2},
		{[]string{"cisco-ios-firmware", "facts", "linux-apt-monthly"}, 2},
		{[]string{"facts"}, 0},
		{nil, 0},
	}
	for _, c := range cases {
		if got := defaultPlaybook(c.names); got != c.want {
			t.Errorf("defaultPlaybook(%v) = %d, want %d", c.names, got, c.want)
		}
	}
}

func TestEmergencyEnterPlansEmergency(t *testing.T) {
	f := loadTestFleet(t)
	f.Emergencies = testEmergencies()
	m := newTestModel(t, &fakeBackend{fleet: f})
	m.Update(playbooksMsg{names: []string{"facts", "windows-monthly"}})
	press(m, "4")
	cmd := press(m, "enter")
	if cmd == nil {
		t.Fatal("enter on an open emergency returned no command")
	}
	m.Update(cmd())
	if m.active != screenPlan {
		t.Fatalf("enter opened screen %d, want the plan screen", m.active)
	}
	req := m.plan.request()
	if req.Emergency != "EMG-20261208-1" || req.Playbook != "" {
		t.Errorf("request = %+v, want the open emergency and no playbook of its own", req)
	}
	press(m, "right")
	if req := m.plan.request(); req.Emergency != "" || req.Playbook == "" {
		t.Errorf("right on the playbook left request %+v, want the monthly cycle", req)
	}
}

func TestFleetEnterOnHostPlansHost(t *testing.T) {
	m := newTestModel(t, &fakeBackend{})
	press(m, "tab", "down")
	cmd := press(m, "enter")
	if cmd == nil {
		t.Fatal("enter on a host returned no command")
	}
	m.Update(cmd())
	req := m.plan.request()
	if len(req.Selection.Hosts) != 1 || req.Selection.Hosts[0] != m.fleet.hosts[1].name {
		t.Errorf("selection = %+v, want the selected host %s", req.Selection, m.fleet.hosts[1].name)
	}
	if len(req.Selection.Sites) != 1 || req.Selection.Sites[0] != "ent" {
		t.Errorf("selection sites = %v, want ent", req.Selection.Sites)
	}
}
