package cli

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"patchbay/state"
	"patchbay/state/emergency"
	"patchbay/state/event"
)

// runCLIAt runs patchbay with the clock fixed at now.
func runCLIAt(t *testing.T, env map[string]string, now time.Time, args ...string) cliResult {
	t.Helper()
	var stdout, stderr bytes.Buffer
	code := Main(args, Env{
		Stdin: strings.NewReader(""), Stdout: &stdout, Stderr: &stderr,
		Getenv: func(k string) string { return env[k] },
		Now:    func() time.Time { return now },
	})
	return cliResult{code, stdout.String(), stderr.String()}
}

// TestEmergencyRunLabFleet declares an emergency on three Linux hosts of
// the lab fleet in business hours, when every site's window is closed.
// It runs the emergency to completion: the test ring first, then
// production once the test ring's emergency soak of 4h ended. The
// monthly soak of 2 days would still block production.
func TestEmergencyRunLabFleet(t *testing.T) {
	inv, commands := startLab(t, "")
	env := map[string]string{"HOME": t.TempDir()}
	stateDir := t.TempDir()
	cli := func(now time.Time, args ...string) cliResult {
		return runCLIAt(t, env, now, append([]string{"--state", stateDir, "--inventory", inv}, args...)...)
	}
	declared := time.Date(2026, 12, 10, 15, 0, 0, 0, time.UTC) // Thursday, 09:00 to 10:00 at the sites

	d := cli(declared, "emergency", "declare", "CVE-2024-3094", "--deadline", "24h", "--playbook", "linux-apt-monthly",
		"--host", "paeds-files", "--host", "ent-gw", "--host", "img-gw", "--reason", "backdoored xz in the lab")
	if d.code != ExitOK {
		t.Fatalf("declare exit = %d; stderr:\n%s", d.code, d.stderr)
	}
	id := regexp.MustCompile(`declared emergency (\S+)`).FindStringSubmatch(d.stdout)
	if id == nil {
		t.Fatalf("declare printed no emergency ID:\n%s", d.stdout)
	}

	p := cli(declared.Add(time.Minute), "plan", "--emergency", id[1])
	if p.code != ExitOK {
		t.Fatalf("plan exit = %d; stderr:\n%s", p.code, p.stderr)
	}
	for _, want := range []string{
		"(cycle " + id[1] + "): 3 hosts run, 0 skipped",
		"business hours allowed (notices journaled)",
		"paeds        deadline 2026-12-11 09:00 CST (23h59m0s left), patched 0/1",
	} {
		if !strings.Contains(p.stdout, want) {
			t.Errorf("plan lacks %q:\n%s", want, p.stdout)
		}
	}

	first := cli(declared.Add(2*time.Minute), "run", "--emergency", id[1], "--yes", "--json")
	if first.code != ExitOK {
		t.Fatalf("first run exit = %d; stderr:\n%s", first.code, first.stderr)
	}
	finals := finalPhases(t, first.stdout)
	if finals["paeds-files"] != event.PhaseDone {
		t.Errorf("paeds-files = %q, want done", finals["paeds-files"])
	}
	for _, host := range []string{"ent-gw", "img-gw"} {
		if finals[host] != event.PhaseSkipped {
			t.Errorf("%s = %q, want skipped until the emergency soak ends", host, finals[host])
		}
	}
	for _, want := range []string{"emergency soak of ring test ends", "emergency-windows: emergency " + id[1], "patched 1/1"} {
		if !strings.Contains(first.stderr, want) {
			t.Errorf("first run's stderr lacks %q:\n%s", want, first.stderr)
		}
	}

	second := cli(declared.Add(5*time.Hour), "run", "--emergency", id[1], "--yes", "--json")
	if second.code != ExitOK {
		t.Fatalf("second run exit = %d; stderr:\n%s", second.code, second.stderr)
	}
	finals = finalPhases(t, second.stdout)
	if len(finals) != 2 || finals["ent-gw"] != event.PhaseDone || finals["img-gw"] != event.PhaseDone {
		t.Errorf("second run = %v, want ent-gw and img-gw done", finals)
	}
	if !strings.Contains(second.stderr, "imaging      deadline 2026-12-11 08:00 MST (19h0m0s left), patched 1/1") {
		t.Errorf("second run's stderr lacks the imaging clock:\n%s", second.stderr)
	}

	checkEmergencyJournaled(t, stateDir, id[1], declared)
	again := cli(declared.Add(6*time.Hour), "run", "--emergency", id[1], "--yes")
	if again.code != ExitPolicy || !strings.Contains(again.stderr, "no unpatched host") {
		t.Errorf("third run: exit %d, stderr:\n%s\nwant exit 3, nothing left to patch", again.code, again.stderr)
	}
	checkCommandLog(t, commands)
}

