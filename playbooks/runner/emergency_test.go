package runner

import (
	"context"
	"strings"
	"testing"
	"time"

	"patchbay/playbooks/plan"
	"patchbay/state/event"
)

// emergencyRun runs the apt playbook over a1 (ring test) and a2-p (ring
// production) of site a as emergency EMG-1 while every window is closed.
func emergencyRun(t *testing.T, notice bool, emergencySoak time.Duration) (*plan.Plan, *Summary, []event.Event) {
	t.Helper()
	inv := testInventory(map[string][]string{"a": {"a1", "a2-p"}})
	inv.Rings[0].Soak, inv.Rings[0].EmergencySoak = 48*time.Hour, emergencySoak
	closed := openWindows{closed: true}
	e := &plan.Emergency{ID: "EMG-1", Deadline: time.Now().Add(24 * time.Hour), BusinessHours: notice}
	p, err := plan.Make(inv, retryPlaybook(t, 0), plan.Selection{Hosts: []string{"a1", "a2-p"}},
		plan.Options{At: time.Now(), Cycle: e.ID, Windows: closed, Emergency: e})
	if err != nil {
		t.Fatal(err)
	}
	j := &memJournal{}
	fleet := newFakeFleet(newFakeHost("a1", "openssl"), newFakeHost("a2-p", "openssl"))
	sum, err := New(inv, p, fleet, j, Options{Windows: closed, Timing: fastTiming}).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return p, sum, j.all()
}

// patchedHosts returns the hosts of the EmergencyPatched events of id.
func patchedHosts(events []event.Event, id string) []string {
	var hosts []string
	for _, ev := range events {
		if p, ok := ev.Payload.(event.EmergencyPatched); ok && p.ID == id {
			hosts = append(hosts, ev.Host)
		}
	}
	return hosts
}

func TestEmergencyRunsOutsideWindows(t *testing.T) {
	_, sum, events := emergencyRun(t, true, 0)

	for _, h := range []string{"a1", "a2-p"} {
		if sum.Hosts[h] != event.PhaseDone {
			t.Errorf("%s = %q, want done", h, sum.Hosts[h])
		}
	}
	if got := strings.Join(patchedHosts(events, "EMG-1"), ","); got != "a1,a2-p" {
		t.Errorf("hosts journaled as patched = %q, want a1,a2-p", got)
	}
	if d := decisions(events, DecisionEmergencyWindows); len(d) != 1 || !strings.Contains(d[0].Reason, "emergency EMG-1") {
		t.Errorf("emergency window decisions = %+v, want one naming EMG-1", d)
	}
	started, ok := events[0].Payload.(event.RunStarted)
	if !ok {
		t.Fatalf("first event = %T, want RunStarted", events[0].Payload)
	}
	if started.CycleKind != event.CycleEmergency || started.CycleID != "EMG-1" {
		t.Errorf("run started in cycle %s %s, want emergency EMG-1", started.CycleKind, started.CycleID)
	}
}

func TestEmergencyWithoutNoticeKeepsWindows(t *testing.T) {
	p, sum, events := emergencyRun(t, false, 0)

	for _, h := range p.Hosts {
		if h.Skip == nil || h.Skip.Reason != plan.ReasonWindowClosed {
			t.Errorf("%s skip = %v, want window-closed", h.Host.Name, h.Skip)
		}
	}
	if len(sum.Hosts) != 0 {
		t.Errorf("final states = %v, want none", sum.Hosts)
	}
	if got := patchedHosts(events, "EMG-1"); len(got) != 0 {
		t.Errorf("hosts journaled as patched = %v, want none", got)
	}
	if d := decisions(events, DecisionEmergencyWindows); len(d) != 0 {
		t.Errorf("emergency window decisions = %+v, want none without a notice", d)
	}
}

func TestEmergencyGateUsesEmergencySoak(t *testing.T) {
	_, sum, events := emergencyRun(t, true, 4*time.Hour)

	if sum.Hosts["a1"] != event.PhaseDone {
		t.Errorf("a1 = %q, want done", sum.Hosts["a1"])
	}
	if sum.Hosts["a2-p"] != event.PhaseSkipped {
		t.Errorf("a2-p = %q, want skipped until the emergency soak ends", sum.Hosts["a2-p"])
	}
	gates := decisions(events, DecisionGate)
	if len(gates) != 1 || !strings.Contains(gates[0].Reason, "emergency soak of ring test ends") {
		t.Errorf("gate decisions = %+v, want one naming the emergency soak", gates)
	}
	if got := strings.Join(patchedHosts(events, "EMG-1"), ","); got != "a1" {
		t.Errorf("hosts journaled as patched = %q, want a1", got)
	}
}
