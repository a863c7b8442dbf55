package tui

import (
	"strings"
	"testing"
	"time"

	"patchbay/inventory"
	"patchbay/playbooks/plan"
	"patchbay/state/event"
)

func TestHeardShowsFinishTime(t *testing.T) {
	m := newTestModel(t, &fakeBackend{})
	// 03:50 UTC is 22:50 the evening before in New York, the ENT site's zone.
	h := &runHost{name: "ent-fd-01", site: "ent", phase: event.PhaseDone, lastHeard: testNow.Add(-10 * time.Minute)}
	first := stripANSI(m.runs.heardText(h))
	if first != "22:50 EST" {
		t.Errorf("heard of a finished host = %q, want its site-local finish time 22:50 EST", first)
	}
	m.c.clock = testNow.Add(time.Hour)
	if later := stripANSI(m.runs.heardText(h)); later != first {
		t.Errorf("heard of a finished host changed from %q to %q as the clock advanced", first, later)
	}
	if got := stripANSI(m.runs.heardText(&runHost{phase: event.PhaseSkipped})); got != "-" {
		t.Errorf("heard of a host never contacted = %q, want -", got)
	}
}

func TestRunCountsSplitPlanSkips(t *testing.T) {
	host := func(name string) *inventory.Host { return &inventory.Host{Name: name, Site: "ent", Ring: "test"} }
	p := &plan.Plan{Hosts: []*plan.Host{
		{Host: host("ent-fd-01")},
		{Host: host("ent-ehr-01")},
		{Host: host("ent-ws-01"), Skip: &plan.Skip{Reason: plan.ReasonException, Detail: "pinned"}},
		{Host: host("ent-ws-02"), Skip: &plan.Skip{Reason: plan.ReasonException, Detail: "pinned"}},
	}}
	v := newRunView(&Run{ID: "r1", Plan: p})
	v.apply(event.Event{Time: testNow, Host: "ent-fd-01", Payload: event.HostState{Phase: event.PhaseDone}})
	v.apply(event.Event{Time: testNow, Host: "ent-ehr-01", Payload: event.HostState{Phase: event.PhaseSkipped, Reason: "window-closed"}})

	counts, planSkipped, runnable, finished := v.totals()
	// run.finished would record skipped: 1, the host skipped at run time.
	if counts[event.PhaseSkipped] != 1 {
		t.Errorf("skipped in the run = %d, want 1", counts[event.PhaseSkipped])
	}
	if planSkipped != 2 {
		t.Errorf("skipped by the plan = %d, want 2", planSkipped)
	}
	if runnable != 2 || finished != 2 {
		t.Errorf("progress = %d/%d, want 2/2", finished, runnable)
	}
	text := countsText(counts, planSkipped)
	if want := "1 done · 1 skipped in the run · 2 skipped by the plan"; text != want {
		t.Errorf("counts = %q, want %q", text, want)
	}
	if strings.Contains(text, "3 skipped") {
		t.Errorf("counts = %q merge the plan's skips with the run's", text)
	}
}
