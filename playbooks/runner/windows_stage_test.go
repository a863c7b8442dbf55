package runner

import (
	"context"
	"strings"
	"testing"
	"time"

	"patchbay/inventory"
	"patchbay/playbooks/plan"
	"patchbay/remote/lab"
	"patchbay/state/event"
)

// stagedHostName is the Windows workstation of the example fleet's test ring
// that the staging tests patch.
const stagedHostName = "ent-fd-01"

// wuInstallProgress is the progress file of the lab's install task, as
// the windows.update action names it.
const wuInstallProgress = `C:\ProgramData\patchbay\windows-update.jsonl`

func TestMonthlyPlansStageClosedWindow(t *testing.T) {
	inv, err := inventory.Load("../../examples", inventory.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// The example fleet's only Hyper-V host is in the production ring,
	// whose gate waits for the test ring's results.
	gate := plan.Overrides{Gate: "the test ring is not run in this test"}
	for playbook, host := range map[string]string{"windows-monthly": stagedHostName, "hyperv-monthly": "ent-hv-01"} {
		p, err := plan.Make(inv, builtinPlaybook(t, playbook), plan.Selection{Hosts: []string{host}},
			plan.Options{At: time.Now(), Cycle: "2026-12", Windows: openWindows{closed: true}, Overrides: gate})
		if err != nil {
			t.Fatal(err)
		}

		h := planHost(p, host)
		if h == nil {
			t.Errorf("%s: %s is not in the plan", playbook, host)
			continue
		}
		if h.Skip != nil {
			t.Errorf("%s: %s skip = %v, want it staged", playbook, host, h.Skip)
		}
		if h.Staged == nil || h.Staged.Reason != plan.ReasonWindowClosed {
			t.Errorf("%s: %s staged = %v, want window-closed", playbook, host, h.Staged)
		}
		var names []string
		for _, s := range h.Steps {
			names = append(names, s.Name)
		}
		if got := strings.Join(names, ","); got != "read facts,download updates" {
			t.Errorf("%s: staged steps = %s, want read facts,download updates", playbook, got)
		}
	}
}

// runWindowsStage plans and runs windows-monthly on the staged host with
// the window closed or open, and returns the summary and the run's
// events.
func (wf *windowsFleet) runWindowsStage(t *testing.T, windows openWindows) (*Summary, []event.Event) {
	t.Helper()
	now := time.Now()
	p, err := plan.Make(wf.inv, builtinPlaybook(t, "windows-monthly"), plan.Selection{Hosts: []string{stagedHostName}},
		plan.Options{At: now, Cycle: "2026-12", Windows: windows})
	if err != nil {
		t.Fatal(err)
	}
	journal := &memJournal{}
	r := New(wf.inv, p, wf.dialer, journal, Options{Timing: windowsRunTiming, Windows: windows,
		Now: time.Now, Concurrency: 1, SiteConcurrency: 1, MaxRebootsPerHost: 2})
	sum, err := r.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return sum, journal.all()
}

// updateResult returns the result code of update on host in events, or
// "" when none was journaled.
func updateResult(events []event.Event, host, update string) string {
	code := ""
	for _, ev := range events {
		if u, ok := ev.Payload.(event.UpdateResult); ok && ev.Host == host && u.Update == update {
			code = u.ResultCode
		}
	}
	return code
}

func TestWindowsMonthlyStagesThenInstalls(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the emulated example fleet")
	}
	wf := startWindowsFleet(t, "")
	host := wf.lab.Host(stagedHostName)

	sum, events := wf.runWindowsStage(t, openWindows{closed: true})
	if strings.Join(sum.Staged, ",") != stagedHostName {
		t.Fatalf("staged = %v, want %s; events:\n%s", sum.Staged, stagedHostName, dump(events))
	}
	if got := sum.Hosts[stagedHostName]; got != event.PhaseSkipped {
		t.Errorf("%s ended %s after staging, want skipped", stagedHostName, got)
	}
	if got := updateResult(events, stagedHostName, "KB5048652"); got != "downloaded" {
		t.Errorf("KB5048652 result after staging = %q, want downloaded", got)
	}
	if got := lab.DownloadedUpdates(host); !strings.Contains(strings.Join(got, ","), "KB5048652") {
		t.Errorf("downloaded on the host = %v, want KB5048652", got)
	}
	staged := wf.changingCommands(t, stagedHostName)
	checkStagedCommands(t, staged)

	sum, events = wf.runWindowsStage(t, openWindows{})
	if got := sum.Hosts[stagedHostName]; got != event.PhaseDone {
		t.Fatalf("%s ended %s in the window, want done; events:\n%s", stagedHostName, got, dump(events))
	}
	if got := updateResult(events, stagedHostName, "KB5048652"); got != "succeeded" {
		t.Errorf("KB5048652 result in the window = %q, want succeeded", got)
	}
	installed := wf.changingCommands(t, stagedHostName)[len(staged):]
	if !commandsContain(installed, "-TaskName 'patchbay-windows-update'") {
		t.Errorf("the window run registered no install task; changing commands: %q", installed)
	}
	checkNoDownloadAgain(t, host, events)
}

// checkStagedCommands checks, by the lab's command log, that the staging
// run started the download task and nothing that installs or reboots.
func checkStagedCommands(t *testing.T, changing []string) {
	t.Helper()
	if !commandsContain(changing, "-TaskName 'patchbay-windows-download'") {
		t.Errorf("no download task registered while staging; changing commands: %q", changing)
	}
	if commandsContain(changing, "-TaskName 'patchbay-windows-update'") {
		t.Error("the install task was registered while the window was closed")
	}
	if commandsContain(changing, "shutdown") {
		t.Error("the host was restarted while the window was closed")
	}
}

// checkNoDownloadAgain checks that the install task of the window run
// found the staged updates downloaded and downloaded none of them again.
func checkNoDownloadAgain(t *testing.T, host *lab.Host, events []event.Event) {
	t.Helper()
	progress := string(host.Snapshot().Files[wuInstallProgress])
	if !strings.Contains(progress, `"event":"already-downloaded","kb":"KB5048652"`) {
		t.Errorf("install task progress lacks KB5048652 as downloaded earlier:\n%s", progress)
	}
	if strings.Contains(progress, `"event":"downloading"`) {
		t.Errorf("the install task downloaded again:\n%s", progress)
	}
	skipped := decisions(events, "download-skipped")
	if len(skipped) == 0 {
		t.Error("no download-skipped decision journaled in the window run")
	}
}

func commandsContain(commands []string, text string) bool {
	for _, c := range commands {
		if strings.Contains(c, text) {
			return true
		}
	}
	return false
}
