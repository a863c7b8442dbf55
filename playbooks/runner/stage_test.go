package runner

import (
	"context"
	"strings"
	"testing"
	"time"

	"patchbay/playbooks/actions"
	"patchbay/playbooks/book"
	"patchbay/playbooks/plan"
	"patchbay/state/event"
)

// stagePlaybook reads facts, runs a stage step whose command stands in
// for a download (uname -r, which the fake host supports), then upgrades.
const stagePlaybook = `name: apt-staged
platforms: [linux-apt]
steps:
  - name: read facts
    action: facts
  - name: download
    action: shell
    params: {command: uname -r}
    changes: true
    stage: true
  - name: upgrade
    action: apt.upgrade
    backoff: 1ms
`

func loadStagePlaybook(t *testing.T, src string) *book.Playbook {
	t.Helper()
	pb, err := book.Load("apt-staged.yaml", []byte(src), actions.Resolve)
	if err != nil {
		t.Fatal(err)
	}
	return pb
}

func stageRun(t *testing.T, windows openWindows) (*fakeHost, *Summary, []event.Event) {
	t.Helper()
	host := newFakeHost("a1", "openssl")
	inv := testInventory(map[string][]string{"a": {"a1"}})
	p, err := plan.Make(inv, loadStagePlaybook(t, stagePlaybook), plan.Selection{}, plan.Options{At: time.Now(), Cycle: "2026-12", Windows: windows})
	if err != nil {
		t.Fatal(err)
	}
	j := &memJournal{}
	sum, err := New(inv, p, newFakeFleet(host), j, Options{Windows: windows, Timing: fastTiming}).Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return host, sum, j.all()
}

func TestStageStepsRunWhileWindowClosed(t *testing.T) {
	host, sum, events := stageRun(t, openWindows{closed: true})

	if sum.Hosts["a1"] != event.PhaseSkipped {
		t.Errorf("a1 = %q, want skipped", sum.Hosts["a1"])
	}
	if strings.Join(sum.Staged, ",") != "a1" {
		t.Errorf("staged = %v, want a1", sum.Staged)
	}
	for _, c := range host.changingCommands() {
		if c != "uname -r" {
			t.Errorf("%q changed the host while the window was closed", c)
		}
	}
	if len(host.installed) != 0 {
		t.Errorf("installed %v while the window was closed", host.installed)
	}
	if !hostRan(host, "uname -r") {
		t.Error("the stage step did not run")
	}
	if d := decisions(events, DecisionStaged); len(d) != 1 || !strings.Contains(d[0].Reason, "window-closed") {
		t.Errorf("staged decisions = %+v, want one naming the closed window", d)
	}
}

func TestStageStepsWithOpenWindow(t *testing.T) {
	host, sum, _ := stageRun(t, openWindows{})

	if sum.Hosts["a1"] != event.PhaseDone {
		t.Errorf("a1 = %q, want done", sum.Hosts["a1"])
	}
	if len(sum.Staged) != 0 {
		t.Errorf("staged = %v, want none while the window is open", sum.Staged)
	}
	if len(host.installed) == 0 {
		t.Error("the upgrade did not run inside the window")
	}
}

func TestStageStepsSelection(t *testing.T) {
	pb := loadStagePlaybook(t, stagePlaybook)
	var names []string
	for _, s := range plan.StageSteps(pb.Steps) {
		names = append(names, s.Name)
	}
	if got := strings.Join(names, ","); got != "read facts,download" {
		t.Errorf("stage steps = %s, want read facts,download", got)
	}
	if steps := plan.StageSteps(retryPlaybook(t, 0).Steps); steps != nil {
		t.Errorf("stage steps of a playbook without stage = %v, want none", steps)
	}
}

func TestStageFlagRejectsOtherValues(t *testing.T) {
	src := strings.Replace(stagePlaybook, "stage: true", "stage: soon", 1)
	_, err := book.Load("apt-staged.yaml", []byte(src), actions.Resolve)
	if err == nil || !strings.Contains(err.Error(), `stage is "soon"; use true or false`) {
		t.Errorf("Load = %v, want the invalid stage value named", err)
	}
}

func hostRan(h *fakeHost, line string) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, c := range h.commands {
		if c.line == line {
			return true
		}
	}
	return false
}
