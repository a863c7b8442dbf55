package runner

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"patchbay/inventory"
	"patchbay/playbooks/actions"
	"patchbay/playbooks/plan"
	"patchbay/remote"
	"patchbay/remote/fleet"
	"patchbay/remote/lab"
	"patchbay/state/event"
)

// windowsLabTiming reboots lab hosts in a fraction of a second, while the
// real WinRM client still sees them go away and come back.
var windowsLabTiming = lab.Timing{ShutdownDelay: 100 * time.Millisecond, RebootDuration: 500 * time.Millisecond}

// windowsRunTiming polls often and gives up on a host that stays down for
// 10 s, which is long for a lab reboot of 0.6 s.
var windowsRunTiming = actions.Timing{Poll: 100 * time.Millisecond, Reboot: map[string]time.Duration{
	"workstation": 10 * time.Second, "server": 10 * time.Second, "hypervisor": 10 * time.Second}}

// windowsFleet is the example fleet emulated on loopback, reached through
// the real WinRM client with the lab's CA and credentials.
type windowsFleet struct {
	lab     *lab.Fleet
	inv     *inventory.Inventory
	dialer  *fleet.Dialer
	journal *memJournal
}

func startWindowsFleet(t *testing.T, faults string) *windowsFleet {
	t.Helper()
	current := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, current) })
	ctx, cancel := context.WithCancel(context.Background())
	f, err := lab.Start(ctx, lab.Options{Dir: t.TempDir(), Inventory: os.DirFS("../../examples"), Faults: faults,
		Timing: windowsLabTiming, AddressBase: fmt.Sprintf("127.%d.%d.0", 100+rand.IntN(100), rand.IntN(256))})
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); f.Close() })
	inv, err := inventory.Load(f.InventoryPath(), inventory.Options{})
	if err != nil {
		t.Fatal(err)
	}
	d := fleet.New(inv, fleet.Options{KnownHosts: []string{filepath.Join(f.Dir(), "known_hosts")},
		ConfigureWinRM: func(c *fleet.WinRMConfig) { c.OperationTimeout, c.DialTimeout = 2*time.Second, 2*time.Second }})
	t.Cleanup(func() { d.Close() })
	return &windowsFleet{lab: f, inv: inv, dialer: d, journal: &memJournal{}}
}

// runRing runs playbook on one ring at now, with history from an earlier
// run. It returns the runner, which is the history for the next ring's
// gate, and the plan.
func (wf *windowsFleet) runRing(t *testing.T, playbook, ring string, now time.Time, history plan.History) (*Runner, *plan.Plan) {
	t.Helper()
	clock := func() time.Time { return now.Add(time.Since(now)) }
	p, err := plan.Make(wf.inv, builtinPlaybook(t, playbook), plan.Selection{Rings: []string{ring}},
		plan.Options{At: now, Cycle: "2026-12", Windows: openWindows{}, History: history})
	if err != nil {
		t.Fatal(err)
	}
	r := New(wf.inv, p, wf.dialer, wf.journal, Options{Timing: windowsRunTiming, Windows: openWindows{},
		History: history, Now: clock, Concurrency: 8, SiteConcurrency: 4, MaxRebootsPerHost: 2})
	if _, err := r.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	return r, p
}

// final returns the host's last state and its reason.
func (wf *windowsFleet) final(host string) (event.HostPhase, string) {
	var phase event.HostPhase
	var reason string
	for _, ev := range wf.journal.all() {
		if st, ok := ev.Payload.(event.HostState); ok && ev.Host == host && st.Phase.Final() {
			phase, reason = st.Phase, st.Reason
		}
	}
	return phase, reason
}

// logEntries returns what host received, per the lab's command log.
func (wf *windowsFleet) logEntries(t *testing.T, host string) []lab.LogEntry {
	t.Helper()
	entries, err := lab.ReadCommandLog(wf.lab.CommandLogPath())
	if err != nil {
		t.Fatal(err)
	}
	var out []lab.LogEntry
	for _, e := range entries {
		if e.Host == host {
			out = append(out, e)
		}
	}
	return out
}

