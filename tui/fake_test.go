package tui

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"patchbay/inventory"
	"patchbay/playbooks"
	"patchbay/playbooks/plan"
	"patchbay/playbooks/runner"
	"patchbay/state"
	"patchbay/state/event"
	"patchbay/state/hoststate"
)

// testNow is 23:00 on Tuesday 8 December 2026 in New York, the evening
// of the December Patch Tuesday, when the ENT site's window is open.
var testNow = time.Date(2026, 12, 9, 4, 0, 0, 0, time.UTC)

func fixedNow() time.Time { return testNow }

// loadTestFleet loads the copied example inventory and a journal with
// one finished run and a failed host.
func loadTestFleet(t testing.TB) *Fleet {
	t.Helper()
	inv, err := inventory.LoadFS(os.DirFS("testdata"), "fleet", "testdata/fleet/", inventory.Options{Now: testNow})
	if err != nil {
		t.Fatalf("load the test inventory: %v", err)
	}
	return &Fleet{Inventory: inv, InventoryPath: "testdata/fleet", StateDir: "/state", State: testState(t)}
}

// testState journals a run on the ENT test ring in a temporary store and
// derives the host state from it.
func testState(t testing.TB) *hoststate.State {
	t.Helper()
	run := "20261209T033000-0a1b2c3d"
	at := testNow.Add(-30 * time.Minute)
	events := []event.Event{
		{Time: at, Run: run, Payload: event.RunStarted{Operator: "dana", Playbook: "windows-monthly", Selection: "--site ent --ring test",
			Hosts: []string{"ent-fd-01", "ent-ehr-01"}, CycleID: "2026-12", CycleKind: event.CycleMonthly}},
		{Time: at.Add(time.Minute), Run: run, Host: "ent-fd-01", Payload: event.HostFacts{Build: "10.0.22631.4602", PendingReboot: true}},
		{Time: at.Add(2 * time.Minute), Run: run, Host: "ent-fd-01", Payload: event.HostState{Phase: event.PhaseRebootPending}},
		{Time: at.Add(3 * time.Minute), Run: run, Host: "ent-ehr-01", Payload: event.HostState{Phase: event.PhaseFailed, Reason: "install failed: 0x80240022"}},
		{Time: at.Add(4 * time.Minute), Run: run, Payload: event.RunFinished{Done: 1, Failed: 1}},
	}
	return deriveState(t, events...)
}

