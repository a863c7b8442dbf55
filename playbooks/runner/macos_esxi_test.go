package runner

import (
	"context"
	"io"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"patchbay/inventory"
	"patchbay/playbooks/plan"
	"patchbay/playbooks/runner/labdial"
	"patchbay/remote"
	"patchbay/remote/lab"
	"patchbay/state/event"
)

// labTiming reboots lab hosts in milliseconds.
var labTiming = lab.Timing{ShutdownDelay: time.Millisecond, RebootDuration: 30 * time.Millisecond}

// labRun is one playbook run against lab hosts made from inv.
type labRun struct {
	inv     *inventory.Inventory
	dialer  *labdial.Dialer
	journal *memJournal
	logPath string
}

func newLabRun(t *testing.T, inv *inventory.Inventory) *labRun {
	t.Helper()
	dialer, err := labdial.New(inv, labTiming)
	if err != nil {
		t.Fatal(err)
	}
	lr := &labRun{inv: inv, dialer: dialer, journal: &memJournal{}, logPath: filepath.Join(t.TempDir(), "commands.jsonl")}
	log, err := lab.OpenCommandLog(lr.logPath)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { log.Close() })
	for _, hd := range dialer.Hosts {
		hd.Log = log
	}
	return lr
}

func (lr *labRun) host(name string) *lab.Host { return lr.dialer.Hosts[name].Host }

// run plans and runs the built-in playbook name with vars.
func (lr *labRun) run(t *testing.T, name string, vars map[string]string) *Summary {
	t.Helper()
	pb := builtinPlaybook(t, name)
	p, err := plan.Make(lr.inv, pb, plan.Selection{}, plan.Options{At: time.Now(), Windows: openWindows{}, Vars: vars})
	if err != nil {
		t.Fatal(err)
	}
	r := New(lr.inv, p, lr.dialer, lr.journal, Options{Timing: fastTiming, Windows: openWindows{}, Vars: vars})
	sum, err := r.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return sum
}

// commands returns the command lines host received, in order.
func (lr *labRun) commands(t *testing.T, host string) []string {
	t.Helper()
	entries, err := lab.ReadCommandLog(lr.logPath)
	if err != nil {
		t.Fatal(err)
	}
	var lines []string
	for _, e := range entries {
		if e.Host == host {
			lines = append(lines, e.Command)
		}
	}
	return lines
}

// macInventory returns one site with a Mac called mac1, reached as a
// user with sudo, under a reboot policy of mode.
func macInventory(mode inventory.RebootMode) *inventory.Inventory {
	inv := testInventory(map[string][]string{"a": {"mac1"}})
	h := inv.Host("mac1")
	h.Platform, h.Role, h.Transport.User = inventory.PlatformMacOS, inventory.RoleWorkstation, "tech"
	inv.RebootPolicies[0].Mode = mode
	return inv
}

func TestMacOSMonthlyIntelRestarts(t *testing.T) {
	lr := newLabRun(t, macInventory(inventory.RebootAllow))
	lab.SetMacArch(lr.host("mac1"), lab.MacIntel)
	sum := lr.run(t, "macos-monthly", nil)

	if got := sum.Hosts["mac1"]; got != event.PhaseDone {
		t.Fatalf("mac1 ended %q, want done:\n%s", got, dump(lr.journal.all()))
	}
	s := lr.host("mac1").Snapshot()
	if len(s.Pending) != 0 || s.Build != "23E224" {
		t.Errorf("after the run: %d pending, build %s; want 0 and 23E224", len(s.Pending), s.Build)
	}
	if !slices.Contains(lr.commands(t, "mac1"), "sudo -n softwareupdate --install --all --restart") {
		t.Errorf("no install with --restart among %q", lr.commands(t, "mac1"))
	}
	states := strings.Join(statesOf(lr.journal.all(), "mac1"), ",")
	if !strings.Contains(states, "rebooting") || !strings.Contains(states, "settling") {
		t.Errorf("states %s lack the restart", states)
	}
	verified := decisions(lr.journal.all(), "verify")
	if len(verified) != 1 || !strings.Contains(verified[0].Reason, "macOS 14.4.1 23E224 as expected") {
		t.Errorf("verify decisions %+v, want sw_vers to confirm 14.4.1", verified)
	}
}

func TestMacOSMonthlyAppleSiliconNeedsOwner(t *testing.T) {
	defer goleak.VerifyNone(t)
	lr := newLabRun(t, macInventory(inventory.RebootAllow))
	lab.SetMacArch(lr.host("mac1"), lab.MacAppleSilicon)
	sum := lr.run(t, "macos-monthly", map[string]string{"output_timeout": "1m"})

	if got := sum.Hosts["mac1"]; got != event.PhaseFailed {
		t.Fatalf("mac1 ended %q, want failed:\n%s", got, dump(lr.journal.all()))
	}
	if d := decisions(lr.journal.all(), "needs-owner-credentials"); len(d) != 1 {
		t.Errorf("%d needs-owner-credentials decisions, want 1", len(d))
	}
	if reason := finalReason(lr.journal.all(), "mac1"); !strings.Contains(reason, "needs owner credentials") {
		t.Errorf("final reason %q lacks needs owner credentials", reason)
	}
	if n := len(lr.host("mac1").Snapshot().Pending); n != 3 {
		t.Errorf("%d updates pending, want all 3", n)
	}
}

