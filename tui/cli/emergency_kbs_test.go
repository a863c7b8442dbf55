package cli

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"patchbay/remote/lab"
	"patchbay/state/event"
)

// TestEmergencyDeclareWindowsKBs declares CVE-2024-21412 with the
// February 2024 document imported. Its KBs are KB5034763 for Windows 10
// 22H2 (ws-a1), KB5034770 for Server 2022 (srv-a) and KB5034768 for
// Server 2019 (srv-b). ws-b1 has no facts, so its product is unknown.
func TestEmergencyDeclareWindowsKBs(t *testing.T) {
	dir := emergencyState(t)
	code, out, errText := runKEV(t, dir, "", "emergency", "declare", "CVE-2024-21412", "--playbook", "windows-emergency")
	if code != ExitOK {
		t.Fatalf("declare: exit %d: %s", code, errText)
	}
	for _, want := range []string{
		"CVE-2024-21412: KB5034763 (fixed build 10.0.19045.4046) for ws-a1",
		"CVE-2024-21412: no KB known for ws-b1",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("declare output lacks %q:\n%s", want, out)
		}
	}
	if !strings.Contains(errText, "warning: no KB for CVE-2024-21412 on ws-b1, because the OS build is unknown") ||
		!strings.Contains(errText, "--var kbs") {
		t.Errorf("declare did not warn of ws-b1 without a KB:\n%s", errText)
	}

	e := journalEmergencies(t, dir)[0]
	kbs := map[string]string{}
	for _, f := range e.WindowsFixes {
		kbs[f.Host] = f.KB
	}
	want := map[string]string{"ws-a1": "KB5034763", "srv-a": "KB5034770", "srv-b": "KB5034768", "ws-b1": ""}
	for host, kb := range want {
		if got, ok := kbs[host]; !ok || got != kb {
			t.Errorf("journaled KB of %s = %q (present %v), want %q", host, got, ok, kb)
		}
	}

	_, out, _ = runKEV(t, dir, "", "emergency", "show", e.ID)
	if !strings.Contains(out, "KB5034763 (fixed build 10.0.19045.4046) for ws-a1") {
		t.Errorf("show lacks the KB of ws-a1:\n%s", out)
	}

	_, out, errText = runKEV(t, dir, "", "plan", "--emergency", e.ID)
	if !strings.Contains(out, "no-kb: no KB for CVE-2024-21412 on this host, because the OS build is unknown") {
		t.Errorf("plan does not skip ws-b1 for its missing KB:\n%s\n%s", out, errText)
	}
	_, out, _ = runKEV(t, dir, "", "plan", "--emergency", e.ID, "--var", "kbs=KB5034763")
	if strings.Contains(out, "no-kb") {
		t.Errorf("plan with --var kbs still skips a host for a missing KB:\n%s", out)
	}
}

// setWindowsRevision sets a lab Windows host's update revision and, when
// pending, makes Windows Update offer KB5034763, which brings the host
// to 10.0.19045.4046.
func setWindowsRevision(f *lab.Fleet, host string, revision int, pending bool) {
	f.Host(host).Change(func(s *lab.State) {
		s.Revision = revision
		if pending {
			s.Pending = append(s.Pending, lab.Update{ID: "KB5034763", Source: "Security Updates", SizeKB: 655360, NeedsReboot: true,
				Title: "2024-02 Cumulative Update for Windows 10 Version 22H2 for x64-based Systems (KB5034763)", Build: "10.0.19045", Revision: 4046})
		}
	})
}

// TestEmergencyRunPassesDeclaredKBs runs a Windows emergency without
// --var kbs over three lab hosts: paeds-fd-01 installs the declared KB,
// paeds-exam-01 is already past the fixed build and needs nothing, and
// paeds-exam-02 is below it while Windows Update does not offer the KB.
func TestEmergencyRunPassesDeclaredKBs(t *testing.T) {
	current := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, current) }) // after the lab closes
	f := startExampleLab(t, "")
	setWindowsRevision(f, "paeds-fd-01", 3930, true)
	setWindowsRevision(f, "paeds-exam-02", 3930, false)
	env := map[string]string{"HOME": t.TempDir()}
	stateDir := t.TempDir()
	cli := func(now time.Time, args ...string) cliResult {
		return runCLIAt(t, env, now, append([]string{"--state", stateDir, "--inventory", f.InventoryPath()}, args...)...)
	}
	declared := time.Date(2026, 12, 10, 15, 0, 0, 0, time.UTC)
	if res := cli(declared, "kev", "import-msrc", msrcDocumentFile); res.code != ExitOK {
		t.Fatalf("import-msrc exit = %d; stderr:\n%s", res.code, res.stderr)
	}
	journalFacts(t, stateDir, map[string]string{
		"paeds-fd-01": "10.0.19045.3930", "paeds-exam-01": "10.0.19045.5131", "paeds-exam-02": "10.0.19045.3930",
	})

	d := cli(declared, "emergency", "declare", "CVE-2024-21412", "--deadline", "48h", "--playbook", "windows-emergency",
		"--host", "paeds-fd-01", "--host", "paeds-exam-01", "--host", "paeds-exam-02")
	id := regexp.MustCompile(`declared emergency (\S+)`).FindStringSubmatch(d.stdout)
	if d.code != ExitOK || id == nil {
		t.Fatalf("declare exit = %d; stdout:\n%s\nstderr:\n%s", d.code, d.stdout, d.stderr)
	}

	first := cli(declared.Add(time.Minute), "run", "--emergency", id[1], "--yes", "--json")
	if first.code != ExitOK {
		t.Fatalf("first run exit = %d; stderr:\n%s", first.code, first.stderr)
	}
	if got := finalPhases(t, first.stdout)["paeds-fd-01"]; got != event.PhaseDone {
		t.Errorf("paeds-fd-01 = %q, want done after installing KB5034763", got)
	}
	second := cli(declared.Add(5*time.Hour), "run", "--emergency", id[1], "--yes", "--json")
	if second.code != ExitFailures {
		t.Errorf("second run exit = %d, want %d for paeds-exam-02; stderr:\n%s", second.code, ExitFailures, second.stderr)
	}
	finals := finalPhases(t, second.stdout)
	if finals["paeds-exam-01"] != event.PhaseDone {
		t.Errorf("paeds-exam-01 = %q, want done without an install", finals["paeds-exam-01"])
	}
	if finals["paeds-exam-02"] != event.PhaseFailed {
		t.Errorf("paeds-exam-02 = %q, want failed", finals["paeds-exam-02"])
	}
	output := second.stdout + second.stderr
	for _, want := range []string{
		"not needed: none of KB5034763 pending (build 10.0.19045.5131, at or above the fixed build 10.0.19045.4046)",
		"named KBs not offered by Windows Update: none of KB5034763 is pending on build 10.0.19045.3930",
	} {
		if !strings.Contains(output, want) {
			t.Errorf("second run lacks %q:\n%s", want, output)
		}
	}

	list := journalEmergencies(t, stateDir)
	if got := strings.Join(list[0].Remaining(), ","); got != "paeds-exam-02" {
		t.Errorf("remaining = %s, want only paeds-exam-02", got)
	}
}
