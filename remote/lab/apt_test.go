package lab

import (
	"slices"
	"strings"
	"testing"
	"time"

	"patchbay/playbooks/parse/linuxpkg"
)

const aptUpgradeRight = "sudo DEBIAN_FRONTEND=noninteractive apt-get -y -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold dist-upgrade"

func TestAptListParses(t *testing.T) {
	_, hd, _ := newTestHost(t, "linux-apt")
	r := mustRun(t, hd, "tech", "apt list --upgradable", 0)
	got, err := linuxpkg.ParseAptList(r.stdout)
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, r.stdout)
	}
	if len(got) != 5 {
		t.Fatalf("parsed %d upgrades, want 5:\n%s", len(got), r.stdout)
	}
	if got[0].Name != "curl" || got[0].From != "7.88.1-10+deb12u5" || got[0].Suites[0] != "bookworm-security" {
		t.Errorf("first upgrade = %+v", got[0])
	}
	if !strings.Contains(r.stderr, "WARNING: apt does not have a stable CLI interface") {
		t.Errorf("stderr lacks apt's CLI warning: %q", r.stderr)
	}
}

func TestAptSimulationParses(t *testing.T) {
	_, hd, _ := newTestHost(t, "linux-apt")
	r := mustRun(t, hd, "tech", "apt-get -s upgrade", 0)
	sim, err := linuxpkg.ParseAptSimulation(r.stdout)
	if err != nil {
		t.Fatalf("parse: %v\n%s", err, r.stdout)
	}
	if sim.Upgraded != 4 || sim.NotUpgraded != 1 {
		t.Errorf("upgraded %d, kept back %d; want 4 and 1 (the kernel needs a new package)", sim.Upgraded, sim.NotUpgraded)
	}
	if !strings.HasPrefix(r.stdout, "NOTE: This is only a simulation!") {
		t.Errorf("simulation as a user lacks the NOTE banner:\n%s", r.stdout)
	}
	dist := mustRun(t, hd, "root", "apt-get -s dist-upgrade", 0)
	sim, _ = linuxpkg.ParseAptSimulation(dist.stdout)
	if sim.Upgraded != 5 || sim.Installed != 1 {
		t.Errorf("dist-upgrade: upgraded %d, new %d; want 5 and 1", sim.Upgraded, sim.Installed)
	}
}

func TestAptUpgradeRejectsWithoutConffilePolicy(t *testing.T) {
	for _, line := range []string{
		"sudo apt-get -y dist-upgrade",
		"sudo DEBIAN_FRONTEND=noninteractive apt-get -y dist-upgrade",
		"sudo apt-get -y -o Dpkg::Options::=--force-confold dist-upgrade",
	} {
		h, hd, _ := newTestHost(t, "linux-apt")
		r := mustRun(t, hd, "tech", line, 100)
		if !strings.Contains(r.stdout, "*** rsyslog.conf (Y/I/N/O/D/Z) [default=N] ?") {
			t.Errorf("%q: stdout lacks the conffile prompt:\n%s", line, r.stdout)
		}
		if !strings.Contains(r.stderr, "end of file on stdin at conffile prompt") ||
			!strings.Contains(r.stderr, "E: Sub-process /usr/bin/dpkg returned an error code (1)") {
			t.Errorf("%q: stderr lacks dpkg's errors:\n%s", line, r.stderr)
		}
		if h.Snapshot().FindPending("rsyslog") < 0 {
			t.Errorf("%q: rsyslog was installed despite the prompt", line)
		}
	}
}

func TestAptUpgradeAfterPromptNeedsConfigure(t *testing.T) {
	h, hd, _ := newTestHost(t, "linux-apt")
	mustRun(t, hd, "tech", "sudo apt-get -y dist-upgrade", 100)
	r := mustRun(t, hd, "tech", aptUpgradeRight, 100)
	if !strings.Contains(r.stderr, "E: dpkg was interrupted, you must manually run 'dpkg --configure -a'") {
		t.Errorf("stderr = %q, want the dpkg interrupted error", r.stderr)
	}
	mustRun(t, hd, "tech", "sudo dpkg --configure -a --force-confold", 0)
	if h.Snapshot().FindPending("rsyslog") >= 0 {
		t.Error("rsyslog still pending after dpkg --configure -a --force-confold")
	}
}

