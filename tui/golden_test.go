package tui

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	tea "charm.land/bubbletea/v2"
	"github.com/charmbracelet/colorprofile"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest/v2"

	"patchbay/state"
	"patchbay/state/emergency"
	"patchbay/state/exposure"
)

// Golden files hold each screen at 80×24 as rendered with the 16-colour
// ANSI profile. Run `go test ./tui -run Golden -update` to rewrite them
// after a deliberate change, and read the diff before committing.
const goldenWidth, goldenHeight = 80, 24

// startConsole runs the console on b under teatest at the golden size.
func startConsole(t *testing.T, b *fakeBackend) *teatest.TestModel {
	t.Helper()
	m := New(context.Background(), Options{Backend: b, Now: fixedNow})
	return teatest.NewTestModel(t, m, teatest.WithInitialTermSize(goldenWidth, goldenHeight),
		teatest.WithProgramOptions(tea.WithColorProfile(colorprofile.ANSI)))
}

// keys types each key as its own key press.
func keys(tm *teatest.TestModel, names ...string) {
	for _, name := range names {
		tm.Send(keyPress(name))
	}
}

// keyPress builds the key press whose String() is name.
func keyPress(name string) tea.KeyPressMsg {
	special := map[string]rune{"enter": tea.KeyEnter, "esc": tea.KeyEscape, "tab": tea.KeyTab,
		"up": tea.KeyUp, "down": tea.KeyDown, "left": tea.KeyLeft, "right": tea.KeyRight,
		"backspace": tea.KeyBackspace, "pgup": tea.KeyPgUp, "pgdown": tea.KeyPgDown}
	if code, ok := special[name]; ok {
		return tea.KeyPressMsg{Code: code}
	}
	r := []rune(name)[0]
	return tea.KeyPressMsg{Code: r, Text: name}
}

// waitFor waits until the console's output contains text.
func waitFor(t *testing.T, tm *teatest.TestModel, text string) {
	t.Helper()
	teatest.WaitFor(t, tm.Output(), func(out []byte) bool {
		return bytes.Contains(out, []byte(text))
	}, teatest.WithDuration(10*time.Second), teatest.WithCheckInterval(20*time.Millisecond))
}

// requireScreen quits the console and compares its last frame with the
// test's golden file.
func requireScreen(t *testing.T, tm *teatest.TestModel) {
	t.Helper()
	if err := tm.Quit(); err != nil {
		t.Fatal(err)
	}
	m := tm.FinalModel(t, teatest.WithFinalTimeout(5*time.Second)).(*Model)
	var out bytes.Buffer
	w := &colorprofile.Writer{Forward: &out, Profile: colorprofile.ANSI}
	if _, err := w.WriteString(m.render()); err != nil {
		t.Fatal(err)
	}
	golden.RequireEqual(t, out.Bytes())
}

// goldenCase drives the console from the fleet screen to one state.
type goldenCase struct {
	name    string
	backend func(t *testing.T) *fakeBackend
	send    []tea.Msg // messages sent before the keys, such as a start
	keys    []string
	wait    string   // text that appears once the screen is complete
	after   []string // keys sent after the wait
}

func testFleetBackend(t *testing.T) *fakeBackend { return &fakeBackend{fleet: loadTestFleet(t)} }

