package actions

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"patchbay/inventory"
	"patchbay/playbooks/book"
	"patchbay/remote/lab"
	"patchbay/state/event"
)

func params(kv ...string) book.Params {
	p := book.Params{}
	for i := 0; i+1 < len(kv); i += 2 {
		p[kv[i]] = book.Param{Text: kv[i+1]}
	}
	return p
}

func listParam(items ...string) book.Param {
	return book.Param{List: items, IsList: true}
}

func runAction(t *testing.T, name string, x *Exec, p book.Params) error {
	t.Helper()
	a, ok := Lookup(name)
	if !ok {
		t.Fatalf("action %s is not registered", name)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	return a.Run(ctx, x, p)
}

var winreHold = &inventory.Hold{ID: "winre-kb5034441", Kind: inventory.HoldKB, Item: "KB5034441",
	Reason: "fails with 0x80070643 where the recovery partition is too small", Scope: inventory.Scope{Kind: inventory.ScopeAll}}

func TestWindowsFactsBuildWithUBR(t *testing.T) {
	w := newWinLab(t, "windows")
	if err := runAction(t, "facts", w.x, nil); err != nil {
		t.Fatal(err)
	}
	f := w.x.Facts
	if got := f.Text(FactBuild); got != "10.0.19045.5131" {
		t.Errorf("build = %q, want 10.0.19045.5131 with the UBR", got)
	}
	if got := f.Text(FactOS); got != "Microsoft Windows 10 Pro 22H2" {
		t.Errorf("os = %q", got)
	}
	if got := f.Strings(FactUpdates); !slices.Contains(got, "KB5048652") || len(got) != 4 {
		t.Errorf("updates = %v, want the four pending KBs", got)
	}
	if !slices.Contains(f.Strings(FactInstalled), "KB5011048") {
		t.Errorf("installed = %v, want KB5011048", f.Strings(FactInstalled))
	}
	if f.Bool(FactRebootPending) {
		t.Errorf("reboot pending on a fresh host: %q", f.Text(FactRebootReason))
	}
	if got := f.Strings(FactAppsRunning); !slices.Equal(got, []string{"ehr-client"}) {
		t.Errorf("apps running = %v, want [ehr-client]", got)
	}
	if up, _ := f[FactUptimeHours].(float64); up < 24 {
		t.Errorf("uptime = %v hours, want the days since the lab's boot time", f[FactUptimeHours])
	}
	if free, _ := f[FactFreeDiskMB].(float64); free <= 0 {
		t.Errorf("free disk = %v", f[FactFreeDiskMB])
	}
}

func TestWindowsFactsIgnoreCLIXMLStderr(t *testing.T) {
	w := newWinLab(t, "windows")
	w.host.SetFaults(lab.Faults{lab.FaultCLIXMLStderr: ""})
	if err := runAction(t, "facts", w.x, nil); err != nil {
		t.Fatal(err)
	}
	if got := w.x.Facts.Text(FactBuild); got != "10.0.19045.5131" {
		t.Errorf("build = %q under CLIXML progress on stderr", got)
	}
}

func TestWindowsUpdateThroughSystemTask(t *testing.T) {
	w := newWinLab(t, "windows")
	if err := runAction(t, "windows.update", w.x, nil); err != nil {
		t.Fatal(err)
	}
	for kb, want := range map[string]string{"KB5048652": "succeeded", "KB890830": "succeeded", "KB5034441": "held"} {
		if got := w.rep.result(kb); got != want {
			t.Errorf("%s result = %q, want %q", kb, got, want)
		}
	}
	if got := w.rep.result("KB2267602"); got != "" {
		t.Errorf("definition update KB2267602 got result %q, want it skipped by category", got)
	}
	if !w.rep.decided("update-skipped") {
		t.Errorf("no update-skipped decision for the definition update: %v", w.rep.decisions)
	}
	if !w.x.Facts.Bool(FactRebootPending) || !strings.Contains(w.x.Facts.Text(FactRebootReason), "CBS RebootPending") {
		t.Errorf("reboot pending = %v (%q), want the CBS key", w.x.Facts[FactRebootPending], w.x.Facts.Text(FactRebootReason))
	}
	if !slices.Contains(w.x.Installed, "KB5048652") {
		t.Errorf("installed in this run = %v, want KB5048652 for reboot loop detection", w.x.Installed)
	}
	for _, phase := range []event.HostPhase{event.PhaseScanning, event.PhaseDownloading, event.PhaseInstalling} {
		if !w.rep.sawPhase(phase) {
			t.Errorf("no %s state reported", phase)
		}
	}
	if pending := w.host.Snapshot().Pending; len(pending) != 2 {
		t.Errorf("still pending on the host: %v, want the held and the definition update", pending)
	}
}

func TestWindowsUpdateDirectCallRefused(t *testing.T) {
	w := newWinLab(t, "windows")
	direct := `$session = New-Object -ComObject Microsoft.Update.Session
$searcher = $session.CreateUpdateSearcher()
$found = $searcher.Search("IsInstalled=0 and IsHidden=0")
$downloader = $session.CreateUpdateDownloader()
$downloader.Updates = $found.Updates
$downloader.Download()
`
	_, err := runPowerShell(context.Background(), w.x, direct, false)
	if err == nil || !strings.Contains(err.Error(), "0x80070005") {
		t.Fatalf("direct WUA download from the remote session: err = %v, want E_ACCESSDENIED 0x80070005", err)
	}
	if len(w.host.Snapshot().Installed) != 2 {
		t.Fatal("the refused call installed something")
	}
	if err := runAction(t, "windows.update", w.x, nil); err != nil {
		t.Fatalf("the same install through the SYSTEM task failed: %v", err)
	}
}

func TestWindowsUpdateTaskNotSystemRefused(t *testing.T) {
	w := newWinLab(t, "windows")
	script := strings.Replace(wuStartScript(wuSelection{categories: defaultCategories}),
		`-UserId 'NT AUTHORITY\SYSTEM'`, `-UserId 'CLINIC\patchbay'`, 1)
	if _, err := runPowerShell(context.Background(), w.x, script, false); err != nil {
		t.Fatal(err)
	}
	tally := &wuTally{x: w.x}
	if err := tailTask(context.Background(), w.x, tally); err != nil {
		t.Fatal(err)
	}
	err := tally.finish(context.Background())
	if err == nil || !strings.Contains(err.Error(), "0x80070005") {
		t.Fatalf("task as the WinRM user: err = %v, want E_ACCESSDENIED", err)
	}
	if err := runAction(t, "windows.update", w.x, nil); err != nil {
		t.Fatalf("task as SYSTEM failed: %v", err)
	}
}

func TestWindowsUpdateRefusedWhileRebootPending(t *testing.T) {
	w := newWinLab(t, "windows")
	w.host.Change(func(s *lab.State) { s.RebootPending, s.RebootReason = true, "CBS RebootPending" })
	err := runAction(t, "windows.update", w.x, nil)
	if err == nil || !strings.Contains(err.Error(), "0x80240016") || !errors.Is(err, errInstallNotAllowed) {
		t.Fatalf("install with a reboot pending: err = %v, want WU_E_INSTALL_NOT_ALLOWED", err)
	}
	if IsTransient(err) {
		t.Error("WU_E_INSTALL_NOT_ALLOWED is marked transient; a retry cannot clear it")
	}
	if err := runAction(t, "facts", w.x, nil); err != nil {
		t.Fatal(err)
	}
	if err := runAction(t, "reboot", w.x, params("if_needed", "true")); err != nil {
		t.Fatalf("reboot: %v", err)
	}
	if err := runAction(t, "windows.update", w.x, nil); err != nil {
		t.Fatalf("install after the reboot: %v", err)
	}
	if got := w.rep.result("KB5048652"); got != "succeeded" {
		t.Errorf("KB5048652 = %q after the reboot", got)
	}
}

func TestWindowsUpdateAttachesToRunningTask(t *testing.T) {
	w := newWinLab(t, "windows")
	if _, err := runPowerShell(context.Background(), w.x, wuStartScript(selection(w.x, nil)), false); err != nil {
		t.Fatal(err)
	}
	if got := lab.UpdateTaskState(w.host); got != "Running" {
		t.Fatalf("task state = %q after the start, want Running", got)
	}
	if err := runAction(t, "windows.update", w.x, nil); err != nil {
		t.Fatal(err)
	}
	if !w.rep.decided("task-attached") {
		t.Errorf("no task-attached decision: %v", w.rep.decisions)
	}
	if _, changing := w.commands("Register-ScheduledTask"); changing != 1 {
		t.Errorf("%d task registrations changed the host, want 1", changing)
	}
	if got := w.rep.result("KB5048652"); got != "succeeded" {
		t.Errorf("KB5048652 = %q from the attached task", got)
	}
}

func TestWindowsUpdateFailureDecoded(t *testing.T) {
	w := newWinLab(t, "windows")
	w.host.SetFaults(lab.Faults{lab.FaultUpdateFails: "0x8024200D"})
	w.x.Holds = nil
	err := runAction(t, "windows.update", w.x, nil)
	if err == nil || !strings.Contains(err.Error(), "WU_E_UH_NEEDANOTHERDOWNLOAD") {
		t.Fatalf("err = %v, want the decoded HRESULT", err)
	}
	if got := w.rep.result("KB5048652"); got != "failed" {
		t.Errorf("KB5048652 = %q, want failed", got)
	}
	if got := w.rep.result("KB5034441"); got != "failed" {
		t.Errorf("KB5034441 = %q, want failed with its own 0x80070643 when not held", got)
	}
	if got := w.rep.result("KB890830"); got != "succeeded" {
		t.Errorf("KB890830 = %q, want the partial success recorded", got)
	}
	if !strings.Contains(err.Error(), "ERROR_INSTALL_FAILURE") {
		t.Errorf("err = %v, want 0x80070643 decoded", err)
	}
}

func TestWindowsUpdateTransientSearchFailure(t *testing.T) {
	w := newWinLab(t, "windows")
	lab.SetUpdateSourceUnreachable(w.host, 1)
	err := runAction(t, "windows.update", w.x, nil)
	if !IsTransient(err) || !strings.Contains(err.Error(), "WU_E_PT_WINHTTP_NAME_NOT_RESOLVED") {
		t.Fatalf("err = %v, want a transient WU_E_PT_WINHTTP_NAME_NOT_RESOLVED", err)
	}
	// The last attempt prints the same text, so it must not promise a retry.
	if strings.Contains(err.Error(), "is retried") {
		t.Errorf("err = %v, promises a retry that the step's retries decide", err)
	}
	if strings.Contains(err.Error(), ".,") || strings.Contains(err.Error(), ".;") {
		t.Errorf("err = %v, has a sentence end inside the message", err)
	}
	if err := runAction(t, "windows.update", w.x, nil); err != nil {
		t.Fatalf("second attempt: %v", err)
	}
}

func TestWindowsUpdateNamedKBsOnly(t *testing.T) {
	w := newWinLab(t, "windows")
	p := book.Params{"kbs": listParam("KB890830")}
	if probs := checkWindowsUpdateParams(p); len(probs) != 0 {
		t.Fatalf("params: %v", probs)
	}
	if err := runAction(t, "windows.update", w.x, p); err != nil {
		t.Fatal(err)
	}
	if got := w.rep.result("KB890830"); got != "succeeded" {
		t.Errorf("KB890830 = %q", got)
	}
	if got := w.rep.result("KB5048652"); got != "" {
		t.Errorf("KB5048652 = %q, want it left alone", got)
	}
	bad := book.Params{"kbs": listParam("5048652")}
	if probs := checkWindowsUpdateParams(bad); len(probs) == 0 {
		t.Error("a KB without the KB prefix passed the parameter check")
	}
}

func TestWindowsRebootSettlesOnNewBuild(t *testing.T) {
	w := newWinLab(t, "windows-server")
	if err := runAction(t, "windows.update", w.x, nil); err != nil {
		t.Fatal(err)
	}
	if err := runAction(t, "reboot", w.x, params("if_needed", "true")); err != nil {
		t.Fatal(err)
	}
	if got := w.x.Facts.Text(FactBuild); got != "10.0.20348.2966" {
		t.Errorf("build after the reboot = %q, want 10.0.20348.2966", got)
	}
	if w.x.Facts.Bool(FactRebootPending) {
		t.Errorf("reboot still pending after the reboot: %q", w.x.Facts.Text(FactRebootReason))
	}
	for _, phase := range []event.HostPhase{event.PhaseRebooting, event.PhaseOffline, event.PhaseSettling} {
		if !w.rep.sawPhase(phase) {
			t.Errorf("no %s state during the reboot", phase)
		}
	}
	if n, _ := w.commands("shutdown.exe /r /t 0"); n != 1 {
		t.Errorf("%d shutdown commands, want 1", n)
	}
	if n, _ := w.commands("sudo"); n != 0 {
		t.Errorf("%d commands with sudo were sent to Windows", n)
	}
}

func TestWindowsRebootLoopHeld(t *testing.T) {
	w := newWinLab(t, "windows-server")
	w.host.SetFaults(lab.Faults{lab.FaultRebootLoop: ""})
	if err := runAction(t, "windows.update", w.x, nil); err != nil {
		t.Fatal(err)
	}
	err := runAction(t, "reboot", w.x, params("if_needed", "true"))
	if !errors.Is(err, ErrRebootLoop) {
		t.Fatalf("err = %v, want ErrRebootLoop", err)
	}
	if len(w.rep.holds) != 1 || !strings.HasPrefix(w.rep.holds[0], "KB5048654") {
		t.Errorf("holds = %v, want KB5048654 held", w.rep.holds)
	}
}

func TestWindowsRebootDeferredByPolicy(t *testing.T) {
	w := newWinLab(t, "windows")
	w.host.Change(func(s *lab.State) { s.Users = []string{"drsmith"} })
	w.x.Reboot = &inventory.RebootPolicy{Name: "clinical-workstations", Mode: inventory.RebootDefer, DeferUserLoggedOn: true}
	if err := runAction(t, "windows.update", w.x, nil); err != nil {
		t.Fatal(err)
	}
	if err := runAction(t, "facts", w.x, nil); err != nil {
		t.Fatal(err)
	}
	err := runAction(t, "reboot", w.x, params("if_needed", "true"))
	if !errors.Is(err, ErrRebootPending) || !strings.Contains(err.Error(), "drsmith") {
		t.Fatalf("err = %v, want a reboot deferred for the logged-on user", err)
	}
	if n, _ := w.commands("shutdown.exe"); n != 0 {
		t.Errorf("%d shutdown commands were sent despite the policy", n)
	}
}

func TestWindowsEmergencyWithoutKBsFails(t *testing.T) {
	w := newWinLab(t, "windows")
	p := params("named_only", "true", "kbs", "")
	err := runAction(t, "windows.update", w.x, p)
	if err == nil || !strings.Contains(err.Error(), "--var kbs=") {
		t.Fatalf("err = %v, want a request for the KBs", err)
	}
	if n, _ := w.commands("Register-ScheduledTask"); n != 0 {
		t.Errorf("%d task registrations without KBs, want none", n)
	}
	if probs := checkWindowsUpdateParams(params("kbs", "${kbs}")); len(probs) != 0 {
		t.Errorf("a variable reference failed the KB check: %v", probs)
	}
	if got := splitList([]string{"KB1, KB2", "KB3"}); !slices.Equal(got, []string{"KB1", "KB2", "KB3"}) {
		t.Errorf("splitList = %v", got)
	}
}

func TestWindowsUpdateWaitsForPendingReboot(t *testing.T) {
	w := newWinLab(t, "windows")
	w.x.Facts[FactRebootPending] = true
	w.x.Facts[FactRebootReason] = "CBS RebootPending"
	err := runAction(t, "windows.update", w.x, nil)
	if !errors.Is(err, ErrRebootPending) || !strings.Contains(err.Error(), "CBS RebootPending") {
		t.Fatalf("err = %v, want ErrRebootPending with the reason", err)
	}
	if n, _ := w.commands("Register-ScheduledTask"); n != 0 {
		t.Errorf("%d task registrations with a reboot pending, want none", n)
	}
}

func TestWindowsUpdateExcludesRunnerHold(t *testing.T) {
	w := newWinLab(t, "windows-server")
	w.x.Holds = []*inventory.Hold{{ID: "journal:KB5048654", Kind: inventory.HoldKB, Item: "KB5048654",
		Reason: "pending again after the reboot that should have finished it", Source: "set by the runner",
		Scope: inventory.Scope{Kind: inventory.ScopeAll}}}
	if err := runAction(t, "windows.update", w.x, nil); err != nil {
		t.Fatal(err)
	}
	if got := w.rep.result("KB5048654"); got != "held" {
		t.Errorf("KB5048654 = %q, want held by the runner's hold", got)
	}
	if got := w.rep.result("KB890830"); got != "succeeded" {
		t.Errorf("KB890830 = %q, want succeeded", got)
	}
	if w.x.Facts.Bool(FactRebootPending) {
		t.Errorf("reboot pending (%s) although the only update that needs one was held", w.x.Facts.Text(FactRebootReason))
	}
}

func TestWindowsRebootDeferredForApp(t *testing.T) {
	w := newWinLab(t, "windows")
	w.host.Change(func(s *lab.State) { s.Apps = []string{"ViewerPro"} })
	w.x.Reboot = &inventory.RebootPolicy{Name: "clinical-workstations", Mode: inventory.RebootDefer,
		DeferApps: []string{"AudioSuite.exe", "ViewerPro.exe"}}
	if err := runAction(t, "windows.update", w.x, nil); err != nil {
		t.Fatal(err)
	}
	err := runAction(t, "reboot", w.x, params("if_needed", "true"))
	if !errors.Is(err, ErrRebootPending) || !strings.Contains(err.Error(), "ViewerPro.exe") {
		t.Fatalf("err = %v, want a reboot deferred while ViewerPro.exe runs", err)
	}
	if n, _ := w.commands("shutdown.exe"); n != 0 {
		t.Errorf("%d shutdown commands were sent while ViewerPro ran", n)
	}
}

func TestWindowsRebootWaitsForWindow(t *testing.T) {
	w := newWinLab(t, "windows")
	w.x.MayDisrupt = func() error { return errors.New("window of site clinic is closed") }
	if err := runAction(t, "windows.update", w.x, nil); err != nil {
		t.Fatal(err)
	}
	err := runAction(t, "reboot", w.x, params("if_needed", "true"))
	if !errors.Is(err, ErrRebootPending) || !strings.Contains(err.Error(), "window") {
		t.Fatalf("err = %v, want the reboot left pending until the window opens", err)
	}
	if n, _ := w.commands("shutdown.exe"); n != 0 {
		t.Errorf("%d shutdown commands were sent outside the window", n)
	}
}
