package report

import (
	"context"
	"testing"

	"patchbay/state"
	"patchbay/state/event"
	"patchbay/state/report/model"
)

// journalOldRecords writes two runs with run-finished records in the form
// that counted reboot-pending hosts as done and a resume's hosts together
// with its parent's. In "first", paeds-files ended reboot pending,
// paeds-fd-01 failed and the run was aborted. "second" resumed it and
// finished paeds-exam-01 alone.
func journalOldRecords(t *testing.T) *state.Store {
	t.Helper()
	store := openExamplesStore(t, at("2026-10-01T00:00:00Z"))
	first, second := at("2026-11-10T03:00:00Z"), at("2026-11-10T05:00:00Z")
	hostState := func(run, host, when string, phase event.HostPhase) event.Event {
		return event.Event{Time: at(when), Run: run, Host: host, Payload: event.HostState{Phase: phase}}
	}
	_, err := store.Append(context.Background(),
		event.Event{Time: first, Run: "first", Payload: event.RunStarted{Operator: "tech", Playbook: "linux-apt-monthly",
			Sites: []string{"paeds"}, Hosts: []string{"paeds-files", "paeds-fd-01", "paeds-exam-01"}}},
		hostState("first", "paeds-files", "2026-11-10T03:30:00Z", event.PhaseRebootPending),
		hostState("first", "paeds-fd-01", "2026-11-10T03:40:00Z", event.PhaseFailed),
		event.Event{Time: at("2026-11-10T03:50:00Z"), Run: "first", Payload: event.RunFinished{Done: 1, Failed: 1, Aborted: true, Resumable: true}},
		event.Event{Time: second, Run: "second", Payload: event.RunStarted{Operator: "tech", Playbook: "linux-apt-monthly",
			Sites: []string{"paeds"}, Hosts: []string{"paeds-exam-01"}, ResumeOf: "first"}},
		hostState("second", "paeds-exam-01", "2026-11-10T05:30:00Z", event.PhaseDone),
		event.Event{Time: at("2026-11-10T05:40:00Z"), Run: "second", Payload: event.RunFinished{Done: 2, Failed: 1}},
	)
	if err != nil {
		t.Fatal(err)
	}
	return store
}

// checkCounts compares a run row's host counts with want.
func checkCounts(t *testing.T, got, want model.Run) {
	t.Helper()
	if got.Done != want.Done {
		t.Errorf("run %s: done = %d, want %d", got.ID, got.Done, want.Done)
	}
	if got.RebootPending != want.RebootPending {
		t.Errorf("run %s: reboot pending = %d, want %d", got.ID, got.RebootPending, want.RebootPending)
	}
	if got.Failed != want.Failed {
		t.Errorf("run %s: failed = %d, want %d", got.ID, got.Failed, want.Failed)
	}
	if got.Outcome() != want.Outcome() {
		t.Errorf("run %s: outcome = %q, want %q", got.ID, got.Outcome(), want.Outcome())
	}
}

func TestRunsAppendixCountsHostStates(t *testing.T) {
	store := journalOldRecords(t)
	q, err := BuildQuarterly(context.Background(), store, Options{Quarter: Quarter{2026, 4}, Site: "paeds", Now: at("2027-01-05T00:00:00Z")})
	if err != nil {
		t.Fatal(err)
	}
	if len(q.Runs) != 2 {
		t.Fatalf("%d runs in the appendix, want 2", len(q.Runs))
	}
	checkCounts(t, q.Runs[0], model.Run{ID: "first", RebootPending: 1, Failed: 1, Finished: true, Aborted: true})
	checkCounts(t, q.Runs[1], model.Run{ID: "second", Done: 1, Finished: true})
}

func TestRunReportCountsHostStates(t *testing.T) {
	store := journalOldRecords(t)
	for _, want := range []model.Run{
		{ID: "first", RebootPending: 1, Failed: 1, Finished: true, Aborted: true},
		{ID: "second", Done: 1, Finished: true},
	} {
		rep, err := BuildRun(context.Background(), store, want.ID)
		if err != nil {
			t.Fatal(err)
		}
		checkCounts(t, rep.Run, want)
	}
}

func TestAbortedRunIncidentCounts(t *testing.T) {
	store := journalOldRecords(t)
	q, err := BuildQuarterly(context.Background(), store, Options{Quarter: Quarter{2026, 4}, Site: "paeds", Now: at("2027-01-05T00:00:00Z")})
	if err != nil {
		t.Fatal(err)
	}
	want := "aborted after 0 done, 1 reboot pending, 1 failed, 0 missed, 0 skipped"
	for _, i := range q.Incidents {
		if i.Kind == model.IncidentAbortedRun {
			if i.Reason != want {
				t.Errorf("aborted run incident = %q, want %q", i.Reason, want)
			}
			return
		}
	}
	t.Errorf("no aborted-run incident in %+v", q.Incidents)
}