var goldenCases = []goldenCase{
	{name: "fleet", backend: testFleetBackend},
	{name: "fleet-filter", backend: testFleetBackend, keys: []string{"/", "f", "d", "enter"}},
	{name: "run", backend: func(t *testing.T) *fakeBackend {
		return &fakeBackend{fleet: loadTestFleet(t), events: testRunEvents(), running: true, cleanup: t.Cleanup}
	}, send: []tea.Msg{startMsg{req: PlanRequest{Playbook: "windows-monthly"}}}, wait: "installing 3/7"},
	{name: "run-finished", backend: func(t *testing.T) *fakeBackend {
		return &fakeBackend{fleet: loadTestFleet(t), events: finishedRunEvents(), result: finishedResult()}
	}, send: []tea.Msg{startMsg{req: PlanRequest{Playbook: "windows-monthly"}}}, wait: "press f to retry",
		after: []string{"down"}},
	{name: "plan", backend: testFleetBackend, keys: []string{"2", "down", "right", "down", "right", "p"}, wait: "plan:"},
	{name: "plan-override-reason", backend: testFleetBackend, keys: []string{"2", "w", "v", "e", "n", "d", "o", "r"}},
	{name: "exceptions", backend: testFleetBackend, keys: []string{"5"}},
	{name: "emergency", backend: func(t *testing.T) *fakeBackend {
		f := loadTestFleet(t)
		f.Emergencies, f.Findings = testEmergencies(), testFindings()
		return &fakeBackend{fleet: f}
	}, keys: []string{"4"}},
	{name: "journal", backend: func(t *testing.T) *fakeBackend {
		return &fakeBackend{fleet: loadTestFleet(t), journal: testJournal(t)}
	}, keys: []string{"6"}, wait: "Integrity check passed"},
	{name: "journal-error", backend: testFleetBackend, keys: []string{"6"}, wait: "permission denied"},
	{name: "help", backend: testFleetBackend, keys: []string{"?"}},
	{name: "runs-resumable", backend: func(t *testing.T) *fakeBackend {
		f := loadTestFleet(t)
		f.State = interruptedState(t)
		return &fakeBackend{fleet: f}
	}, keys: []string{"3"}},
}

// TestGolden compares each screen with its golden file. Keys sent after
// the last wait are in the final frame, because the quit message follows
// them in the program's queue.
func TestGolden(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			tm := startConsole(t, tc.backend(t))
			waitFor(t, tm, "Harbor ENT")
			for _, msg := range tc.send {
				tm.Send(msg)
			}
			keys(tm, tc.keys...)
			if tc.wait != "" {
				waitFor(t, tm, tc.wait)
			}
			keys(tm, tc.after...)
			requireScreen(t, tm)
		})
	}
}

// testJournal journals a short run and verifies it, as the backend
// does.
func testJournal(t *testing.T) *JournalView {
	t.Helper()
	store, err := state.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	ctx := context.Background()
	for i, e := range finishedRunEvents() {
		e.Run = "20261209T040000-00c0ffee"
		e.Time = testNow.Add(time.Duration(i) * time.Second)
		if _, err := store.Append(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	recs, err := store.Records(ctx, state.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	v, err := store.Verify(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	if v.Break != nil {
		t.Fatalf("fresh journal does not verify: %v", v.Break)
	}
	// Each journal gets a random origin id, which the hashes cover, so
	// the golden file shows a fixed head instead.
	v.Head.Hash = strings.Repeat("5a", 32)
	return &JournalView{Records: recs, Verification: v}
}

// testEmergencies are one open emergency over two sites, half patched,
// and one closed.
func testEmergencies() []*emergency.Emergency {
	return []*emergency.Emergency{
		{ID: "EMG-20261201-1", CVEs: []string{"CVE-2024-21351"}, Declared: testNow.Add(-8 * 24 * time.Hour),
			Deadline: testNow.Add(-5 * 24 * time.Hour), Closed: testNow.Add(-6 * 24 * time.Hour), Hosts: []string{"ent-fd-01"}},
		{ID: "EMG-20261208-1", CVEs: []string{"CVE-2024-21412"}, Declared: testNow.Add(-10 * time.Hour),
			Deadline: testNow.Add(38 * time.Hour), Hosts: []string{"ent-fd-01", "ent-fd-02", "paeds-fd-01"},
			Patched: map[string]time.Time{"ent-fd-01": testNow.Add(-2 * time.Hour)}},
	}
}

// testFindings match one CVE to ENT hosts with each status.
func testFindings() []exposure.Finding {
	return []exposure.Finding{
		{CVE: "CVE-2024-21412", Host: "ent-fd-02", Site: "ent", Status: exposure.StatusExposed},
		{CVE: "CVE-2024-21412", Host: "ent-exam-01", Site: "ent", Status: exposure.StatusPossiblyExposed},
		{CVE: "CVE-2024-21412", Host: "ent-fd-01", Site: "ent", Status: exposure.StatusNotExposed},
		{CVE: "CVE-2024-21412", Host: "ent-audio-01", Site: "ent", Status: exposure.StatusExcepted},
	}
}