func TestMacOSMonthlySkipsHeldLabel(t *testing.T) {
	inv := macInventory(inventory.RebootAllow)
	inv.Holds = []*inventory.Hold{{ID: "h-sonoma", Kind: inventory.HoldPackage, Item: "macOS Sonoma 14.4.1",
		Reason: "EHR client not certified", Scope: inventory.Scope{Kind: inventory.ScopeAll}}}
	lr := newLabRun(t, inv)
	lab.SetMacArch(lr.host("mac1"), lab.MacIntel)
	sum := lr.run(t, "macos-monthly", nil)

	if got := sum.Hosts["mac1"]; got != event.PhaseDone {
		t.Fatalf("mac1 ended %q, want done:\n%s", got, dump(lr.journal.all()))
	}
	s := lr.host("mac1").Snapshot()
	if len(s.Pending) != 1 || s.Pending[0].Title != "macOS Sonoma 14.4.1" {
		t.Errorf("pending %+v, want only the held OS update", s.Pending)
	}
	want := "sudo -n softwareupdate --install 'Command Line Tools for Xcode-15.3' 'Safari17.4.1SonomaAuto-17.4.1'"
	if !slices.Contains(lr.commands(t, "mac1"), want) {
		t.Errorf("no %q among %q", want, lr.commands(t, "mac1"))
	}
}

func TestMacOSMonthlyPolicyDefersRestart(t *testing.T) {
	lr := newLabRun(t, macInventory(inventory.RebootNever))
	lab.SetMacArch(lr.host("mac1"), lab.MacIntel)
	sum := lr.run(t, "macos-monthly", nil)

	if got := sum.Hosts["mac1"]; got != event.PhaseRebootPending {
		t.Fatalf("mac1 ended %q, want reboot-pending:\n%s", got, dump(lr.journal.all()))
	}
	if !lr.host("mac1").Snapshot().RebootPending {
		t.Errorf("lab host has no pending restart")
	}
	for _, line := range lr.commands(t, "mac1") {
		if strings.Contains(line, "--restart") {
			t.Errorf("sent %q although the policy never reboots", line)
		}
	}
}

func finalReason(events []event.Event, host string) string {
	reason := ""
	for _, ev := range events {
		if st, ok := ev.Payload.(event.HostState); ok && ev.Host == host && st.Phase.Final() {
			reason = st.Reason
		}
	}
	return reason
}

// esxiInventory returns one site with the standalone ESXi host esx1 and
// its guests vm-b and vm-a, listed in that order.
func esxiInventory() *inventory.Inventory {
	inv := testInventory(map[string][]string{"a": {"vm-b", "vm-a", "esx1"}})
	esx := inv.Host("esx1")
	esx.Platform, esx.Role, esx.Guests = inventory.PlatformESXi, inventory.RoleHypervisor, []string{"vm-b", "vm-a"}
	inv.Host("vm-b").Hypervisor = "esx1"
	inv.Host("vm-a").Hypervisor = "esx1"
	return inv
}

// newESXiRun returns a run whose esx1 has the running VMs vm-a, vm-b and
// other and the powered-off VM idle.
func newESXiRun(t *testing.T) *labRun {
	t.Helper()
	lr := newLabRun(t, esxiInventory())
	lab.SetESXiVMs(lr.host("esx1"), "vm-a", "vm-b", "other", "idle")
	lr.exec(t, "esx1", "vim-cmd vmsvc/power.off 4")
	return lr
}

// exec runs line on host as root and fails the test unless it succeeds.
func (lr *labRun) exec(t *testing.T, host, line string) {
	t.Helper()
	s, err := lr.dialer.Dial(context.Background(), lr.inv.Host(host))
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Run(context.Background(), remote.Command{Line: line}, io.Discard, io.Discard); err != nil {
		t.Fatalf("%s on %s: %v", line, host, err)
	}
}

// powerOps returns the vim-cmd power operations host received, in order.
func (lr *labRun) powerOps(t *testing.T, host string) []string {
	t.Helper()
	var ops []string
	for _, line := range lr.commands(t, host) {
		if op, ok := strings.CutPrefix(line, "vim-cmd vmsvc/power."); ok && !strings.HasPrefix(op, "getstate") {
			ops = append(ops, op)
		}
	}
	return ops
}