func TestAptUpgradeWithPolicyInstalls(t *testing.T) {
	h, hd, _ := newTestHost(t, "linux-apt")
	mustRun(t, hd, "tech", aptUpgradeRight, 0)
	s := h.Snapshot()
	if len(s.Pending) != 0 {
		t.Errorf("pending after upgrade: %v", s.Pending)
	}
	if !s.RebootPending || s.StagedBuild != "6.1.0-21-amd64" {
		t.Errorf("reboot pending %v, staged %q; want true and 6.1.0-21-amd64", s.RebootPending, s.StagedBuild)
	}
	r := mustRun(t, hd, "tech", "cat /var/run/reboot-required.pkgs", 0)
	if r.stdout != "libc6\nlinux-image-amd64\n" {
		t.Errorf("reboot-required.pkgs = %q", r.stdout)
	}
	mustRun(t, hd, "tech", "test -f /var/run/reboot-required", 0)
}

func TestAptUpgradeRequiresRootAndYes(t *testing.T) {
	_, hd, _ := newTestHost(t, "linux-apt")
	r := mustRun(t, hd, "tech", "DEBIAN_FRONTEND=noninteractive apt-get -y -o Dpkg::Options::=--force-confold upgrade", 100)
	if !strings.Contains(r.stderr, "are you root?") {
		t.Errorf("non-root upgrade stderr = %q", r.stderr)
	}
	r = mustRun(t, hd, "root", "DEBIAN_FRONTEND=noninteractive apt-get -o Dpkg::Options::=--force-confold upgrade", 1)
	if !strings.Contains(r.stdout, "Do you want to continue? [Y/n] Abort.") {
		t.Errorf("upgrade without -y stdout = %q", r.stdout)
	}
}

func TestAptMarkHoldKeepsPackageBack(t *testing.T) {
	h, hd, _ := newTestHost(t, "linux-apt")
	mustRun(t, hd, "tech", "sudo apt-mark hold curl", 0)
	r := mustRun(t, hd, "tech", "apt-mark showhold", 0)
	if got := linuxpkg.ParseAptHolds(r.stdout); !slices.Equal(got, []string{"curl"}) {
		t.Errorf("showhold = %q", got)
	}
	r = mustRun(t, hd, "tech", aptUpgradeRight, 0)
	if !strings.Contains(r.stdout, "The following packages have been kept back:\n  curl") {
		t.Errorf("upgrade output does not keep curl back:\n%s", r.stdout)
	}
	if h.Snapshot().FindPending("curl") < 0 {
		t.Error("held curl was upgraded")
	}
	r = mustRun(t, hd, "root", "apt-get install -y curl", 100)
	if !strings.Contains(r.stderr, "E: Held packages were changed and -y was used without --allow-change-held-packages.") {
		t.Errorf("install of a held package stderr = %q", r.stderr)
	}
}

func TestAptRebootBootsNewKernel(t *testing.T) {
	h, hd, clock := newTestHost(t, "linux-apt")
	mustRun(t, hd, "tech", aptUpgradeRight, 0)
	oldBoot := h.Snapshot().BootTime
	mustRun(t, hd, "tech", "sudo reboot", 0)

	clock.Advance(2 * time.Second)
	if h.Online() {
		t.Fatal("host still online after the shutdown delay")
	}
	if r := run(t, hd, "tech", "true"); r.err != ErrOffline {
		t.Errorf("command on an offline host: err %v, want ErrOffline", r.err)
	}
	clock.Advance(time.Minute)
	if !h.Online() {
		t.Fatal("host not back after the reboot duration")
	}
	r := mustRun(t, hd, "tech", "uname -r", 0)
	if r.stdout != "6.1.0-21-amd64\n" {
		t.Errorf("uname -r after reboot = %q", r.stdout)
	}
	mustRun(t, hd, "tech", "test -f /var/run/reboot-required", 1)
	if !h.Snapshot().BootTime.After(oldBoot) {
		t.Error("boot time did not move")
	}
}

func TestRebootRequiresRoot(t *testing.T) {
	h, hd, clock := newTestHost(t, "linux-apt")
	r := mustRun(t, hd, "tech", "reboot", 1)
	if !strings.Contains(r.stderr, "Interactive authentication required") {
		t.Errorf("stderr = %q", r.stderr)
	}
	clock.Advance(time.Hour)
	if h.Rebooting() {
		t.Error("unprivileged reboot rebooted the host")
	}
}
