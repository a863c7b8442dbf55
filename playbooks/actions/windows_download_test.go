package actions

import (
	"context"
	"slices"
	"strings"
	"testing"

	"patchbay/remote/lab"
	"patchbay/state/event"
)

func TestWindowsDownloadOnlyInstallsNothing(t *testing.T) {
	w := newWinLab(t, "windows")
	if err := runAction(t, "windows.update", w.x, params("download_only", "true")); err != nil {
		t.Fatal(err)
	}

	for kb, want := range map[string]string{"KB5048652": "downloaded", "KB890830": "downloaded", "KB5034441": "held"} {
		if got := w.rep.result(kb); got != want {
			t.Errorf("%s result = %q, want %q", kb, got, want)
		}
	}
	if got := lab.DownloadedUpdates(w.host); !slices.Equal(got, []string{"KB5048652", "KB890830"}) {
		t.Errorf("downloaded on the host = %v, want KB5048652 and KB890830", got)
	}
	if pending := w.host.Snapshot().Pending; len(pending) != 4 {
		t.Errorf("pending after the download = %d updates, want all 4", len(pending))
	}
	if len(w.x.Installed) != 0 {
		t.Errorf("installed in this run = %v, want none", w.x.Installed)
	}
	if !w.rep.sawPhase(event.PhaseDownloading) {
		t.Error("no downloading state reported")
	}
	if w.rep.sawPhase(event.PhaseInstalling) {
		t.Error("an installing state was reported for a download-only step")
	}
	if w.host.Snapshot().RebootPending {
		t.Error("the download left a reboot pending")
	}
}

func TestWindowsDownloadOnlyUsesDownloadTask(t *testing.T) {
	w := newWinLab(t, "windows")
	if err := runAction(t, "windows.update", w.x, params("download_only", "true")); err != nil {
		t.Fatal(err)
	}

	if _, changing := w.commands("-TaskName '" + wuDownloadTask.name + "'"); changing != 1 {
		t.Errorf("%d registrations of %s changed the host, want 1", changing, wuDownloadTask.name)
	}
	if all, _ := w.commands("-TaskName '" + wuInstallTask.name + "'"); all != 0 {
		t.Errorf("%d commands named the install task %s, want none", all, wuInstallTask.name)
	}
	if got := lab.UpdateTaskState(w.host); got != "" {
		t.Errorf("install task state = %q, want it never registered", got)
	}
}

func TestWindowsInstallAfterDownloadSkipsDownload(t *testing.T) {
	w := newWinLab(t, "windows")
	if err := runAction(t, "windows.update", w.x, params("download_only", "true")); err != nil {
		t.Fatal(err)
	}
	w.rep = &winRecorder{}
	w.x.Report = w.rep

	if err := runAction(t, "windows.update", w.x, nil); err != nil {
		t.Fatal(err)
	}
	for _, kb := range []string{"KB5048652", "KB890830"} {
		if got := w.rep.result(kb); got != "succeeded" {
			t.Errorf("%s result = %q, want succeeded", kb, got)
		}
		if !slices.ContainsFunc(w.rep.decisions, func(d string) bool {
			return strings.HasPrefix(d, "download-skipped: "+kb)
		}) {
			t.Errorf("no download-skipped decision for %s: %v", kb, w.rep.decisions)
		}
	}
	for _, s := range w.rep.states {
		if s.Phase == event.PhaseDownloading && s.Percent > 0 {
			t.Errorf("the install downloaded again: state %+v", s)
		}
	}
	if got := lab.DownloadedUpdates(w.host); len(got) != 0 {
		t.Errorf("downloaded and not installed = %v, want none after the install", got)
	}
}

func TestWindowsDownloadOnlyWhileRebootPending(t *testing.T) {
	w := newWinLab(t, "windows")
	w.host.Change(func(s *lab.State) { s.RebootPending, s.RebootReason = true, "CBS RebootPending" })
	w.x.Facts = Facts{FactRebootPending: true, FactRebootReason: "CBS RebootPending"}

	if err := runAction(t, "windows.update", w.x, params("download_only", "true")); err != nil {
		t.Fatalf("download with a reboot pending: %v", err)
	}
	if got := w.rep.result("KB5048652"); got != "downloaded" {
		t.Errorf("KB5048652 result = %q, want downloaded", got)
	}
}

func TestWindowsDownloadFailureReported(t *testing.T) {
	rep := &winRecorder{}
	tally := &wuTally{x: &Exec{Report: rep, Facts: Facts{}}, downloadOnly: true}
	tally.handle(wuProgressLine{Event: "downloaded", KB: "KB5048652", Title: "2024-12 Cumulative Update", Result: 4, HResult: "0x80070070"})
	tally.handle(wuProgressLine{Event: "done", Result: 4, HResult: "0x80070070"})

	err := tally.finish(context.Background())
	if err == nil {
		t.Fatal("finish returned no error for a failed download")
	}
	if !strings.Contains(err.Error(), "1 download(s) failed: KB5048652") {
		t.Errorf("err = %v, want the failed download named", err)
	}
	if !strings.Contains(err.Error(), "ERROR_DISK_FULL") {
		t.Errorf("err = %v, want 0x80070070 decoded", err)
	}
	if got := rep.result("KB5048652"); got != "failed" {
		t.Errorf("KB5048652 result = %q, want failed", got)
	}
}

func TestWindowsDownloadOnlyParamChecked(t *testing.T) {
	probs := checkWindowsUpdateParams(params("download_only", "soon"))
	if len(probs) != 1 || probs[0].Name != "download_only" {
		t.Fatalf("problems = %+v, want one for download_only", probs)
	}
	if probs := checkWindowsUpdateParams(params("download_only", "true")); len(probs) != 0 {
		t.Errorf("problems with download_only true = %+v, want none", probs)
	}
}

func TestWindowsStartScriptDownloadOnly(t *testing.T) {
	script := wuStartScript(wuSelection{categories: defaultCategories, downloadOnly: true})
	for _, want := range []string{"$downloadOnly = $true", "-TaskName '" + wuDownloadTask.name + "'", wuDownloadTask.progress} {
		if !strings.Contains(script, want) {
			t.Errorf("download-only start script lacks %q", want)
		}
	}
	install := wuStartScript(wuSelection{categories: defaultCategories})
	if !strings.Contains(install, "$downloadOnly = $false") {
		t.Error("install start script lacks $downloadOnly = $false")
	}
}