// changingCommands returns the commands that changed host.
func (wf *windowsFleet) changingCommands(t *testing.T, host string) []string {
	t.Helper()
	var out []string
	for _, e := range wf.logEntries(t, host) {
		if e.Changes {
			out = append(out, e.Command)
		}
	}
	return out
}

func TestWindowsMonthlyOnLabFleet(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the emulated example fleet")
	}
	wf := startWindowsFleet(t, "ent-dc-01=reboot-loop,paeds-exam-02=update-fails:0x8024200D,ent-fd-02=offline,"+
		"ent-exam-01=winrm-timedout-polls:2,paeds-exam-01=clixml-stderr")
	start := time.Now()
	test, _ := wf.runRing(t, "windows-monthly", "test", start, nil)
	for _, host := range []string{"ent-ehr-01", "ent-fd-01", "paeds-fd-01", "img-ris-01"} {
		if phase, reason := wf.final(host); phase != event.PhaseDone {
			t.Errorf("test ring host %s ended %s (%s), want done", host, phase, reason)
		}
	}
	if t.Failed() {
		t.Fatalf("journal:\n%s", dump(wf.journal.all()))
	}

	// The production ring starts after the test ring's soak (2m in the
	// lab inventory), so its clock starts 3 minutes later.
	wf.runRing(t, "windows-monthly", "production", start.Add(3*time.Minute), test)
	want := map[string]struct {
		phase  event.HostPhase
		reason string
	}{
		"ent-dc-01":      {event.PhaseFailed, "reboot loop"},
		"paeds-exam-02":  {event.PhaseFailed, "WU_E_UH_NEEDANOTHERDOWNLOAD"},
		"ent-fd-02":      {event.PhaseMissed, "connection was refused"},
		"img-ct-console": {event.PhaseRebootPending, "never reboots automatically"},
		"ent-exam-01":    {"", ""},
		"paeds-exam-01":  {"", ""},
	}
	for host, w := range want {
		phase, reason := wf.final(host)
		if w.phase == "" {
			if phase != event.PhaseDone && phase != event.PhaseRebootPending {
				t.Errorf("%s ended %s (%s), want done or reboot pending", host, phase, reason)
			}
			continue
		}
		if phase != w.phase || !strings.Contains(reason, w.reason) {
			t.Errorf("%s ended %s (%q), want %s with %q", host, phase, reason, w.phase, w.reason)
		}
	}
	checkNewBuilds(t, wf)
	checkLoopHeld(t, wf)
	checkExceptedUntouched(t, wf)
	if t.Failed() || testing.Verbose() {
		t.Logf("journal:\n%s", dump(wf.journal.all()))
	}
}

// checkNewBuilds checks that every host that finished reports the build of
// its cumulative update.
func checkNewBuilds(t *testing.T, wf *windowsFleet) {
	t.Helper()
	wantBuild := map[inventory.Platform]string{
		inventory.PlatformWindows: "10.0.19045.5247", inventory.PlatformWindowsServer: "10.0.20348.2966"}
	for _, h := range wf.inv.Hosts {
		if phase, _ := wf.final(h.Name); phase != event.PhaseDone {
			continue
		}
		if got := lastFacts(wf.journal.all(), h.Name).Build; got != wantBuild[h.Platform] {
			t.Errorf("%s finished with build %q, want %s", h.Name, got, wantBuild[h.Platform])
		}
	}
}

func checkLoopHeld(t *testing.T, wf *windowsFleet) {
	t.Helper()
	for _, ev := range wf.journal.all() {
		if hs, ok := ev.Payload.(event.HoldSet); ok && ev.Host == "ent-dc-01" && hs.Update == "KB5048654" {
			return
		}
	}
	t.Error("no hold journaled for KB5048654 on ent-dc-01 after its reboot loop")
}

