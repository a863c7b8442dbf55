package cli

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"patchbay/playbooks/plan"
	"patchbay/remote/lab"
	"patchbay/state/event"
	"patchbay/tui"
)

func TestConsoleNeedsTerminal(t *testing.T) {
	res := runPatchCLI(t, "--state", t.TempDir(), "--inventory", runFleet)
	if res.code != ExitUsage {
		t.Errorf("exit = %d, want %d", res.code, ExitUsage)
	}
	if !strings.Contains(res.stderr, "the console needs a terminal") {
		t.Errorf("stderr = %q", res.stderr)
	}
}

// newTestConsoleBackend returns the console's backend on the run tests'
// fleet and a fresh journal, with the lab hosts as the dialer.
func newTestConsoleBackend(t *testing.T, faults map[string]lab.Faults) *consoleBackend {
	t.Helper()
	useLabHosts(t, faults)
	a := &app{env: Env{Getenv: func(string) string { return "" }, Now: func() time.Time { return runTime }},
		inventory: runFleet, stateDir: t.TempDir()}
	store, err := a.openJournal(false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { store.Close() })
	return &consoleBackend{a: a, store: store, requests: map[string]tui.PlanRequest{}}
}

// drain reads a run's events until the stream ends and returns its
// result.
func drain(t *testing.T, r *tui.Run) (tui.RunResult, []event.Event) {
	t.Helper()
	var events []event.Event
	timeout := time.After(time.Minute)
	for {
		select {
		case e, ok := <-r.Events:
			if !ok {
				return <-r.Done, events
			}
			events = append(events, e)
		case <-timeout:
			t.Fatal("the run did not end within a minute")
		}
	}
}

