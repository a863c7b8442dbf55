package tui

import (
	"slices"
	"testing"

	tea "charm.land/bubbletea/v2"

	"patchbay/playbooks/runner"
)

func TestQuitAbortReportsRunsToResume(t *testing.T) {
	b := &fakeBackend{running: true, cleanup: t.Cleanup}
	m := newTestModel(t, b)
	r := startTestRun(t, m, b)
	press(m, "q")
	if cmd := press(m, "y"); cmd == nil {
		t.Fatal("y after q did not abort the active run")
	}
	aborted := RunResult{Summary: &runner.Summary{Run: r.ID, Aborted: true, Unfinished: []string{"ent-fd-01"}}}
	_, cmd := m.Update(runDoneMsg{id: r.ID, result: aborted})
	if cmd == nil {
		t.Fatal("the console did not quit once the aborted run ended")
	}
	if _, ok := cmd().(tea.QuitMsg); !ok {
		t.Errorf("the last run's end returned %T, want tea.QuitMsg", cmd())
	}
	out := m.Outcome()
	if !out.QuitAborted {
		t.Error("outcome does not say that quitting aborted a run")
	}
	if !slices.Equal(out.Unfinished, []string{r.ID}) {
		t.Errorf("unfinished runs = %v, want [%s]", out.Unfinished, r.ID)
	}
}

func TestOutcomeLeavesOutFinishedAndResumedRuns(t *testing.T) {
	b := &fakeBackend{running: true, cleanup: t.Cleanup}
	m := newTestModel(t, b)
	first := startTestRun(t, m, b)
	m.Update(runDoneMsg{id: first.ID, result: RunResult{Summary: &runner.Summary{Run: first.ID, Aborted: true}}})
	second := &Run{ID: "20261209T041000-0000beef", Playbook: "windows-monthly"}
	m.Update(runStartedMsg{run: second, resumes: first.ID})
	m.Update(runDoneMsg{id: second.ID, result: finishedResult()})

	out := m.Outcome()
	if out.QuitAborted {
		t.Error("outcome says quitting aborted runs, but no quit happened")
	}
	if len(out.Unfinished) != 0 {
		t.Errorf("unfinished runs = %v, want none: the first was resumed and the second finished", out.Unfinished)
	}
}
