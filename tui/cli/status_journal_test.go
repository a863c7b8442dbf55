package cli

import (
	"context"
	"strings"
	"testing"
	"time"

	"patchbay/state"
	"patchbay/state/emergency"
	"patchbay/state/event"
)

// statusJournal returns a state directory whose journal has an
// interrupted run, a host state of each kind, a runner hold and an open
// emergency with one of its two hosts patched.
func statusJournal(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	store, err := state.Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	at := fixedNow.Add(-6 * time.Hour)
	run := "20261204T100000-0badcafe"
	declared, err := emergency.Declare(emergency.Declaration{
		ID: "EMG-20261204-1", CVEs: []emergency.CVE{{ID: "CVE-2024-3094"}}, Playbook: "linux-apt-monthly",
		Now: at, Deadline: 24 * time.Hour, Sites: []emergency.Site{{ID: "paeds", Hosts: []string{"paeds-files", "paeds-gw"}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	events := append(declared,
		event.Event{Time: at, Run: run, Payload: event.RunStarted{Playbook: "linux-apt-monthly", CycleID: "EMG-20261204-1",
			CycleKind: event.CycleEmergency, Sites: []string{"paeds", "imaging"}, Hosts: []string{"paeds-files", "img-pacs-01"}}},
		event.Event{Time: at.Add(time.Minute), Run: run, Host: "paeds-files", Payload: event.HostFacts{Build: "6.1.0-28-amd64"}},
		event.Event{Time: at.Add(20 * time.Minute), Run: run, Host: "paeds-files", Payload: event.HostState{Phase: event.PhaseDone}},
		emergency.Patched("EMG-20261204-1", "paeds-files", run, at.Add(20*time.Minute)),
		event.Event{Time: at.Add(30 * time.Minute), Run: run, Host: "img-pacs-01", Payload: event.HoldSet{Update: "kernel", Reason: "reboot loop", Scope: "host:img-pacs-01"}},
		event.Event{Time: at.Add(31 * time.Minute), Run: run, Host: "img-pacs-01", Payload: event.HostState{Phase: event.PhaseFailed, Reason: "pending again after the reboot"}},
		event.Event{Time: at.Add(32 * time.Minute), Run: run, Host: "img-gw", Payload: event.HostState{Phase: event.PhaseRebootPending, Reason: "policy defers the restart"}},
	)
	if _, err := store.Append(context.Background(), events...); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestStatusJournalGolden(t *testing.T) {
	dir := statusJournal(t)
	code, stdout, stderr := runCLI(t, "--state", dir, "status", "--inventory", examplesDir)
	if code != ExitOK {
		t.Fatalf("exit %d, want 0; stderr:\n%s", code, stderr)
	}
	checkStatusGolden(t, "journal.golden", stdout)
}

func TestStatusJournalJSON(t *testing.T) {
	dir := statusJournal(t)
	report := statusJSON(t, "--state", dir, "--site", "paeds")

	if len(report.UnfinishedRuns) != 1 || report.UnfinishedRuns[0].ID != "20261204T100000-0badcafe" {
		t.Errorf("unfinished runs = %+v, want the interrupted run", report.UnfinishedRuns)
	}
	site := report.Sites[0]
	if st := site.HostStates["paeds-files"]; st.State != "done" || st.Build != "6.1.0-28-amd64" {
		t.Errorf("paeds-files = %+v, want done at build 6.1.0-28-amd64", st)
	}
	if len(site.Emergencies) != 1 {
		t.Fatalf("emergencies = %+v, want EMG-20261204-1", site.Emergencies)
	}
	if e := site.Emergencies[0]; e.Patched != 1 || e.Total != 2 || e.Remaining != "18h0m0s left" {
		t.Errorf("emergency clock = %+v, want 1 of 2 patched with 18h left", e)
	}
}

func TestStatusJournalRunnerHold(t *testing.T) {
	dir := statusJournal(t)
	report := statusJSON(t, "--state", dir, "--site", "imaging")

	holds := report.Sites[0].RunnerHolds
	if len(holds) != 1 || holds[0].Host != "img-pacs-01" || holds[0].Item != "kernel" {
		t.Errorf("runner holds = %+v, want kernel on img-pacs-01", holds)
	}
	if st := report.Sites[0].HostStates["img-gw"]; !strings.HasPrefix(st.State, "reboot") {
		t.Errorf("img-gw = %+v, want reboot pending", st)
	}
	if len(report.Sites[0].Emergencies) != 0 {
		t.Errorf("imaging emergencies = %+v, want none: the emergency covers paeds only", report.Sites[0].Emergencies)
	}
}