func TestConsoleBackendRunsPlan(t *testing.T) {
	current := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, current) }) // after the store closes
	b := newTestConsoleBackend(t, nil)
	ctx := context.Background()
	if _, err := b.LoadFleet(ctx); err != nil {
		t.Fatalf("load the fleet: %v", err)
	}
	names, err := b.Playbooks()
	if err != nil || !strings.Contains(strings.Join(names, " "), "linux-apt-monthly") {
		t.Fatalf("playbooks = %v, %v; want linux-apt-monthly among them", names, err)
	}
	req := tui.PlanRequest{Playbook: "linux-apt-monthly", Selection: plan.Selection{Rings: []string{"test"}}}
	p, err := b.Plan(ctx, req)
	if err != nil {
		t.Fatalf("plan: %v", err)
	}
	if h := p.Find("north-web"); h == nil || !h.Runnable() {
		t.Fatalf("north-web is not runnable in the plan: %+v", h)
	}
	r, err := b.Start(ctx, req, p)
	if err != nil {
		t.Fatalf("start: %v", err)
	}
	result, events := drain(t, r)
	if result.Err != nil {
		t.Fatalf("run error: %v", result.Err)
	}
	if got := result.Summary.Hosts["north-web"]; got != event.PhaseDone {
		t.Errorf("north-web ended %q, want done", got)
	}
	if len(events) == 0 {
		t.Error("the run sent no events")
	}

	fleet, err := b.LoadFleet(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if st := fleet.State.Hosts["north-web"]; st == nil || st.Phase != event.PhaseDone || st.LastRun != r.ID {
		t.Errorf("fleet state of north-web = %+v, want done in run %s", st, r.ID)
	}
	view, err := b.Journal(ctx, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(view.Records) != 5 {
		t.Errorf("journal view holds %d records, want the last 5", len(view.Records))
	}
	if view.Verification.Break != nil {
		t.Errorf("journal does not verify: %v", view.Verification.Break)
	}
}

func TestConsoleBackendOverrideReasonsReachPlan(t *testing.T) {
	b := newTestConsoleBackend(t, nil)
	ctx := context.Background()
	if _, err := b.LoadFleet(ctx); err != nil {
		t.Fatal(err)
	}
	req := tui.PlanRequest{Playbook: "facts", Overrides: plan.Overrides{Window: "vendor call", Gate: "hotfix"}}
	p, err := b.Plan(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if p.Overrides != req.Overrides {
		t.Errorf("plan overrides = %+v, want %+v", p.Overrides, req.Overrides)
	}
}

func TestConsoleBackendNothingRunnable(t *testing.T) {
	b := newTestConsoleBackend(t, nil)
	ctx := context.Background()
	if _, err := b.LoadFleet(ctx); err != nil {
		t.Fatal(err)
	}
	req := tui.PlanRequest{Playbook: "linux-apt-monthly", Selection: plan.Selection{Hosts: []string{"north-audio"}}}
	p, err := b.Plan(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	_, err = b.Start(ctx, req, p)
	if err == nil || !strings.Contains(err.Error(), "nothing runnable") {
		t.Errorf("start of an excepted host = %v, want nothing runnable", err)
	}
}

// TestLabWithoutTerminalStops checks the plain lab path: without a
// terminal the console cannot open, so the lab stops its hosts and exits
// with the usage code instead of serving on.
func TestLabWithoutTerminalStops(t *testing.T) {
	defer goleak.VerifyNone(t)
	out := &labBuffer{}
	base := fmt.Sprintf("127.%d.%d.0", 100+rand.IntN(100), rand.IntN(256))
	code := Main([]string{"lab", "--dir", t.TempDir(), "--address-base", base}, labEnv(out))
	if code != ExitUsage {
		t.Errorf("exit = %d, want %d:\n%s", code, ExitUsage, out.String())
	}
	if !strings.Contains(out.String(), "the console needs a terminal") {
		t.Errorf("output lacks the terminal error:\n%s", out.String())
	}
	if strings.Contains(out.String(), "In another terminal") {
		t.Errorf("output suggests commands on a lab that has stopped:\n%s", out.String())
	}
	if !strings.Contains(out.String(), "Lab stopped.") {
		t.Errorf("output lacks the stop line:\n%s", out.String())
	}
}

func TestConsoleBackendRetriesFailedHost(t *testing.T) {
	b := newTestConsoleBackend(t, map[string]lab.Faults{"north-web": {lab.FaultRebootLoop: ""}})
	ctx := context.Background()
	if _, err := b.LoadFleet(ctx); err != nil {
		t.Fatal(err)
	}
	req := tui.PlanRequest{Playbook: "linux-apt-monthly", Selection: plan.Selection{Rings: []string{"test"}}}
	p, err := b.Plan(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	first, err := b.Start(ctx, req, p)
	if err != nil {
		t.Fatal(err)
	}
	if result, _ := drain(t, first); result.Summary.Hosts["north-web"] != event.PhaseFailed {
		t.Fatalf("first run = %v, want north-web failed by the reboot loop", result.Summary.Hosts)
	}

	useLabHosts(t, nil)
	retry, err := b.Retry(ctx, first.ID, false)
	if err != nil {
		t.Fatalf("retry: %v", err)
	}
	result, _ := drain(t, retry)
	if len(result.Summary.Hosts) != 1 || result.Summary.Hosts["north-web"] != event.PhaseDone {
		t.Errorf("retry = %v, want only north-web, done", result.Summary.Hosts)
	}
}

func TestConsoleBackendPlansEmergency(t *testing.T) {
	b := newTestConsoleBackend(t, nil)
	ctx := context.Background()
	declare := runPatchCLI(t, "--state", b.a.stateDir, "--inventory", runFleet, "emergency", "declare", "CVE-2024-21412",
		"--playbook", "linux-apt-monthly", "--host", "north-web", "--reason", "exploited in the wild")
	if declare.code != ExitOK {
		t.Fatalf("declare exited %d:\n%s", declare.code, declare.stderr)
	}
	fleet, err := b.LoadFleet(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(fleet.Emergencies) != 1 {
		t.Fatalf("fleet has %d emergencies, want the declared one", len(fleet.Emergencies))
	}
	id := fleet.Emergencies[0].ID
	p, err := b.Plan(ctx, tui.PlanRequest{Emergency: id})
	if err != nil {
		t.Fatalf("plan emergency %s: %v", id, err)
	}
	if p.Emergency == nil || p.Playbook.Name != "linux-apt-monthly" {
		t.Errorf("plan = emergency %v, playbook %s; want emergency %s with linux-apt-monthly", p.Emergency, p.Playbook.Name, id)
	}
	if h := p.Find("north-db"); h != nil {
		t.Errorf("the emergency plan includes north-db, which the emergency does not name")
	}
}