// checkEmergencyJournaled checks the patched times of emergency id.
func checkEmergencyJournaled(t *testing.T, stateDir, id string, declared time.Time) {
	t.Helper()
	list := journalEmergencies(t, stateDir)
	if len(list) != 1 || list[0].ID != id {
		t.Fatalf("emergencies = %v, want %s", list, id)
	}
	e := list[0]
	if len(e.Patched) != 3 || len(e.Remaining()) != 0 {
		t.Errorf("patched = %v, want all three hosts", e.Patched)
	}
	if want := declared.Add(2 * time.Minute); !e.FirstPatched().Equal(want) {
		t.Errorf("first patched = %s, want %s", e.FirstPatched(), want)
	}
	if want := declared.Add(5 * time.Hour); !e.LastPatched().Equal(want) {
		t.Errorf("last patched = %s, want %s", e.LastPatched(), want)
	}
}

// TestEmergencyWindowsRebootPending runs the built-in windows-emergency
// playbook for one named KB over a Windows test host and a Windows
// production host of the lab. The production host has a user logged on,
// so its reboot policy defers the restart: it stays unpatched for the
// emergency, because the fix is not active until the host restarts.
func TestEmergencyWindowsRebootPending(t *testing.T) {
	inv, _ := startLab(t, "")
	env := map[string]string{"HOME": t.TempDir()}
	stateDir := t.TempDir()
	cli := func(now time.Time, args ...string) cliResult {
		return runCLIAt(t, env, now, append([]string{"--state", stateDir, "--inventory", inv}, args...)...)
	}
	declared := time.Date(2026, 12, 10, 15, 0, 0, 0, time.UTC)

	d := cli(declared, "emergency", "declare", "CVE-2024-49138", "--deadline", "48h", "--playbook", "windows-emergency",
		"--host", "paeds-fd-01", "--host", "paeds-exam-01")
	id := regexp.MustCompile(`declared emergency (\S+)`).FindStringSubmatch(d.stdout)
	if d.code != ExitOK || id == nil {
		t.Fatalf("declare exit = %d; stdout:\n%s\nstderr:\n%s", d.code, d.stdout, d.stderr)
	}
	var finals []map[string]event.HostPhase
	for i, at := range []time.Time{declared.Add(time.Minute), declared.Add(5 * time.Hour)} {
		res := cli(at, "run", "--emergency", id[1], "--var", "kbs=KB5048652", "--yes", "--json")
		if res.code != ExitOK {
			t.Fatalf("run %d exit = %d; stderr:\n%s", i+1, res.code, res.stderr)
		}
		finals = append(finals, finalPhases(t, res.stdout))
	}

	if finals[0]["paeds-fd-01"] != event.PhaseDone {
		t.Errorf("first run: paeds-fd-01 = %q, want done", finals[0]["paeds-fd-01"])
	}
	if finals[1]["paeds-exam-01"] != event.PhaseRebootPending {
		t.Errorf("second run: paeds-exam-01 = %q, want reboot pending", finals[1]["paeds-exam-01"])
	}
	list := journalEmergencies(t, stateDir)
	if len(list) != 1 {
		t.Fatalf("%d emergencies journaled, want 1", len(list))
	}
	if got := strings.Join(list[0].Remaining(), ","); got != "paeds-exam-01" {
		t.Errorf("remaining = %s, want paeds-exam-01 until it restarts", got)
	}
	if !list[0].FirstPatched().Equal(declared.Add(time.Minute)) {
		t.Errorf("first patched = %s, want the first run", list[0].FirstPatched())
	}
}

