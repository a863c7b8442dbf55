package plan

import (
	"encoding/json"
	"testing"
	"time"

	"patchbay/inventory"
	"patchbay/state/event"
)

// records turns events into journal records in order.
func records(t *testing.T, evs ...event.Event) []event.Record {
	t.Helper()
	var recs []event.Record
	for i, e := range evs {
		data, err := json.Marshal(e.Payload)
		if err != nil {
			t.Fatal(err)
		}
		recs = append(recs, event.Record{Seq: int64(i + 1), Time: e.Time, Kind: e.Payload.Kind(), Run: e.Run, Host: e.Host, Payload: data})
	}
	return recs
}

func TestJournalHistory(t *testing.T) {
	inv := siteInventory()
	t0 := planAt.Add(-96 * time.Hour)
	at := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
	recs := records(t,
		event.Event{Time: at(0), Run: "r1", Payload: event.RunStarted{Playbook: "apt", CycleID: "2026-12"}},
		event.Event{Time: at(1), Run: "r1", Host: "vm", Payload: event.HostState{Phase: event.PhaseConnecting}},
		event.Event{Time: at(41), Run: "r1", Host: "vm", Payload: event.HostState{Phase: event.PhaseDone}},
		event.Event{Time: at(2), Run: "r1", Host: "ws", Payload: event.HostState{Phase: event.PhaseConnecting}},
		event.Event{Time: at(50), Run: "r1", Host: "ws", Payload: event.HostState{Phase: event.PhaseFailed}},
		event.Event{Time: at(51), Run: "r1", Host: "ws", Payload: event.HoldSet{Update: "openssl", Scope: "host:ws", Reason: "loop"}},
		event.Event{Time: at(3), Run: "r1", Host: "hv", Payload: event.HostState{Phase: event.PhaseMissed}},
		event.Event{Time: at(60), Run: "r2", Payload: event.RunStarted{Playbook: "apt", CycleID: "2026-12", ResumeOf: "r1"}},
		event.Event{Time: at(61), Run: "r2", Host: "ws", Payload: event.HostState{Phase: event.PhaseConnecting}},
		event.Event{Time: at(70), Run: "r2", Host: "ws", Payload: event.HostState{Phase: event.PhaseDone}},
	)
	h, err := NewJournalHistory(recs, inv)
	if err != nil {
		t.Fatal(err)
	}
	if d, ok := h.ExpectedDuration("vm", "apt"); !ok || d != 40*time.Minute {
		t.Errorf("ExpectedDuration(vm) = %v, %v; want 40m", d, ok)
	}
	if _, ok := h.ExpectedDuration("hv", "apt"); ok {
		t.Error("a missed host has an expected duration")
	}
	out, ok := h.RingOutcome("2026-12", "test")
	if !ok {
		t.Fatal("no outcome for ring test")
	}
	if out.Succeeded != 2 || out.Failed != 0 || out.Missed != 1 {
		t.Errorf("outcome = %+v, want 2 succeeded (ws after its retry) and 1 missed", out)
	}
	if !out.Finished.Equal(at(70)) || len(out.NewHolds) != 1 {
		t.Errorf("finished %v, holds %v; want %v and one hold", out.Finished, out.NewHolds, at(70))
	}
	if _, ok := h.RingOutcome("2026-11", "test"); ok {
		t.Error("an outcome for a cycle without runs")
	}

	finals, found, err := FinalStates(recs, "r1")
	if err != nil || !found {
		t.Fatal(err, found)
	}
	if finals["ws"] != event.PhaseFailed || finals["vm"] != event.PhaseDone || finals["hv"] != event.PhaseMissed {
		t.Errorf("final states of r1 = %v", finals)
	}

	holds, err := JournalHolds(recs, inv)
	if err != nil {
		t.Fatal(err)
	}
	if len(holds["ws"]) != 1 || holds["ws"][0].Item != "openssl" || holds["ws"][0].Kind != inventory.HoldPackage {
		t.Errorf("journal holds = %v, want openssl as a package hold on ws", holds)
	}
}

func TestJournalHoldCleared(t *testing.T) {
	recs := records(t,
		event.Event{Time: planAt, Host: "ws", Payload: event.HoldSet{Update: "openssl", Scope: "host:ws"}},
		event.Event{Time: planAt, Payload: event.HoldCleared{Update: "openssl", Scope: "host:ws"}},
	)
	holds, err := JournalHolds(recs, siteInventory())
	if err != nil {
		t.Fatal(err)
	}
	if len(holds["ws"]) != 0 {
		t.Errorf("cleared hold still applies: %v", holds["ws"])
	}
}