// deriveState journals events in a temporary store and derives the host
// state from the records, as the backend does.
func deriveState(t testing.TB, events ...event.Event) *hoststate.State {
	t.Helper()
	store, err := state.Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if _, err := store.Append(context.Background(), events...); err != nil {
		t.Fatal(err)
	}
	recs, err := store.Records(context.Background(), state.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := hoststate.Derive(recs)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// fakeBackend serves a fixed fleet, plans with the real planner and
// starts runs whose events the test supplies.
type fakeBackend struct {
	fleet  *Fleet
	events []event.Event // sent by the next Start, then the run ends
	// running keeps a started run's event stream open, as a run that is
	// still going.
	running bool
	cleanup func(func())
	result  RunResult
	control *fakeControl
	started []PlanRequest
	journal *JournalView
}

func (b *fakeBackend) LoadFleet(context.Context) (*Fleet, error) { return b.fleet, nil }

// Playbooks lists built-in playbooks that the tests plan with, facts
// first.
func (b *fakeBackend) Playbooks() ([]string, error) {
	return []string{"facts", "macos-monthly", "linux-apt-monthly"}, nil
}

func (b *fakeBackend) Plan(_ context.Context, req PlanRequest) (*plan.Plan, error) {
	list, err := playbooks.Catalog()
	if err != nil {
		return nil, err
	}
	pb, err := playbooks.Find(list, req.Playbook)
	if err != nil {
		return nil, err
	}
	return plan.Make(b.fleet.Inventory, pb, req.Selection, plan.Options{At: testNow, Cycle: "2026-12",
		Overrides: req.Overrides, Windows: plan.SiteWindows{}})
}

func (b *fakeBackend) Start(_ context.Context, req PlanRequest, p *plan.Plan) (*Run, error) {
	b.started = append(b.started, req)
	return b.newRun("20261209T040000-00c0ffee", req.Playbook, p), nil
}

func (b *fakeBackend) Retry(_ context.Context, id string, unfinished bool) (*Run, error) {
	return nil, errors.New("no retry in this test")
}

func (b *fakeBackend) Journal(context.Context, int) (*JournalView, error) {
	if b.journal == nil {
		return nil, errors.New("journal.db: permission denied")
	}
	return b.journal, nil
}

// newRun returns a run whose channel holds the backend's events.
func (b *fakeBackend) newRun(id, playbook string, p *plan.Plan) *Run {
	events := make(chan event.Event, len(b.events))
	for _, e := range b.events {
		e.Run = id
		events <- e
	}
	done := make(chan RunResult, 1)
	if b.running {
		b.cleanup(func() { close(events) })
	} else {
		close(events)
		done <- b.result
	}
	if b.control == nil {
		b.control = &fakeControl{}
	}
	return &Run{ID: id, Playbook: playbook, Plan: p, Started: testNow, Events: events, Done: done, Control: b.control}
}

// fakeControl records pause, resume and abort calls.
type fakeControl struct {
	paused  bool
	aborted bool
}

func (c *fakeControl) Pause()       { c.paused = true }
func (c *fakeControl) Resume()      { c.paused = false }
func (c *fakeControl) Abort()       { c.aborted = true }
func (c *fakeControl) Paused() bool { return c.paused }

var _ RunControl = (*fakeControl)(nil)

// testRunEvents is a run on the ENT test ring in progress: one host
// installing and heard 30 s ago, one downloading and silent for 18 m.
func testRunEvents() []event.Event {
	at := testNow.Add(-20 * time.Minute)
	ev := func(offset time.Duration, host string, p event.Payload) event.Event {
		return event.Event{Time: at.Add(offset), Host: host, Payload: p}
	}
	return []event.Event{
		ev(0, "", event.RunStarted{Playbook: "windows-monthly", Hosts: []string{"ent-fd-01", "ent-ehr-01"}}),
		ev(time.Minute, "ent-fd-01", event.HostState{Phase: event.PhaseConnecting}),
		ev(2*time.Minute, "ent-fd-01", event.StepStarted{Step: "install-updates"}),
		ev(3*time.Minute, "ent-fd-01", event.Output{Step: "install-updates", Stream: "stdout", Data: "Downloading KB5048685\nInstalling 3 of 7: KB5048685\n"}),
		ev(19*time.Minute+30*time.Second, "ent-fd-01", event.HostState{Phase: event.PhaseInstalling, Index: 3, Total: 7}),
		ev(time.Minute, "ent-ehr-01", event.HostState{Phase: event.PhaseDownloading, Percent: 40}),
		ev(2*time.Minute, "ent-ehr-01", event.StepStarted{Step: "install-updates"}),
	}
}

// finishedRunEvents ends testRunEvents' hosts: one done, one failed.
func finishedRunEvents() []event.Event {
	at := testNow.Add(-time.Minute)
	return append(testRunEvents(),
		event.Event{Time: at, Host: "ent-fd-01", Payload: event.HostState{Phase: event.PhaseDone}},
		event.Event{Time: at, Host: "ent-ehr-01", Payload: event.StepFinished{Step: "install-updates", ExitCode: 1, Error: "0x80240022"}},
		event.Event{Time: at, Host: "ent-ehr-01", Payload: event.HostState{Phase: event.PhaseFailed, Reason: "install failed: 0x80240022"}},
		event.Event{Time: at, Payload: event.RunFinished{Done: 1, Failed: 1}},
	)
}

func finishedResult() RunResult {
	return RunResult{Summary: &runner.Summary{Run: "20261209T040000-00c0ffee",
		Hosts: map[string]event.HostPhase{"ent-fd-01": event.PhaseDone, "ent-ehr-01": event.PhaseFailed}}}
}

// stripANSI removes SGR sequences, for measuring rendered width.
func stripANSI(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b {
			for i < len(s) && s[i] != 'm' {
				i++
			}
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// interruptedState is testState with a later run that has no end, as
// after a crash.
func interruptedState(t testing.TB) *hoststate.State {
	t.Helper()
	at := testNow.Add(-10 * time.Minute)
	run := "20261209T035000-feedf00d"
	return deriveState(t,
		event.Event{Time: at, Run: run, Payload: event.RunStarted{Operator: "dana", Playbook: "linux-apt-monthly",
			Selection: "--site paeds --ring test", Hosts: []string{"paeds-files"}, CycleID: "2026-12"}},
		event.Event{Time: at.Add(time.Minute), Run: run, Host: "paeds-files", Payload: event.HostState{Phase: event.PhaseInstalling}},
	)
}