func TestESXiUpdateEndToEnd(t *testing.T) {
	defer goleak.VerifyNone(t)
	lr := newESXiRun(t)
	sum := lr.run(t, "esxi-update", map[string]string{"depot": lab.ESXiDepot})

	if got := sum.Hosts["esx1"]; got != event.PhaseDone {
		t.Fatalf("esx1 ended %q, want done:\n%s", got, dump(lr.journal.all()))
	}
	want := []string{"off 4", "shutdown 2", "shutdown 1", "shutdown 3", "on 3", "on 1", "on 2"}
	if got := lr.powerOps(t, "esx1"); !slices.Equal(got, want) {
		t.Errorf("power operations %q, want %q: guests in inventory order, then the others, and back in reverse", got, want)
	}
	h := lr.host("esx1")
	if lab.InMaintenanceMode(h) {
		t.Errorf("esx1 is still in maintenance mode")
	}
	states := lab.ESXiVMStates(h)
	for vm, state := range map[string]string{"vm-a": "Powered on", "vm-b": "Powered on", "other": "Powered on", "idle": "Powered off"} {
		if states[vm] != state {
			t.Errorf("VM %s is %s, want %s", vm, states[vm], state)
		}
	}
	if s := h.Snapshot(); s.Build != "23305546" {
		t.Errorf("build %s after the run, want 23305546", s.Build)
	}
	if !slices.Contains(lr.commands(t, "esx1"), "reboot") {
		t.Errorf("esx1 was not rebooted: %q", lr.commands(t, "esx1"))
	}
}

func TestESXiUpdateWithoutDepotChangesNothing(t *testing.T) {
	lr := newESXiRun(t)
	sum := lr.run(t, "esxi-update", nil)

	if got := sum.Hosts["esx1"]; got != event.PhaseFailed {
		t.Fatalf("esx1 ended %q, want failed:\n%s", got, dump(lr.journal.all()))
	}
	if reason := finalReason(lr.journal.all(), "esx1"); !strings.Contains(reason, "depot") {
		t.Errorf("reason %q does not name the depot", reason)
	}
	if ops := lr.powerOps(t, "esx1"); !slices.Equal(ops, []string{"off 4"}) {
		t.Errorf("power operations %q; a missing depot must not stop a guest", ops)
	}
	if lab.InMaintenanceMode(lr.host("esx1")) {
		t.Errorf("a failed check left esx1 in maintenance mode")
	}
}

func TestESXiUpdateTwiceLeavesGuestsAlone(t *testing.T) {
	lr := newESXiRun(t)
	vars := map[string]string{"depot": lab.ESXiDepot}
	lr.run(t, "esxi-update", vars)
	before := len(lr.powerOps(t, "esx1"))
	sum := lr.run(t, "esxi-update", vars)

	if got := sum.Hosts["esx1"]; got != event.PhaseDone {
		t.Fatalf("second run ended %q, want done:\n%s", got, dump(lr.journal.all()))
	}
	if ops := lr.powerOps(t, "esx1"); len(ops) != before {
		t.Errorf("second run sent power operations %q on an up-to-date host", ops[before:])
	}
	if d := decisions(lr.journal.all(), "nothing-to-install"); len(d) != 1 {
		t.Errorf("%d nothing-to-install decisions, want 1 from the second run", len(d))
	}
}

func TestMacOSMonthlyHoldsLoopingUpdate(t *testing.T) {
	lr := newLabRun(t, macInventory(inventory.RebootAllow))
	h := lr.host("mac1")
	lab.SetMacArch(h, lab.MacIntel)
	h.SetFaults(lab.Faults{lab.FaultRebootLoop: ""})
	sum := lr.run(t, "macos-monthly", nil)

	if got := sum.Hosts["mac1"]; got != event.PhaseFailed {
		t.Fatalf("mac1 ended %q, want failed:\n%s", got, dump(lr.journal.all()))
	}
	var held []string
	for _, ev := range lr.journal.all() {
		if hs, ok := ev.Payload.(event.HoldSet); ok {
			held = append(held, hs.Update)
		}
	}
	if !slices.Equal(held, []string{"macOS Sonoma 14.4.1-23E224"}) {
		t.Errorf("holds set %q, want the OS update that came back after the restart", held)
	}
}

func TestESXiUpdateVerifiesBuild(t *testing.T) {
	lr := newESXiRun(t)
	lr.host("esx1").SetFaults(lab.Faults{lab.FaultRebootLoop: ""})
	sum := lr.run(t, "esxi-update", map[string]string{"depot": lab.ESXiDepot})

	if got := sum.Hosts["esx1"]; got != event.PhaseFailed {
		t.Fatalf("esx1 ended %q, want failed:\n%s", got, dump(lr.journal.all()))
	}
	if reason := finalReason(lr.journal.all(), "esx1"); !strings.Contains(reason, "expected build 23305546") {
		t.Errorf("reason %q, want the vmware -vl check to name the expected build", reason)
	}
	if got := lab.ESXiVMStates(lr.host("esx1"))["vm-b"]; got != "Powered on" {
		t.Errorf("vm-b is %s; the guests start again before the build check", got)
	}
}
