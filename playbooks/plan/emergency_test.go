package plan

import (
	"strings"
	"testing"
	"time"

	"patchbay/inventory"
)

func emergencyPlan(t *testing.T, inv *inventory.Inventory, e *Emergency, hist History) *Plan {
	t.Helper()
	closed := fixedWindows{Opens: planAt.Add(19 * time.Hour)}
	p, err := Make(inv, testBook(false), Selection{Hosts: []string{"ws", "vm", "prod"}},
		Options{At: planAt, Cycle: "EMG-20261210-1", Windows: closed, Emergency: e, History: hist})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func TestEmergencyNoticeOpensWindows(t *testing.T) {
	p := emergencyPlan(t, siteInventory(), &Emergency{ID: "EMG-20261210-1", BusinessHours: true}, nil)

	if !p.IgnoresWindows() {
		t.Error("IgnoresWindows = false, want true once the notices are journaled")
	}
	if s := p.Find("vm").Skip; s != nil {
		t.Errorf("vm skip = %v, want it to run in business hours", s)
	}
	if s := p.Find("prod").Skip; s != nil {
		t.Errorf("prod skip = %v, want the runner to check its gate after ring test", s)
	}
}

func TestEmergencyWithoutNoticeNeedsWindow(t *testing.T) {
	p := emergencyPlan(t, siteInventory(), &Emergency{ID: "EMG-20261210-1"}, nil)

	if p.IgnoresWindows() {
		t.Error("IgnoresWindows = true without a notice")
	}
	if s := p.Find("vm").Skip; s == nil || s.Reason != ReasonWindowClosed {
		t.Errorf("vm skip = %v, want window-closed", s)
	}
}

func TestEmergencyKeepsExceptionsAndHolds(t *testing.T) {
	inv := siteInventory()
	inv.Exceptions = []*inventory.Exception{{ID: "EXC-7", Hosts: []string{"ws"}, App: "AudioSuite", Reason: "certified build"}}
	inv.Holds = []*inventory.Hold{{ID: "H1", Kind: inventory.HoldKB, Item: "KB5034441", Reason: "boot loop", Scope: inventory.Scope{Kind: inventory.ScopeAll}}}
	pb := testBook(false)
	pb.Variables = map[string]string{"updates": "KB5034441"}
	p, err := Make(inv, pb, Selection{Hosts: []string{"ws", "vm"}}, Options{At: planAt, Cycle: "EMG-1",
		Windows: fixedWindows{}, Emergency: &Emergency{ID: "EMG-1", BusinessHours: true}})
	if err != nil {
		t.Fatal(err)
	}

	if s := p.Find("ws").Skip; s == nil || s.Reason != ReasonException {
		t.Errorf("ws skip = %v, want its exception", s)
	}
	if s := p.Find("vm").Skip; s == nil || s.Reason != ReasonHeld {
		t.Errorf("vm skip = %v, want the held update", s)
	}
}

func TestEmergencyGateUsesEmergencySoak(t *testing.T) {
	inv := siteInventory()
	inv.Rings[0].EmergencySoak = 4 * time.Hour
	cases := []struct {
		name     string
		finished time.Duration // before planAt
		want     string
	}{
		{"soaked", 5 * time.Hour, ""},
		{"soaking", time.Hour, "emergency soak of ring test ends Thu 2026-12-10 06:00 UTC, 3h0m0s from now"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			hist := history{outcomes: map[string]RingOutcome{"test": {Succeeded: 3, Finished: planAt.Add(-c.finished)}}}
			err := EmergencyGate(inv, "production", "EMG-1", planAt, hist)
			switch {
			case c.want == "" && err != nil:
				t.Errorf("EmergencyGate = %v, want pass", err)
			case c.want != "" && (err == nil || err.Error() != c.want):
				t.Errorf("EmergencyGate = %v, want %q", err, c.want)
			}
			if err := Gate(inv, "production", "EMG-1", planAt, hist); err == nil || !strings.HasPrefix(err.Error(), "soak of ring test ends") {
				t.Errorf("Gate = %v, want the monthly soak of 48h to block", err)
			}
		})
	}
}

func TestEmergencyPlanSkipsOnEmergencyGate(t *testing.T) {
	inv := siteInventory()
	inv.Rings[0].EmergencySoak = 4 * time.Hour
	hist := history{outcomes: map[string]RingOutcome{"test": {Succeeded: 3, Finished: planAt.Add(-5 * time.Hour)}}}
	p, err := Make(inv, testBook(false), Selection{Hosts: []string{"prod"}}, Options{At: planAt, Cycle: "EMG-1",
		Windows: fixedWindows{}, Emergency: &Emergency{ID: "EMG-1", BusinessHours: true}, History: hist})
	if err != nil {
		t.Fatal(err)
	}
	if s := p.Find("prod").Skip; s != nil {
		t.Errorf("prod skip = %v, want it to run once the emergency soak ended", s)
	}
}

func TestHeldKBsSkipEmergencyHost(t *testing.T) {
	inv := siteInventory()
	inv.Holds = []*inventory.Hold{{ID: "H1", Kind: inventory.HoldKB, Item: "KB5034441", Reason: "boot loop", Scope: inventory.Scope{Kind: inventory.ScopeAll}}}
	p, err := Make(inv, testBook(false), Selection{Hosts: []string{"vm"}}, Options{At: planAt, Cycle: "EMG-1",
		Windows: fixedWindows{}, Vars: map[string]string{"kbs": "KB5034441"}, Emergency: &Emergency{ID: "EMG-1", BusinessHours: true}})
	if err != nil {
		t.Fatal(err)
	}
	if s := p.Find("vm").Skip; s == nil || s.Reason != ReasonHeld {
		t.Errorf("vm skip = %v, want the held KB named in kbs", s)
	}
}
