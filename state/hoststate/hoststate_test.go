package hoststate

import (
	"encoding/json"
	"testing"
	"time"

	"patchbay/state/event"
)

var t0 = time.Date(2026, 12, 9, 22, 0, 0, 0, time.UTC)

// journal builds records from events, as the store would number them.
type journal struct {
	recs []event.Record
}

func (j *journal) add(t *testing.T, minute int, run, host string, p event.Payload) {
	t.Helper()
	raw, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	j.recs = append(j.recs, event.Record{
		Seq: int64(len(j.recs) + 1), Time: t0.Add(time.Duration(minute) * time.Minute),
		Kind: p.Kind(), Run: run, Host: host, Payload: raw,
	})
}

func (j *journal) derive(t *testing.T) *State {
	t.Helper()
	s, err := Derive(j.recs)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func monthly(cycle string) event.RunStarted {
	return event.RunStarted{Operator: "tech", Playbook: "windows-monthly", CycleID: cycle, CycleKind: event.CycleMonthly}
}

func TestDeriveBuildAndLastPatched(t *testing.T) {
	var j journal
	j.add(t, 0, "r1", "", monthly("2026-12"))
	j.add(t, 1, "r1", "ws-1", event.HostFacts{Build: "10.0.22631.4460"})
	j.add(t, 5, "r1", "ws-1", event.HostState{Phase: event.PhaseInstalling, Index: 1, Total: 2})
	j.add(t, 9, "r1", "ws-1", event.HostFacts{Build: "10.0.22631.4602"})
	j.add(t, 10, "r1", "ws-1", event.HostState{Phase: event.PhaseDone})
	j.add(t, 11, "r1", "", event.RunFinished{Done: 1})
	s := j.derive(t)

	h := s.Hosts["ws-1"]
	if h == nil {
		t.Fatal("no state for ws-1")
	}
	if h.Build != "10.0.22631.4602" {
		t.Errorf("build = %q, want the one after patching", h.Build)
	}
	if got := h.LastPatched["2026-12"]; !got.Equal(t0.Add(10 * time.Minute)) {
		t.Errorf("last patched in 2026-12 = %v", got)
	}
	if h.Phase != event.PhaseDone || h.LastRun != "r1" {
		t.Errorf("phase %s in run %s, want done in r1", h.Phase, h.LastRun)
	}
	if len(s.Unfinished()) != 0 {
		t.Errorf("finished run listed as unfinished")
	}
}

func TestDerivePendingReboot(t *testing.T) {
	var j journal
	j.add(t, 0, "r1", "", monthly("2026-12"))
	j.add(t, 1, "r1", "srv-1", event.HostState{Phase: event.PhaseRebootPending, Reason: "reboot deferred by policy"})
	s := j.derive(t)
	if h := s.Hosts["srv-1"]; !h.PendingReboot || h.RebootReason != "reboot deferred by policy" {
		t.Errorf("pending reboot = %v %q", h.PendingReboot, h.RebootReason)
	}

	j.add(t, 2, "r2", "srv-1", event.HostFacts{PendingReboot: false})
	s = j.derive(t)
	if s.Hosts["srv-1"].PendingReboot {
		t.Error("facts without a pending reboot left the flag set")
	}
}

func TestDeriveMissedCycles(t *testing.T) {
	var j journal
	j.add(t, 0, "r1", "", monthly("2026-11"))
	j.add(t, 1, "r1", "ws-2", event.HostState{Phase: event.PhaseMissed, Reason: "offline"})
	j.add(t, 2, "r2", "", monthly("2026-12"))
	j.add(t, 3, "r2", "ws-2", event.HostState{Phase: event.PhaseMissed, Reason: "offline"})
	j.add(t, 4, "r3", "", monthly("2026-12"))
	j.add(t, 5, "r3", "ws-2", event.HostState{Phase: event.PhaseDone})
	s := j.derive(t)

	got := s.Hosts["ws-2"].MissedCycles()
	if len(got) != 1 || got[0] != "2026-11" {
		t.Errorf("missed cycles = %v, want [2026-11]", got)
	}
}

func TestDeriveInterruptedRun(t *testing.T) {
	var j journal
	j.add(t, 0, "r1", "", monthly("2026-12"))
	j.add(t, 1, "r1", "ws-1", event.HostState{Phase: event.PhaseInstalling, Index: 1, Total: 3})
	j.add(t, 2, "r2", "", monthly("2026-12"))
	j.add(t, 3, "r2", "", event.RunFinished{Aborted: true, Resumable: true})
	j.add(t, 4, "r3", "", monthly("2026-12"))
	j.add(t, 5, "r3", "", event.RunFinished{Done: 3})
	s := j.derive(t)

	open := s.Unfinished()
	if len(open) != 1 || open[0].ID != "r1" {
		t.Fatalf("unfinished runs = %v, want r1", open)
	}
	if !open[0].LastHeard.Equal(t0.Add(time.Minute)) {
		t.Errorf("r1 last heard %v", open[0].LastHeard)
	}
	for id, want := range map[string]bool{"r1": true, "r2": true, "r3": false} {
		if got := s.Run(id).Resumable(); got != want {
			t.Errorf("run %s resumable = %v, want %v", id, got, want)
		}
	}
}

func TestDeriveHoldsAndEmergencies(t *testing.T) {
	var j journal
	j.add(t, 0, "r1", "ws-1", event.HoldSet{Update: "KB5034441", Reason: "reboot loop", Scope: "all"})
	j.add(t, 1, "r1", "ws-1", event.HoldSet{Update: "KB5035000", Reason: "reboot loop", Scope: "site:a"})
	j.add(t, 2, "", "", event.HoldCleared{Update: "KB5034441", Scope: "all"})
	j.add(t, 3, "", "", event.Emergency{ID: "e1", CVEs: []string{"CVE-2024-21412"}, Deadline: t0.Add(72 * time.Hour)})
	j.add(t, 4, "r4", "ws-1", event.EmergencyPatched{ID: "e1"})
	j.add(t, 5, "", "", event.EmergencyClosed{ID: "e1"})
	s := j.derive(t)

	if len(s.Holds) != 1 || s.Holds[0].Update != "KB5035000" || s.Holds[0].Run != "r1" {
		t.Errorf("holds = %+v, want KB5035000 from r1", s.Holds)
	}
	if len(s.Emergencies) != 1 {
		t.Fatalf("%d emergencies, want 1", len(s.Emergencies))
	}
	e := s.Emergencies[0]
	if _, ok := e.Patched["ws-1"]; !ok || !e.Closed {
		t.Errorf("emergency = patched %v closed %v", e.Patched, e.Closed)
	}
}

func TestDeriveIgnoresUnknownKind(t *testing.T) {
	recs := []event.Record{{Seq: 1, Kind: "future.kind", Payload: []byte(`{}`)}}
	s, err := Derive(recs)
	if err != nil || s.LastSeq != 1 {
		t.Errorf("Derive = %v, last seq %d", err, s.LastSeq)
	}
	bad := []event.Record{{Seq: 1, Kind: event.KindHostState, Payload: []byte(`{"phase":3}`)}}
	if _, err := Derive(bad); err == nil {
		t.Error("invalid payload derived without error")
	}
}