// checkExceptedUntouched checks that a plan of the whole fleet skips
// every excepted Windows host and that none received a command that
// changed it, by the lab's own judgement.
func checkExceptedUntouched(t *testing.T, wf *windowsFleet) {
	t.Helper()
	p, err := plan.Make(wf.inv, builtinPlaybook(t, "windows-monthly"), plan.Selection{},
		plan.Options{At: time.Now(), Cycle: "2026-12", Windows: openWindows{}})
	if err != nil {
		t.Fatal(err)
	}
	excepted := 0
	for _, h := range wf.inv.Hosts {
		if !h.Platform.IsWindows() || wf.inv.Access(h.Name) == remote.AccessFull {
			continue
		}
		excepted++
		if ph := planHost(p, h.Name); ph == nil || ph.Skip == nil || ph.Skip.Reason != plan.ReasonException {
			t.Errorf("excepted host %s is not skipped for its exception in the plan: %+v", h.Name, ph)
		}
		if cmds := wf.changingCommands(t, h.Name); len(cmds) > 0 {
			t.Errorf("excepted host %s received %d changing commands, first %q", h.Name, len(cmds), cmds[0])
		}
	}
	if excepted == 0 {
		t.Error("the example fleet has no excepted Windows host, so the check proves nothing")
	}
}

func planHost(p *plan.Plan, name string) *plan.Host {
	for _, h := range p.Hosts {
		if h.Host.Name == name {
			return h
		}
	}
	return nil
}

func TestHyperVMonthlyOnLabFleet(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the emulated example fleet")
	}
	wf := startWindowsFleet(t, "")
	hv := wf.lab.Host("ent-hv-01")

	before := lab.HyperVVMStates(hv)
	if before["ent-dc-01"] != "Running" || before["ent-ehr-01"] != "Running" {
		t.Fatalf("VMs before the run = %v, want the inventory's guests running", before)
	}
	p, err := plan.Make(wf.inv, builtinPlaybook(t, "hyperv-monthly"), plan.Selection{Hosts: []string{"ent-hv-01"}},
		plan.Options{At: time.Now(), Cycle: "2026-12", Windows: openWindows{}, Overrides: plan.Overrides{Gate: "lab test of one host"}})
	if err != nil {
		t.Fatal(err)
	}
	r := New(wf.inv, p, wf.dialer, wf.journal, Options{Timing: windowsRunTiming, Windows: openWindows{}, MaxRebootsPerHost: 2})
	if _, err := r.Run(context.Background()); err != nil {
		t.Fatal(err)
	}

	if phase, reason := wf.final("ent-hv-01"); phase != event.PhaseDone {
		t.Fatalf("ent-hv-01 ended %s (%s), want done\n%s", phase, reason, dump(wf.journal.all()))
	}
	if got := lastFacts(wf.journal.all(), "ent-hv-01").Build; got != "10.0.20348.2966" {
		t.Errorf("ent-hv-01 build = %q, want 10.0.20348.2966", got)
	}

	after := lab.HyperVVMStates(hv)
	if after["ent-dc-01"] != "Running" || after["ent-ehr-01"] != "Running" {
		t.Errorf("VMs after the run = %v, want both running again", after)
	}
	saved := 0
	for _, d := range decisions(wf.journal.all(), "guest-saved") {
		if strings.Contains(d.Reason, "ent-dc-01") || strings.Contains(d.Reason, "ent-ehr-01") {
			saved++
		}
	}
	if saved != 2 {
		t.Errorf("%d guest-saved decisions for the two guests, want 2", saved)
	}
	checkSavedBeforeReboot(t, wf)
}

// checkSavedBeforeReboot checks in the lab's command log that both VMs
// were saved before the host's restart and started after it.
func checkSavedBeforeReboot(t *testing.T, wf *windowsFleet) {
	t.Helper()
	var order []string
	for _, e := range wf.logEntries(t, "ent-hv-01") {
		for _, verb := range []string{"Save-VM", "shutdown.exe /r", "Start-VM"} {
			if strings.Contains(e.Command, verb) {
				order = append(order, verb)
			}
		}
	}
	want := "Save-VM,Save-VM,shutdown.exe /r,Start-VM,Start-VM"
	if got := strings.Join(order, ","); got != want {
		t.Errorf("hypervisor commands in order %s, want %s", got, want)
	}
}

func TestWindowsMonthlyConnectionFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the emulated example fleet")
	}
	wf := startWindowsFleet(t, "ent-fd-02=shell-lost,ent-exam-01=reboot-never-returns")
	p, err := plan.Make(wf.inv, builtinPlaybook(t, "windows-monthly"), plan.Selection{Hosts: []string{"ent-fd-02", "ent-exam-01"}},
		plan.Options{At: time.Now(), Cycle: "2026-12", Windows: openWindows{}, Overrides: plan.Overrides{Gate: "lab test of two hosts"}})
	if err != nil {
		t.Fatal(err)
	}
	r := New(wf.inv, p, wf.dialer, wf.journal, Options{Timing: windowsRunTiming, Windows: openWindows{}, MaxRebootsPerHost: 2})
	if _, err := r.Run(context.Background()); err != nil {
		t.Fatal(err)
	}

	if phase, reason := wf.final("ent-fd-02"); phase != event.PhaseFailed || !strings.Contains(reason, "remote shell was lost") {
		t.Errorf("ent-fd-02 ended %s (%q), want failed with the lost shell", phase, reason)
	}
	if phase, reason := wf.final("ent-exam-01"); phase != event.PhaseFailed || !strings.Contains(reason, "did not come back") {
		t.Errorf("ent-exam-01 ended %s (%q), want failed because the reboot never returned", phase, reason)
	}
	if t.Failed() {
		t.Logf("journal:\n%s", dump(wf.journal.all()))
	}
}

func TestWindowsEmergencyNamedKBsOnLabFleet(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the emulated example fleet")
	}
	wf := startWindowsFleet(t, "")
	vars := map[string]string{"kbs": "KB890830"}
	p, err := plan.Make(wf.inv, builtinPlaybook(t, "windows-emergency"), plan.Selection{Hosts: []string{"paeds-fd-01"}},
		plan.Options{At: time.Now(), Cycle: "2026-12", Windows: openWindows{}, Vars: vars})
	if err != nil {
		t.Fatal(err)
	}
	r := New(wf.inv, p, wf.dialer, wf.journal, Options{Timing: windowsRunTiming, Windows: openWindows{}, Vars: vars, MaxRebootsPerHost: 2})
	if _, err := r.Run(context.Background()); err != nil {
		t.Fatal(err)
	}

	if phase, reason := wf.final("paeds-fd-01"); phase != event.PhaseDone {
		t.Fatalf("paeds-fd-01 ended %s (%s), want done\n%s", phase, reason, dump(wf.journal.all()))
	}
	var installed []string
	for _, ev := range wf.journal.all() {
		if u, ok := ev.Payload.(event.UpdateResult); ok && ev.Host == "paeds-fd-01" && u.ResultCode == "succeeded" {
			installed = append(installed, u.Update)
		}
	}
	if strings.Join(installed, ",") != "KB890830" {
		t.Errorf("installed %v, want only the named KB890830", installed)
	}
	if got := lastFacts(wf.journal.all(), "paeds-fd-01").Build; got != "10.0.19045.5131" {
		t.Errorf("build = %q, want the old 10.0.19045.5131 since the cumulative update was not named", got)
	}
}

func TestWindowsFactsOnExceptedLabHost(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the emulated example fleet")
	}
	wf := startWindowsFleet(t, "")
	p, err := plan.Make(wf.inv, builtinPlaybook(t, "facts"), plan.Selection{Hosts: []string{"ent-audio-01"}},
		plan.Options{At: time.Now(), Cycle: "2026-12", Windows: openWindows{}})
	if err != nil {
		t.Fatal(err)
	}
	r := New(wf.inv, p, wf.dialer, wf.journal, Options{Timing: windowsRunTiming, Windows: openWindows{}})
	if _, err := r.Run(context.Background()); err != nil {
		t.Fatal(err)
	}

	if phase, reason := wf.final("ent-audio-01"); phase != event.PhaseDone {
		t.Fatalf("facts on excepted ent-audio-01 ended %s (%s), want done\n%s", phase, reason, dump(wf.journal.all()))
	}
	if got := lastFacts(wf.journal.all(), "ent-audio-01").Build; got != "10.0.19045.3803" {
		t.Errorf("ent-audio-01 build = %q, want 10.0.19045.3803, the build its exception pins", got)
	}
	if n := len(wf.logEntries(t, "ent-audio-01")); n == 0 {
		t.Error("ent-audio-01 received no command, so the read-only path was not exercised")
	}
	if cmds := wf.changingCommands(t, "ent-audio-01"); len(cmds) > 0 {
		t.Errorf("facts changed excepted ent-audio-01 with %q", cmds[0])
	}
}
