package lab

import (
	"slices"
	"strings"
	"testing"
	"time"

	"patchbay/playbooks/parse/linuxpkg"
)

func TestDnfCheckUpdateExit100(t *testing.T) {
	_, hd, _ := newTestHost(t, "linux-dnf")
	r := mustRun(t, hd, "tech", "dnf check-update", 100)
	got, err := linuxpkg.ParseCheckUpdate(r.stdout, r.code)
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, r.stdout)
	}
	if !got.Available || len(got.Updates) != 5 {
		t.Fatalf("parsed %+v, want 5 available updates", got)
	}
	if got.Updates[0].Name != "kernel" || got.Updates[0].Arch != "x86_64" || got.Updates[0].Repo != "baseos" {
		t.Errorf("first update = %+v", got.Updates[0])
	}
}

func TestDnfUpgradeExcludes(t *testing.T) {
	h, hd, _ := newTestHost(t, "linux-dnf")
	mustRun(t, hd, "tech", "sudo dnf upgrade -y --exclude=kernel*", 0)
	s := h.Snapshot()
	if len(s.Pending) != 1 || s.Pending[0].ID != "kernel" {
		t.Errorf("pending after upgrade with --exclude=kernel*: %v", s.Pending)
	}
	mustRun(t, hd, "tech", "dnf check-update --exclude=kernel", 0)
}

func TestDnfUpgradeNeedsRootAndYes(t *testing.T) {
	h, hd, _ := newTestHost(t, "linux-dnf")
	r := mustRun(t, hd, "tech", "dnf upgrade -y", 1)
	if !strings.Contains(r.stderr, "This command has to be run with superuser privileges") {
		t.Errorf("stderr = %q", r.stderr)
	}
	r = mustRun(t, hd, "root", "dnf upgrade", 1)
	if !strings.Contains(r.stdout, "Is this ok [y/N]: Operation aborted.") {
		t.Errorf("stdout = %q", r.stdout)
	}
	if len(h.Snapshot().Pending) != 5 {
		t.Error("a refused upgrade installed updates")
	}
}

func TestNeedsRestartingAcrossReboot(t *testing.T) {
	h, hd, clock := newTestHost(t, "linux-dnf")
	r := mustRun(t, hd, "tech", "needs-restarting -r", 0)
	if nr, err := linuxpkg.ParseNeedsRestarting(r.stdout, r.code); err != nil || nr.Required {
		t.Errorf("before upgrade: %+v, %v", nr, err)
	}
	mustRun(t, hd, "tech", "sudo dnf -y upgrade", 0)
	r = mustRun(t, hd, "tech", "dnf needs-restarting -r", 1)
	nr, err := linuxpkg.ParseNeedsRestarting(r.stdout, r.code)
	if err != nil || !nr.Required || !slices.Contains(nr.Reasons, "kernel") {
		t.Errorf("after upgrade: %+v, %v\n%s", nr, err, r.stdout)
	}
	mustRun(t, hd, "tech", "sudo shutdown -r now", 0)
	clock.Advance(2 * time.Minute)
	mustRun(t, hd, "tech", "needs-restarting -r", 0)
	if got := mustRun(t, hd, "tech", "uname -r", 0).stdout; got != "5.14.0-362.24.1.el9_3.x86_64\n" {
		t.Errorf("uname -r after reboot = %q", got)
	}
	if h.Snapshot().RebootPending {
		t.Error("reboot still pending after the reboot")
	}
}

func TestShutdownScheduledReboot(t *testing.T) {
	h, hd, clock := newTestHost(t, "linux-dnf")
	r := mustRun(t, hd, "root", "shutdown -r +5", 0)
	if !strings.HasPrefix(r.stdout, "Reboot scheduled for ") {
		t.Errorf("stdout = %q", r.stdout)
	}
	clock.Advance(4 * time.Minute)
	if h.Rebooting() {
		t.Fatal("rebooting before the scheduled time")
	}
	clock.Advance(2 * time.Minute)
	if !h.Rebooting() || h.Online() {
		t.Errorf("rebooting %v online %v after the scheduled time; want true, false", h.Rebooting(), h.Online())
	}
}