func TestRunResumeKilledEmergencyRun(t *testing.T) {
	useLabHosts(t, nil)
	stateDir := t.TempDir()
	s, err := state.Open(stateDir)
	if err != nil {
		t.Fatal(err)
	}
	id, killed := "EMG-20261210-1", "20261210T020000-0000dead"
	declared, err := emergency.Declare(emergency.Declaration{ID: id, CVEs: []emergency.CVE{{ID: "CVE-2024-3094"}},
		Playbook: "linux-apt-monthly", Now: runTime.Add(-time.Hour), Deadline: 24 * time.Hour,
		Sites: []emergency.Site{{ID: "north", Hosts: []string{"north-web", "north-db"}}}})
	if err != nil {
		t.Fatal(err)
	}
	// The emergency run was killed while north-db was installing, after
	// north-web was patched.
	_, err = s.Append(context.Background(), append(declared,
		event.Event{Time: runTime, Run: killed, Payload: event.RunStarted{Playbook: "linux-apt-monthly", Hosts: []string{"north-web", "north-db"},
			CycleID: id, CycleKind: event.CycleEmergency}},
		event.Event{Time: runTime, Run: killed, Host: "north-web", Payload: event.HostState{Phase: event.PhaseDone}},
		emergency.Patched(id, "north-web", killed, runTime),
		event.Event{Time: runTime, Run: killed, Host: "north-db", Payload: event.HostState{Phase: event.PhaseInstalling, Index: 1, Total: 3}},
	)...)
	s.Close()
	if err != nil {
		t.Fatal(err)
	}

	res := runPatchCLI(t, "--state", stateDir, "--inventory", runFleet, "run", "--resume", killed, "--yes", "--json")
	if res.code != ExitOK {
		t.Fatalf("resume exit = %d; stderr:\n%s", res.code, res.stderr)
	}
	if finals := finalPhases(t, res.stdout); len(finals) != 1 || finals["north-db"] != event.PhaseDone {
		t.Errorf("resume ran %v, want only north-db, done", finals)
	}
	if !strings.Contains(res.stdout, `"cycle_id":"`+id+`","cycle_kind":"emergency"`) {
		t.Errorf("the resumed run is not in emergency %s:\n%s", id, res.stdout)
	}
	if !strings.Contains(res.stderr, "north        deadline") || !strings.Contains(res.stderr, "patched 2/2") {
		t.Errorf("stderr lacks the deadline clock with both hosts patched:\n%s", res.stderr)
	}
}

func TestEmergencyRunRejectsBadInput(t *testing.T) {
	stateDir := t.TempDir()
	s, err := state.Open(stateDir)
	if err != nil {
		t.Fatal(err)
	}
	declared, err := emergency.Declare(emergency.Declaration{ID: "EMG-20261210-1", CVEs: []emergency.CVE{{ID: "CVE-2024-3094"}},
		Controls: []string{"outbound SSH blocked"}, Now: runTime, Deadline: 24 * time.Hour,
		Sites: []emergency.Site{{ID: "north", Hosts: []string{"north-web"}}}})
	if err != nil {
		t.Fatal(err)
	}
	closed, err := emergency.Declare(emergency.Declaration{ID: "EMG-20261210-2", CVEs: []emergency.CVE{{ID: "CVE-2024-3094"}},
		Playbook: "linux-apt-monthly", Now: runTime, Deadline: 24 * time.Hour,
		Sites: []emergency.Site{{ID: "north", Hosts: []string{"north-web"}}}})
	if err != nil {
		t.Fatal(err)
	}
	closed = append(closed, event.Event{Time: runTime, Payload: event.EmergencyClosed{ID: "EMG-20261210-2", Reason: "vendor fix applied by hand"}})
	if _, err := s.Append(context.Background(), append(declared, closed...)...); err != nil {
		t.Fatal(err)
	}
	s.Close()

	cases := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"run", "linux-apt-monthly", "--emergency", "EMG-20261210-1"}, ExitUsage, "drop the PLAYBOOK argument"},
		{[]string{"run", "--resume", "20261210T020000-0000dead", "--emergency", "EMG-20261210-1"}, ExitUsage, "drop --emergency"},
		{[]string{"plan"}, ExitUsage, "name the playbook, or an emergency with --emergency ID"},
		{[]string{"plan", "--emergency", "EMG-20991231-9"}, ExitUsage, `emergency not found: "EMG-20991231-9"`},
		{[]string{"plan", "--emergency", "EMG-20261210-1"}, ExitUsage, "emergency has no playbook yet"},
		{[]string{"run", "--emergency", "EMG-20261210-2", "--yes"}, ExitPolicy, "emergency is closed"},
	}
	for _, c := range cases {
		res := runPatchCLI(t, append([]string{"--state", stateDir, "--inventory", runFleet}, c.args...)...)
		if res.code != c.code {
			t.Errorf("%v: exit %d, want %d", c.args, res.code, c.code)
		}
		if !strings.Contains(res.stderr, c.want) {
			t.Errorf("%v: stderr = %q, want it to contain %q", c.args, res.stderr, c.want)
		}
	}
}
